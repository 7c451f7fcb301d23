// Web mode in a window of its own: the UI in an app window (--app: no tabs, no address bar) of an
// installed Chrome or Chromium, on a fresh private profile removed afterwards, so the browser is
// ours alone and ends when its window closes. The token never appears on its command line.
import { spawn } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix, win32 } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Command names tried on PATH, in this order. */
const BROWSER_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'microsoft-edge',
]

/** Where the installers put them, tried after PATH. */
function standardPaths(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'darwin') {
    const apps = ['Google Chrome', 'Chromium', 'Microsoft Edge']
    const folders = ['/Applications', ...(env.HOME ? [posix.join(env.HOME, 'Applications')] : [])]
    return folders.flatMap((folder) =>
      apps.map((app) => `${folder}/${app}.app/Contents/MacOS/${app}`),
    )
  }
  if (platform === 'win32') {
    const programFiles = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA]
    return [
      'Google\\Chrome\\Application\\chrome.exe',
      'Chromium\\Application\\chrome.exe',
      'Microsoft\\Edge\\Application\\msedge.exe',
    ].flatMap((tail) => programFiles.flatMap((folder) => (folder ? [`${folder}\\${tail}`] : [])))
  }
  return []
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** What the search looks at; the defaults are this process's. */
export interface BrowserSearch {
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  isExecutable?: (path: string) => boolean
}

/** A command: itself when it is a path, else the first executable of that name on PATH. */
function resolveCommand(
  command: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  isExecutable: (path: string) => boolean,
): string | null {
  const windows = platform === 'win32'
  if ((windows ? /[\\/]/ : /\//).test(command)) return isExecutable(command) ? command : null
  const path = windows ? win32 : posix
  const pathList = (windows ? (env.Path ?? env.PATH) : env.PATH) ?? ''
  const extensions = windows ? ['.exe', ''] : ['']
  for (const folder of pathList.split(path.delimiter)) {
    if (folder === '') continue
    for (const extension of extensions) {
      const candidate = path.join(folder, command + extension)
      if (isExecutable(candidate)) return candidate
    }
  }
  return null
}

/**
 * The Chrome-family browser to open the app window with, or null when there is none.
 * HEAPGRAPH_BROWSER (a path or a command name) decides alone when set; then CHROME_PATH when it
 * names an executable; then the usual command names on PATH; then the standard install paths.
 */
export function findBrowser(search: BrowserSearch = {}): string | null {
  const env = search.env ?? process.env
  const platform = search.platform ?? process.platform
  const isExecutable = search.isExecutable ?? isExecutableFile
  const chosen = env.HEAPGRAPH_BROWSER
  if (chosen) return resolveCommand(chosen, env, platform, isExecutable)
  if (env.CHROME_PATH && isExecutable(env.CHROME_PATH)) return env.CHROME_PATH
  for (const name of BROWSER_NAMES) {
    const found = resolveCommand(name, env, platform, isExecutable)
    if (found !== null) return found
  }
  return standardPaths(platform, env).find(isExecutable) ?? null
}

/** Why no window can be shown here (no display on Linux and the like), or null when it can. */
export function missingDisplay(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (platform === 'darwin' || platform === 'win32') return null
  return env.DISPLAY || env.WAYLAND_DISPLAY ? null : 'there is no display (no $DISPLAY)'
}

/** The browser's command line for the app window; extra flags (HEAPGRAPH_BROWSER_ARGS) last. */
export function appWindowArgs(
  startUrl: string,
  profileDir: string,
  options: { platform?: NodeJS.Platform; isRoot?: boolean; extra?: string } = {},
): string[] {
  const platform = options.platform ?? process.platform
  const isRoot = options.isRoot ?? process.getuid?.() === 0
  return [
    `--app=${startUrl}`,
    `--user-data-dir=${profileDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-sync',
    '--disable-background-networking',
    '--disable-component-update',
    // The window's WM_CLASS, so desktops group and name it as Heapgraph.
    ...(platform === 'linux' ? ['--class=Heapgraph'] : []),
    // Chromium refuses to run as root with its sandbox; it shows only this loopback UI.
    ...(isRoot ? ['--no-sandbox'] : []),
    ...(options.extra ?? '').split(/\s+/).filter((arg) => arg !== ''),
  ]
}

/** A page that sends the window on to `url` at once (meta refresh: no script, no history). */
export function redirectPage(url: string): string {
  const attribute = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
  // The script navigates as the page is parsed; the refresh (a timer, which a busy or hidden
  // window may run late) is the fallback.
  return (
    '<!doctype html><meta charset="utf-8"><title>Heapgraph</title>' +
    `<meta http-equiv="refresh" content="0;url=${attribute}">\n` +
    `<script>location.replace(${JSON.stringify(url).replace(/</g, '\\u003c')})</script>\n`
  )
}

export interface AppWindow {
  /** Settles when the browser exits: its exit code (null when ended by a signal). */
  exited: Promise<number | null>
  /** Closes the window (ends the browser) and removes its folder; safe to call twice. */
  close(): Promise<void>
}

/** How long the browser gets to close on SIGTERM before it is killed. */
const CLOSE_GRACE_MS = 5_000

/**
 * Opens `url` in an app window of `browser`, in a new folder private to this user (mode 0700, as
 * mkdtemp makes it) that holds the window's profile and is removed once the browser has exited.
 * The URL's token stays off the browser's command line, which every local user can read (ps):
 * the window starts at a page in that folder that redirects to the URL. A browser that cannot
 * start settles `exited` with 1 rather than throwing.
 */
export async function openAppWindow(
  browser: string,
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AppWindow> {
  const folder = await mkdtemp(join(tmpdir(), 'heapgraph-window-'))
  const startPage = join(folder, 'open.html')
  await writeFile(startPage, redirectPage(url), { mode: 0o600 })
  const args = appWindowArgs(pathToFileURL(startPage).href, join(folder, 'profile'), {
    extra: env.HEAPGRAPH_BROWSER_ARGS,
  })
  // Chromium's own log lines (GPU, D-Bus) are noise here.
  const child = spawn(browser, args, { stdio: 'ignore', env })
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(1))
    child.once('exit', (code) => resolve(code))
  }).then(async (code) => {
    await rm(folder, { recursive: true, force: true, maxRetries: 5 }).catch(() => {})
    return code
  })
  return {
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS)
        await exited
        clearTimeout(timer)
      }
      await exited
    },
  }
}
