// `npm start` without Electron's runtime, for real: under Xvfb with Debian's Chromium the UI opens
// in an app window of its own and shows the start page; closing the window (Ctrl+W, typed through
// X) or Ctrl+C on npm start ends the run, the server, the browser and the window's private folder.
// The access token never appears on a command line. Without a display, it serves at the URL.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_PATH, chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { REPO_ROOT } from '../helpers/fixtures'

const SCREENSHOTS = join(REPO_ROOT, 'test-results/screenshots')

/** The X programs the test drives the display with, by the Debian package that has them. */
const X_TOOLS = { Xvfb: 'xvfb', xwininfo: 'x11-utils', xdotool: 'xdotool' } as const

function missingReason(): string | undefined {
  if (process.platform !== 'linux') return 'Linux only (Xvfb)'
  const chromiumMissing = chromiumUnavailableReason()
  if (chromiumMissing) return chromiumMissing
  for (const [tool, pkg] of Object.entries(X_TOOLS)) {
    if (spawnSync(tool, ['-version']).error) return `${tool} not found (apt-get install ${pkg})`
  }
  return undefined
}

const missing = missingReason()
if (missing) console.warn(`app window e2e: SKIPPED: ${missing}`)

interface Proc {
  pid: number
  ppid: number
  args: string[]
}

/** Every process this user can see, with its command line (from /proc). */
function processes(): Proc[] {
  const found: Proc[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean)
      // The fields after the command's name (which may hold spaces and parentheses).
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      found.push({ pid: Number(name), ppid, args })
    } catch {
      // Ended while being read.
    }
  }
  return found
}

/** The app window's browser process: started (through serve) by `ancestor`, not a helper. */
function appBrowser(ancestor: number): Proc | undefined {
  const all = processes()
  const byPid = new Map(all.map((proc) => [proc.pid, proc]))
  const descends = (proc: Proc): boolean => {
    for (let up = byPid.get(proc.ppid); up; up = byPid.get(up.ppid)) {
      if (up.pid === ancestor) return true
    }
    return false
  }
  return all.find(
    (proc) =>
      proc.args.some((arg) => arg.startsWith('--app=')) &&
      !proc.args.some((arg) => arg.startsWith('--type=')) &&
      descends(proc),
  )
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

/** Whether something accepts connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

interface Start {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs `node scripts/start.mjs` with this environment (and nothing of this process's display). */
function npmStart(env: NodeJS.ProcessEnv): Start {
  const base = { ...process.env }
  delete base.DISPLAY
  delete base.WAYLAND_DISPLAY
  delete base.HEAPGRAPH_BROWSER_ARGS
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: REPO_ROOT,
    env: { ...base, HEAPGRAPH_NO_ELECTRON: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** The URL serve printed as its first line on stdout. */
async function servedUrl(start: Start): Promise<URL> {
  const line = await waitFor(
    'the URL on stdout',
    () => /^(http:\/\/127\.0\.0\.1:\d+\/\S*)\n/.exec(start.stdout())?.[1],
    // A first run after source changes builds dist/ first.
    120_000,
  )
  return new URL(line)
}

/** Resolves with the exit, or fails when the process is still running after `timeoutMs`. */
async function exitWithin(start: Start, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`npm start still running after ${timeoutMs} ms:\n${start.stderr()}`)),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([start.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

describe.skipIf(missing !== undefined)(
  "npm start without Electron's runtime: the app window",
  () => {
    let xvfb: ChildProcess
    let display: string
    let configDir: string
    const started: Start[] = []

    beforeAll(async () => {
      configDir = await mkdtemp(join(tmpdir(), 'heapgraph-app-window-config-'))
      // -displayfd: Xvfb picks a free display number and writes it once it accepts clients.
      xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1440x900x24', '-nolisten', 'tcp'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      display = await new Promise<string>((resolve, reject) => {
        let text = ''
        xvfb.stdout?.on('data', (chunk: Buffer) => {
          text += chunk.toString()
          if (text.includes('\n')) resolve(`:${text.trim()}`)
        })
        xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it was ready`)))
      })
    }, 30_000)

    afterAll(async () => {
      for (const start of started) {
        if (start.child.exitCode === null && start.child.signalCode === null) {
          start.child.kill('SIGINT')
          await exitWithin(start, 10_000).catch(() => start.child.kill('SIGKILL'))
        }
      }
      xvfb?.kill()
      await rm(configDir, { recursive: true, force: true })
    })

    const env = (): NodeJS.ProcessEnv => ({
      DISPLAY: display,
      HEAPGRAPH_CONFIG_DIR: configDir,
      HEAPGRAPH_BROWSER: CHROMIUM_PATH,
      // The test's way into the page; the browser writes the port to DevToolsActivePort.
      HEAPGRAPH_BROWSER_ARGS: '--remote-debugging-port=0',
    })

    /** npm start up to its window: the browser process, its folder and the served URL. */
    async function startWithWindow() {
      const start = npmStart(env())
      started.push(start)
      const url = await servedUrl(start)
      const browser = await waitFor('the app window browser', () =>
        appBrowser(start.child.pid ?? -1),
      )
      const profileArg = browser.args.find((arg) => arg.startsWith('--user-data-dir='))
      const profileDir = profileArg?.slice('--user-data-dir='.length) ?? ''
      return { start, url, browser, profileDir, folder: dirname(profileDir) }
    }

    it('opens the start page in an app window, and closing the window ends npm start', async () => {
      const { start, url, browser, profileDir, folder } = await startWithWindow()
      expect(start.stderr()).toContain('in an app window of')

      // An app window on a fresh profile, in a folder of this user's only.
      const appArg = browser.args.find((arg) => arg.startsWith('--app='))
      expect(appArg).toMatch(/^--app=file:\/\/\/.*\/open\.html$/)
      expect(browser.args).toContain('--class=Heapgraph')
      expect(statSync(folder).mode & 0o777).toBe(0o700)
      expect(statSync(join(folder, 'open.html')).mode & 0o777).toBe(0o600)
      // The token is on no command line of this machine.
      const token = url.searchParams.get('token') ?? ''
      expect(token.length).toBeGreaterThan(16)
      expect(processes().filter((proc) => proc.args.join(' ').includes(token))).toEqual([])

      // The window is on the display, at a usable size.
      const info = await waitFor('the window on the display', () => {
        const result = spawnSync('xwininfo', ['-display', display, '-name', 'Heapgraph'], {
          encoding: 'utf8',
        })
        return result.status === 0 && result.stdout.includes('IsViewable')
          ? result.stdout
          : undefined
      })
      expect(Number(/Width: (\d+)/.exec(info)?.[1])).toBeGreaterThan(600)
      expect(Number(/Height: (\d+)/.exec(info)?.[1])).toBeGreaterThan(400)

      // What the window shows: the served start page.
      const devtoolsPort = await waitFor('DevToolsActivePort', () => {
        const file = join(profileDir, 'DevToolsActivePort')
        return existsSync(file) ? readFileSync(file, 'utf8').split('\n')[0] || undefined : undefined
      })
      const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${devtoolsPort}`)
      try {
        const page = await waitFor('the page', () => cdp.contexts()[0]?.pages()[0])
        await expect.poll(() => page.url(), { timeout: 30_000 }).toBe(url.href)
        await page.getByRole('heading', { name: 'Why is it still alive?' }).waitFor()
        await page.getByRole('button', { name: 'Open snapshot…' }).waitFor()
        // An app window: no tabs, no address bar.
        const standalone = "matchMedia('(display-mode: standalone)').matches"
        expect(await page.evaluate(standalone)).toBe(true)
        await mkdir(SCREENSHOTS, { recursive: true })
        await page.screenshot({ path: join(SCREENSHOTS, 'app-window-start.png') })
      } finally {
        await cdp.close() // disconnects; the window stays
      }
      expect(isAlive(browser.pid)).toBe(true)

      // Close the window as a person would: Ctrl+W, typed into it through X.
      const window = spawnSync('xdotool', ['search', '--name', '^Heapgraph$'], {
        encoding: 'utf8',
        env: { ...process.env, DISPLAY: display },
      }).stdout.split('\n')[0]
      expect(window).toMatch(/^\d+$/)
      const typed = spawnSync('xdotool', ['windowfocus', '--sync', window, 'key', 'ctrl+w'], {
        env: { ...process.env, DISPLAY: display },
      })
      expect(typed.status).toBe(0)

      expect(await exitWithin(start, 10_000)).toEqual({ code: 0, signal: null })
      expect(start.stderr()).toContain('the app window was closed; stopping')
      expect(isAlive(browser.pid)).toBe(false)
      expect(await accepts(Number(url.port))).toBe(false)
      expect(existsSync(folder)).toBe(false)
    }, 180_000)

    it('closes the window too when npm start gets Ctrl+C', async () => {
      const { start, url, browser, folder } = await startWithWindow()
      await waitFor('the window on the display', () =>
        spawnSync('xwininfo', ['-display', display, '-name', 'Heapgraph']).status === 0
          ? true
          : undefined,
      )
      start.child.kill('SIGINT')
      expect(await exitWithin(start, 10_000)).toEqual({ code: 0, signal: null })
      await waitFor('the browser to end', () => (isAlive(browser.pid) ? undefined : true), 5_000)
      expect(await accepts(Number(url.port))).toBe(false)
      expect(existsSync(folder)).toBe(false)
    }, 180_000)

    it('serves at the URL, with no window, where there is no display', async () => {
      // An empty PATH: nothing else (xdg-open) is opened either.
      const emptyPath = await mkdtemp(join(tmpdir(), 'heapgraph-empty-path-'))
      try {
        const start = npmStart({ ...env(), DISPLAY: undefined, PATH: emptyPath })
        started.push(start)
        const url = await servedUrl(start)
        await waitFor('the fallback message', () =>
          start.stderr().includes('serving on this machine only;') ? true : undefined,
        )
        expect(start.stderr()).toContain('no app window: there is no display')
        expect(appBrowser(start.child.pid ?? -1)).toBeUndefined()
        expect(await accepts(Number(url.port))).toBe(true)
        start.child.kill('SIGINT')
        expect((await exitWithin(start, 10_000)).code).toBe(0)
        expect(await accepts(Number(url.port))).toBe(false)
      } finally {
        await rm(emptyPath, { recursive: true, force: true })
      }
    }, 180_000)
  },
)
