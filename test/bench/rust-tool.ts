// The Rust `heap-snapshot` tool (npm @heap-snapshot/tool, its Linux binary from
// @heap-snapshot/linux-x64), which the speed issue compares against: fetched once into .cache
// with npm pack (never a dependency), and run as `heap-snapshot summary FILE`, its load and
// summary table, the same work as our load + Summary. Its binary needs glibc 2.39 or newer;
// on an older machine it runs with Debian unstable's C library, unpacked beside it (see
// test/helpers/debian.ts), which changes nothing of the machine.
import { execFile, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DEBIAN_SUITE, debianProgram, debianUnavailableReason } from '../helpers/debian'
import { REPO_ROOT, cached, fileOfNpmPackage } from '../helpers/fixtures'

const execFileAsync = promisify(execFile)
const PACKAGE = '@heap-snapshot/linux-x64'
const TOOL_DIR = join(REPO_ROOT, '.cache/heap-snapshot-tool')

export interface RustTool {
  /** The command to run it: the binary, or a launcher with Debian's C library. */
  command: string
  version: string
  /** How it runs, for the report. */
  via: string
}

export interface RustMeasurement {
  ms: number
  peakRssBytes: number
  /** Its summary's last line (the total). */
  total: string
}

function glibcVersion(): string | undefined {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } })
    .header
  return header?.glibcVersionRuntime
}

/** The tool, fetched and made runnable; or why it cannot run here. */
export async function rustTool(): Promise<RustTool | { skipped: string }> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { skipped: `the bench fetches its linux-x64 binary; this is ${process.platform}` }
  let version: string
  try {
    const { stdout } = await execFileAsync('npm', ['view', PACKAGE, 'version'], {
      timeout: 120_000,
    })
    version = stdout.trim()
  } catch (error) {
    return { skipped: `npm view ${PACKAGE} failed: ${String(error).split('\n')[0]}` }
  }
  const binary = join(TOOL_DIR, `heap-snapshot-${version}`)
  try {
    await cached(binary, {}, 300_000, (temp) =>
      fileOfNpmPackage(`${PACKAGE}@${version}`, 'package/heap-snapshot', temp),
    )
  } catch (error) {
    return { skipped: `fetching ${PACKAGE}@${version} failed: ${String(error).split('\n')[0]}` }
  }
  await execFileAsync('chmod', ['+x', binary])
  const glibc = glibcVersion() ?? '0.0'
  const [major, minor] = glibc.split('.').map(Number)
  if (major > 2 || (major === 2 && minor >= 39))
    return { command: binary, version, via: `this machine's glibc ${glibc}` }
  const unavailable = debianUnavailableReason()
  if (unavailable)
    return { skipped: `it needs glibc 2.39+, this machine has ${glibc}, and ${unavailable}` }
  try {
    const command = await debianProgram(`heap-snapshot-${version}`, ['libc6', 'libgcc-s1'], binary)
    // The loader names its release: "... stable release version 2.43."
    const { stdout } = await execFileAsync(
      join(`${command}.root`, 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
      ['--version'],
    )
    const theirs = /version (\d+\.\d+)/.exec(stdout)?.[1] ?? 'unknown'
    return {
      command,
      version,
      via: `Debian ${DEBIAN_SUITE}'s glibc ${theirs} (this machine's ${glibc} is older than the 2.39 it needs)`,
    }
  } catch (error) {
    return {
      skipped: `it needs glibc 2.39+, this machine has ${glibc}, and Debian's could not be unpacked: ${String(error).split('\n')[0]}`,
    }
  }
}

/** Peak resident memory of a live process so far (VmHWM), or 0 once it is gone. */
async function highWaterMark(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]
  return kb === undefined ? 0 : Number(kb) * 1024
}

/**
 * `heap-snapshot summary FILE`: wall time from start to exit, and its peak RSS (VmHWM, read
 * every 20 ms: the last reading before it exits, after its work, so its peak).
 */
export function measureRustTool(tool: RustTool, file: string): Promise<RustMeasurement> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(tool.command, ['summary', file], { stdio: ['ignore', 'pipe', 'pipe'] })
    let peak = 0
    let tail = ''
    let errors = ''
    child.stdout.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4096)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-4096)
    })
    const timer = setInterval(() => {
      if (child.pid !== undefined)
        void highWaterMark(child.pid).then((bytes) => (peak = Math.max(peak, bytes)))
    }, 20)
    child.once('error', (error) => {
      clearInterval(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      const ms = performance.now() - start
      clearInterval(timer)
      const total = tail.trim().split('\n').at(-1) ?? ''
      if (code !== 0) reject(new Error(`heap-snapshot exited with ${code}: ${errors.trim()}`))
      else resolve({ ms, peakRssBytes: peak, total: total.replace(/\s+/g, ' ') })
    })
  })
}
