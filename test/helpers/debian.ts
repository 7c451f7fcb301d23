// Programs of a newer Debian release than this machine's, for the tests and the bench: unpacked
// from the release's packages into a folder under .cache (never installed: nothing of the
// machine changes) and run through that release's own dynamic loader and libraries. CPython 3.14
// (heapgraph_py on the newest CPython, and its sys.remote_exec), and the C library the Rust
// heap-snapshot tool needs (glibc 2.39+). Debian's apt is one of the two sources this machine
// reaches; where apt, dpkg-deb or the packages are missing, the callers skip with a note.
import { execFile, execFileSync } from 'node:child_process'
import { chmod, copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT, cached } from './fixtures'

const execFileAsync = promisify(execFile)

/** Where the unpacked releases live (gitignored). */
export const DEBIAN_DIR = join(REPO_ROOT, '.cache/debian')
/** The release the packages come from: unstable has CPython 3.14 and a recent glibc. */
export const DEBIAN_SUITE = process.env.HEAPGRAPH_DEBIAN_SUITE ?? 'sid'
const MIRROR = process.env.HEAPGRAPH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
const LIBRARIES = 'usr/lib/x86_64-linux-gnu'

/** Why Debian packages cannot be unpacked here, or undefined when they can. */
export function debianUnavailableReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `Debian's amd64 packages run on linux-x64; this is ${process.platform}-${process.arch}`
  for (const tool of ['apt-get', 'dpkg-deb']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' })
    } catch {
      return `${tool} is not on this machine (Debian's packages are fetched with apt)`
    }
  }
  return undefined
}

/** apt-get with a sources list, package lists and cache of its own: the machine's are untouched. */
function aptOptions(state: string): string[] {
  return [
    '-o',
    `Dir::Etc::SourceList=${join(state, 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=-',
    '-o',
    `Dir::State::Lists=${join(state, 'lists')}`,
    '-o',
    `Dir::Cache=${join(state, 'cache')}`,
    // As root, apt downloads as _apt, who cannot write here.
    '-o',
    'APT::Sandbox::User=root',
    '-q',
  ]
}

/**
 * The folder `name` under DEBIAN_DIR holding `packages` unpacked, and a launcher script `name`
 * beside it that runs `program` (a path inside the packages, or an absolute path) with the
 * release's loader and libraries, passing its arguments on. Resolves with the launcher's path.
 */
export async function debianProgram(
  name: string,
  packages: readonly string[],
  program: string,
  options: { argv0?: string } = {},
): Promise<string> {
  const unavailable = debianUnavailableReason()
  if (unavailable) throw new Error(unavailable)
  const launcher = join(DEBIAN_DIR, DEBIAN_SUITE, name)
  return cached(launcher, {}, 600_000, async (temp) => {
    const root = `${launcher}.root`
    const work = `${temp}.d`
    const state = join(work, 'apt')
    const unpacked = join(work, 'root')
    try {
      await mkdir(join(state, 'lists/partial'), { recursive: true })
      await mkdir(join(state, 'cache/archives/partial'), { recursive: true })
      await mkdir(unpacked)
      await writeFile(join(state, 'sources.list'), `deb ${MIRROR} ${DEBIAN_SUITE} main\n`)
      const apt = aptOptions(state)
      const run = (args: string[], cwd = work) =>
        execFileAsync('apt-get', [...apt, ...args], { cwd, timeout: 300_000, maxBuffer: 1 << 24 })
      await run(['update'])
      const debs = join(work, 'debs')
      await mkdir(debs)
      await run(['download', ...packages], debs)
      for (const deb of await readdir(debs)) {
        await execFileAsync('dpkg-deb', ['-x', join(debs, deb), unpacked], { timeout: 120_000 })
      }
      await rm(root, { recursive: true, force: true })
      await rename(unpacked, root)
    } finally {
      await rm(work, { recursive: true, force: true })
    }
    // Single-quoted for sh: a path may hold spaces, quotes or $.
    const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`
    const argv0 = options.argv0 === undefined ? [] : ['--argv0', quote(`${root}/${options.argv0}`)]
    const target = isAbsolute(program) ? program : `${root}/${program}`
    await writeFile(
      temp,
      [
        '#!/bin/sh',
        `# ${packages.join(' ')} from Debian ${DEBIAN_SUITE}, run with that release's C library.`,
        [
          'exec',
          quote(`${root}/${LIBRARIES}/ld-linux-x86-64.so.2`),
          '--library-path',
          quote(`${root}/${LIBRARIES}`),
          ...argv0,
          quote(target),
          '"$@"',
        ].join(' '),
        '',
      ].join('\n'),
      { mode: 0o755 },
    )
  })
}

/**
 * CPython 3.14 from Debian: a launcher named python3.14-run inside the unpacked usr/bin (Python
 * finds its standard library from where its executable is), whose sys.executable is the
 * launcher itself, so that the child processes it starts run too.
 */
export async function debianPython314(): Promise<string> {
  const packages = [
    'python3.14-minimal',
    'libpython3.14-minimal',
    'libpython3.14-stdlib',
    'libc6',
    'libexpat1',
    'zlib1g',
    'libssl3t64',
    'libffi8',
    'libbz2-1.0',
    'liblzma5',
    'libzstd1',
    'libuuid1',
  ]
  const launcher = await debianProgram('python3.14', packages, 'usr/bin/python3.14', {
    argv0: 'usr/bin/python3.14-run',
  })
  return ensureInside(launcher, 'usr/bin/python3.14-run')
}

/** A copy of the launcher at `relative` inside its unpacked folder (made once). */
async function ensureInside(launcher: string, relative: string): Promise<string> {
  const inside = join(`${launcher}.root`, relative)
  const made = await stat(inside).then(
    () => true,
    () => false,
  )
  if (!made) {
    const temp = `${inside}.${process.pid}.tmp`
    await copyFile(launcher, temp)
    await chmod(temp, 0o755)
    await rename(temp, inside)
  }
  return inside
}
