// The app window's browser search (HEAPGRAPH_BROWSER, then CHROME_PATH, then the usual names on
// PATH, then the install paths), the display check, and the command line and start page it uses.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  appWindowArgs,
  findBrowser,
  missingDisplay,
  redirectPage,
} from '../../electron/cli/app-window'

/** An isExecutable that knows only these paths. */
const only =
  (...paths: string[]) =>
  (path: string): boolean =>
    paths.includes(path)

describe('findBrowser', () => {
  const PATH = '/home/me/bin:/usr/local/bin:/usr/bin'

  it('takes the usual names on PATH in order: chromium first, whichever folder holds it', () => {
    const isExecutable = only('/home/me/bin/google-chrome', '/usr/bin/chromium')
    expect(findBrowser({ env: { PATH }, platform: 'linux', isExecutable })).toBe(
      '/usr/bin/chromium',
    )
    expect(
      findBrowser({
        env: { PATH },
        platform: 'linux',
        isExecutable: only('/usr/bin/chromium-browser', '/usr/local/bin/google-chrome-stable'),
      }),
    ).toBe('/usr/bin/chromium-browser')
    expect(
      findBrowser({
        env: { PATH },
        platform: 'linux',
        isExecutable: only('/usr/bin/microsoft-edge'),
      }),
    ).toBe('/usr/bin/microsoft-edge')
  })

  it('finds nothing when no such program is on PATH', () => {
    const isExecutable = only('/opt/chromium/chromium', '/usr/bin/firefox')
    expect(findBrowser({ env: { PATH }, platform: 'linux', isExecutable })).toBeNull()
    expect(findBrowser({ env: {}, platform: 'linux', isExecutable })).toBeNull()
  })

  it('prefers CHROME_PATH to PATH, when it names an executable', () => {
    const isExecutable = only('/usr/bin/chromium', '/opt/chrome/chrome')
    expect(
      findBrowser({
        env: { PATH, CHROME_PATH: '/opt/chrome/chrome' },
        platform: 'linux',
        isExecutable,
      }),
    ).toBe('/opt/chrome/chrome')
    expect(
      findBrowser({ env: { PATH, CHROME_PATH: '/gone/chrome' }, platform: 'linux', isExecutable }),
    ).toBe('/usr/bin/chromium')
  })

  it('lets HEAPGRAPH_BROWSER decide alone, as a path or as a name on PATH', () => {
    const isExecutable = only('/usr/bin/chromium', '/opt/chrome/chrome', '/usr/local/bin/brave')
    const env = { PATH, CHROME_PATH: '/opt/chrome/chrome' }
    expect(
      findBrowser({
        env: { ...env, HEAPGRAPH_BROWSER: '/usr/local/bin/brave' },
        platform: 'linux',
        isExecutable,
      }),
    ).toBe('/usr/local/bin/brave')
    expect(
      findBrowser({ env: { ...env, HEAPGRAPH_BROWSER: 'brave' }, platform: 'linux', isExecutable }),
    ).toBe('/usr/local/bin/brave')
    // Set but not found: no other browser is taken in its place.
    expect(
      findBrowser({
        env: { ...env, HEAPGRAPH_BROWSER: '/gone/browser' },
        platform: 'linux',
        isExecutable,
      }),
    ).toBeNull()
  })

  it('tries the standard install paths after PATH on macOS', () => {
    const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'
    const ownEdge = '/Users/me/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge'
    expect(
      findBrowser({
        env: { PATH: '/usr/bin' },
        platform: 'darwin',
        isExecutable: only(chrome, ownEdge),
      }),
    ).toBe(chrome)
    expect(
      findBrowser({
        env: { PATH: '/usr/bin', HOME: '/Users/me' },
        platform: 'darwin',
        isExecutable: only(ownEdge),
      }),
    ).toBe(ownEdge)
    expect(
      findBrowser({
        env: { PATH: '/opt/homebrew/bin' },
        platform: 'darwin',
        isExecutable: only(chrome, '/opt/homebrew/bin/chromium'),
      }),
    ).toBe('/opt/homebrew/bin/chromium')
  })

  it('reads Path with .exe names, then Program Files and LocalAppData, on Windows', () => {
    const env = {
      Path: 'C:\\Windows;C:\\Tools',
      PROGRAMFILES: 'C:\\Program Files',
      'PROGRAMFILES(X86)': 'C:\\Program Files (x86)',
      LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local',
    }
    expect(
      findBrowser({ env, platform: 'win32', isExecutable: only('C:\\Tools\\chromium.exe') }),
    ).toBe('C:\\Tools\\chromium.exe')
    const edge = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe'
    const chrome = 'C:\\Users\\me\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe'
    expect(findBrowser({ env, platform: 'win32', isExecutable: only(edge, chrome) })).toBe(chrome)
    expect(findBrowser({ env, platform: 'win32', isExecutable: only(edge) })).toBe(edge)
  })

  describe('on the file system', () => {
    let root: string
    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'heapgraph-find-browser-'))
      for (const folder of ['a', 'b', 'c/chromium'])
        await mkdir(join(root, folder), { recursive: true })
      await writeFile(join(root, 'a/chromium'), '#!/bin/sh\n') // not executable
      await writeFile(join(root, 'b/google-chrome'), '#!/bin/sh\n')
      await chmod(join(root, 'b/google-chrome'), 0o755)
    })
    afterAll(() => rm(root, { recursive: true, force: true }))

    it.skipIf(process.platform === 'win32')(
      'skips files that are not executable, and folders',
      () => {
        const folders = ['c', 'a', 'b'].map((folder) => join(root, folder))
        expect(findBrowser({ env: { PATH: folders.join(':') }, platform: 'linux' })).toBe(
          join(root, 'b/google-chrome'),
        )
      },
    )
  })
})

describe('missingDisplay', () => {
  it('needs $DISPLAY or $WAYLAND_DISPLAY on Linux, nothing on macOS and Windows', () => {
    expect(missingDisplay({}, 'linux')).toMatch(/no display/)
    expect(missingDisplay({ DISPLAY: ':0' }, 'linux')).toBeNull()
    expect(missingDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeNull()
    expect(missingDisplay({}, 'darwin')).toBeNull()
    expect(missingDisplay({}, 'win32')).toBeNull()
  })
})

describe('appWindowArgs', () => {
  it('opens an app window on a fresh profile, quiet, with extra flags last', () => {
    const args = appWindowArgs('file:///tmp/w/open.html', '/tmp/w/profile', {
      platform: 'linux',
      isRoot: false,
      extra: ' --remote-debugging-port=0  --lang=en ',
    })
    expect(args.slice(0, 2)).toEqual([
      '--app=file:///tmp/w/open.html',
      '--user-data-dir=/tmp/w/profile',
    ])
    expect(args).toContain('--no-first-run')
    expect(args).toContain('--class=Heapgraph')
    expect(args).not.toContain('--no-sandbox')
    expect(args.slice(-2)).toEqual(['--remote-debugging-port=0', '--lang=en'])
  })

  it('turns the sandbox off only for root, which Chromium refuses otherwise', () => {
    expect(appWindowArgs('u', 'p', { platform: 'linux', isRoot: true })).toContain('--no-sandbox')
    expect(appWindowArgs('u', 'p', { platform: 'darwin', isRoot: false })).not.toContain(
      '--class=Heapgraph',
    )
  })
})

describe('redirectPage', () => {
  it('sends the window on to the URL, escaped for the attribute', () => {
    const page = redirectPage('http://127.0.0.1:5000/?token=a"b&c<d')
    expect(page).toContain(
      '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:5000/?token=a&quot;b&amp;c&lt;d">',
    )
    // And at once by script, the URL as a JavaScript string that cannot close the script.
    expect(page).toContain(
      '<script>location.replace("http://127.0.0.1:5000/?token=a\\"b&c\\u003cd")</script>',
    )
  })
})
