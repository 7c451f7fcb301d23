// Python for the tests of python/ (heapgraph_py): whether python3 (and NumPy) are here, and the
// fixture programs of test/fixtures/python run as child processes with the package on their path.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { debianPython314, debianUnavailableReason } from './debian'
import { REPO_ROOT } from './fixtures'

export const PYTHON = process.env.HEAPGRAPH_PYTHON ?? 'python3'
export const PYTHON_PACKAGE = join(REPO_ROOT, 'python')
export const PYTHON_FIXTURES = join(REPO_ROOT, 'test/fixtures/python')

function probe(code: string): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', code], { stdio: 'pipe', timeout: 30_000 })
    return undefined
  } catch (error) {
    const text = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').at(-1)
    return text || (error as Error).message
  }
}

/** Why python3 cannot run the tests here (3.9 or later is needed), or undefined. */
export function pythonUnavailableReason(): string | undefined {
  const problem = probe('import sys; assert sys.version_info >= (3, 9), sys.version')
  return problem === undefined ? undefined : `${PYTHON} is missing or too old (${problem})`
}

/** Why NumPy cannot be imported here, or undefined. */
export function numpyUnavailableReason(): string | undefined {
  const problem = probe('import numpy')
  return problem === undefined
    ? undefined
    : `NumPy is not installed for ${PYTHON} (apt-get install python3-numpy): ${problem}`
}

/** The environment a Python child runs in: heapgraph_py importable, `extra` added. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = [PYTHON_PACKAGE, process.env.PYTHONPATH].filter(Boolean).join(':')
  return { ...process.env, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: '1', ...extra }
}

export interface PythonRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `python3 args...` (or `options.python`) from the repository's root; never rejects on a non-zero exit. */
export function runPython(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number; python?: string } = {},
): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    execFile(
      options.python ?? PYTHON,
      [...args],
      {
        cwd: REPO_ROOT,
        env: pythonEnv(options.env),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error)
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr })
      },
    )
  })
}

/**
 * Runs test/fixtures/python/<name>.py with `outDir` as its argument; resolves with the JSON it
 * prints last (the @ids its snapshots gave the objects it names), or {} when it prints none.
 */
export async function runPythonFixture(
  name: string,
  outDir: string,
  python?: string,
): Promise<Record<string, number>> {
  const run = await runPython([join(PYTHON_FIXTURES, `${name}.py`), outDir], { python })
  if (run.code !== 0) throw new Error(`${name}.py exited with ${run.code}: ${run.stderr}`)
  const last = run.stdout.trim().split('\n').at(-1) ?? ''
  return last.startsWith('{') ? (JSON.parse(last) as Record<string, number>) : {}
}

/** Starts a long-running fixture (with python3 unless `python` is given) and resolves once it prints "ready". */
export function startPythonFixture(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
  python = PYTHON,
): Promise<ChildProcess> {
  const child = spawn(python, [join(PYTHON_FIXTURES, `${name}.py`), ...args], {
    cwd: REPO_ROOT,
    env: pythonEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${name}.py did not start: ${output}`)), 30_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('ready')) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name}.py exited with ${code}: ${output}`))
    })
  })
}

/** "3.N" of a CPython interpreter, or undefined when it does not run or is not CPython. */
function versionOf(python: string): string | undefined {
  const probe =
    'import platform, sys; ' +
    'print("%d.%d" % sys.version_info[:2] if platform.python_implementation() == "CPython" else "")'
  try {
    const version = execFileSync(python, ['-c', probe], { stdio: 'pipe', timeout: 30_000 })
      .toString()
      .trim()
    return version === '' ? undefined : version
  } catch {
    return undefined
  }
}

/**
 * CPython 3.9 and later other than python3's own version, one interpreter per version: those
 * listed in HEAPGRAPH_OTHER_PYTHONS (paths, separated as in PATH), else python3.9… on PATH and
 * pyenv's (~/.pyenv/versions/<version>/bin/python3). heapgraph_py supports 3.9 and later, and
 * each version changes what the collector shows of frames, generators and instances.
 */
export function otherPythons(): { python: string; version: string }[] {
  const listed = process.env.HEAPGRAPH_OTHER_PYTHONS
  const candidates: string[] = []
  if (listed !== undefined) {
    candidates.push(...listed.split(delimiter).filter(Boolean))
  } else {
    for (const folder of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      for (let minor = 9; minor <= 20; minor++) {
        const python = join(folder, `python3.${minor}`)
        if (existsSync(python)) candidates.push(python)
      }
    }
    const pyenv = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions')
    if (existsSync(pyenv)) {
      for (const version of readdirSync(pyenv).sort()) {
        const python = join(pyenv, version, 'bin', 'python3')
        if (existsSync(python)) candidates.push(python)
      }
    }
  }
  const own = versionOf(PYTHON)
  const byVersion = new Map<string, string>()
  for (const python of candidates) {
    const version = versionOf(python)
    if (version === undefined || version === own || byVersion.has(version)) continue
    const [major, minor] = version.split('.').map(Number)
    if (major === 3 && minor >= 9) byVersion.set(version, python)
  }
  return [...byVersion]
    .map(([version, python]) => ({ python, version }))
    .sort((a, b) => Number(a.version.split('.')[1]) - Number(b.version.split('.')[1]))
}

export type OtherPython = { python: string; version: string }

/**
 * otherPythons(), and CPython 3.14 unpacked from Debian (see debian.ts) when none of them is 3.14
 * or later and HEAPGRAPH_OTHER_PYTHONS does not name the list: heapgraph_py supports the newest
 * CPython, and sys.remote_exec exists from 3.14 on. Where it cannot be had, a note says why.
 */
export async function otherPythonsAndNewest(): Promise<OtherPython[]> {
  const others = otherPythons()
  const versions = [versionOf(PYTHON), ...others.map((other) => other.version)]
  const newest = versions.some((version) => version && Number(version.split('.')[1]) >= 14)
  if (process.env.HEAPGRAPH_OTHER_PYTHONS !== undefined || newest) return others
  const unavailable = debianUnavailableReason()
  if (unavailable) {
    console.warn(`python: no CPython 3.14 here, and Debian's cannot be had: ${unavailable}`)
    return others
  }
  try {
    const python = await debianPython314()
    const version = versionOf(python)
    if (version === undefined) throw new Error(`${python} does not run`)
    return [...others, { python, version }]
  } catch (error) {
    console.warn(
      `python: no CPython 3.14 here, and Debian's could not be unpacked: ${String(error)}`,
    )
    return others
  }
}
