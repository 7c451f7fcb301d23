// Takes a heap snapshot of a headless Debian Chromium page over CDP, for fixtures and attach tests.
// Loopback only: the page comes from file:// (or data:) and every other request is aborted.
// Throws ChromiumUnavailableError (never a silent pass) when chromium or playwright-core is missing.
import { accessSync, constants, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Debian's chromium wrapper script (apt-get install chromium); HEAPGRAPH_CHROMIUM overrides. */
export const CHROMIUM_PATH = process.env.HEAPGRAPH_CHROMIUM || '/usr/bin/chromium'

/** The fixture page: a detached DOM subtree held by a JS array, and a big array on window. */
export const CHROME_PAGE_PATH = fileURLToPath(
  new URL('../fixtures/programs/chrome-page.html', import.meta.url),
)

/** Flags for a quiet, offline, throwaway browser (Playwright adds its own --headless). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--remote-debugging-port=0',
]

/** Chromium or its driver cannot run here; tests turn this into a skip that prints `message`. */
export class ChromiumUnavailableError extends Error {
  override readonly name = 'ChromiumUnavailableError'
}

export interface ChromeSnapshotOptions {
  /** Page to load: a file path or a `file:`/`data:` URL. Default: CHROME_PAGE_PATH. */
  page?: string
  /** Passed to HeapProfiler.takeHeapSnapshot. Default false, as DevTools' Memory panel. */
  exposeInternals?: boolean
  /** Chromium binary. Default CHROMIUM_PATH. */
  executablePath?: string
}

/** Why chromium cannot be launched here, or undefined when it can (a cheap, synchronous check). */
export function chromiumUnavailableReason(executablePath = CHROMIUM_PATH): string | undefined {
  try {
    accessSync(executablePath, constants.X_OK)
    return undefined
  } catch {
    return `chromium not found at ${executablePath} (apt-get install chromium)`
  }
}

function pageUrl(page: string): string {
  return /^(file|data):/.test(page) ? page : pathToFileURL(page).href
}

/**
 * Loads the page in a fresh headless Chromium (temporary user-data-dir), collects garbage and
 * writes HeapProfiler.takeHeapSnapshot's chunks, in order, to `outPath`.
 */
export async function takeChromeSnapshot(
  outPath: string,
  options: ChromeSnapshotOptions = {},
): Promise<void> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH
  const unavailable = chromiumUnavailableReason(executablePath)
  if (unavailable) throw new ChromiumUnavailableError(unavailable)
  // Imported lazily, so a machine without playwright-core gets a skip rather than a crash.
  const { chromium } = await import('playwright-core').catch((error: unknown) => {
    throw new ChromiumUnavailableError(`playwright-core is not installed (${String(error)})`)
  })

  const userDataDir = await mkdtemp(join(tmpdir(), 'heapgraph-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      offline: true,
    })
    try {
      await context.route('**/*', (route) =>
        /^(file|data):/.test(route.request().url()) ? route.continue() : route.abort(),
      )
      const page = context.pages()[0] ?? (await context.newPage())
      // goto() resolves after the load event, so the page's inline script has run.
      await page.goto(pageUrl(options.page ?? CHROME_PAGE_PATH))
      const cdp = await context.newCDPSession(page)
      await cdp.send('HeapProfiler.enable')
      await cdp.send('HeapProfiler.collectGarbage')

      const out = createWriteStream(outPath)
      const written = new Promise<void>((resolve, reject) => {
        out.on('finish', resolve)
        out.on('error', reject)
      })
      cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => out.write(chunk))
      try {
        // V8 sends every chunk before it answers takeHeapSnapshot.
        await cdp.send('HeapProfiler.takeHeapSnapshot', {
          reportProgress: false,
          exposeInternals: options.exposeInternals ?? false,
        })
      } finally {
        out.end()
      }
      await written
      await cdp.detach()
    } finally {
      await context.close()
    }
  } finally {
    await rm(userDataDir, { recursive: true, force: true })
  }
}
