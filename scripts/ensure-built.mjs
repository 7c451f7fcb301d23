// Build on first use: the npm bin, the library's entry, `npm start` and the tests call
// ensureBuilt() before running anything from dist/. A part is rebuilt only when it was never
// built or one of its sources is newer than its last build (a few milliseconds to check); the
// build runs in a child process (scripts/build.mjs), so the caller never loads a compiler, and
// under a lock, so processes started together build once and the others wait for it.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { DIST, isStale, PART_NAMES, ROOT } from './build.mjs'

const LOCK = join(DIST, '.build-lock')
/** How long to wait for another process's build before giving up on it. */
const LOCK_WAIT_MS = 180_000

function ownerAlive(lock) {
  let pid
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'))
  } catch {
    // Being created this very moment, or left without a pid by a crash.
    try {
      return Date.now() - statSync(lock).mtimeMs < 5_000
    } catch {
      return false
    }
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

/** Takes the build lock, waiting while another live process holds it. */
async function lock() {
  const deadline = Date.now() + LOCK_WAIT_MS
  mkdirSync(DIST, { recursive: true })
  for (;;) {
    try {
      mkdirSync(LOCK)
      writeFileSync(join(LOCK, 'pid'), String(process.pid))
      return
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
    }
    if (!ownerAlive(LOCK) || Date.now() > deadline) {
      rmSync(LOCK, { recursive: true, force: true })
      continue
    }
    await sleep(100)
  }
}

/**
 * Builds the stale ones among `parts` (default: all), saying so on stderr. Throws an Error whose
 * message says what failed (the build's own output went to stderr).
 */
export async function ensureBuilt(parts = PART_NAMES) {
  if (!parts.some((part) => isStale(part))) return
  await lock()
  try {
    const stale = parts.filter((part) => isStale(part))
    if (stale.length === 0) return
    process.stderr.write(`heapgraph: building ${stale.join(', ')} (sources changed)…\n`)
    const result = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('./build.mjs', import.meta.url)), ...stale],
      { cwd: ROOT, stdio: ['ignore', 2, 2] },
    )
    if (result.status !== 0) {
      throw new Error(`the build of ${stale.join(', ')} failed (npm run build says why)`)
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}
