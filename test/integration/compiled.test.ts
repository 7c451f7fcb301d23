// Heapgraph runs compiled JavaScript: the bin, the engine hosts web mode starts, and the library
// from plain Node load no TypeScript loader or compiler (tsx, typescript, esbuild, vite: a guard
// loaded with --import fails any process that resolves one, and logs each process it watched);
// the library's declarations type-check a consumer under nodenext; `--help` costs little more
// than starting Node; and a part is rebuilt exactly when a source is newer than its build.
import { execFile, spawn } from 'node:child_process'
import { access, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isStale, newestSourceChange, PART_NAMES, PARTS } from '../../scripts/build.mjs'
import { BIN } from '../helpers/cli'
import { fixture, REPO_ROOT } from '../helpers/fixtures'

const COMPILERS = /\/node_modules\/(tsx|typescript|esbuild|vite|@esbuild|rolldown)\//

/** Loaded with --import: throws on resolving a compiler (ESM and CommonJS), logs the process. */
const GUARD = `
import Module, { register } from 'node:module'
import { appendFileSync } from 'node:fs'
const bad = ${COMPILERS.toString()}
const check = (url) => {
  if (bad.test(url) || /\\.(ts|tsx|mts|cts)$/.test(url)) throw new Error('compiler loaded: ' + url)
}
register('data:text/javascript,' + encodeURIComponent(
  'const bad = ' + bad + '; export async function resolve(s, c, next) {' +
  ' const r = await next(s, c);' +
  ' if (bad.test(r.url) || /\\\\.(ts|tsx|mts|cts)$/.test(r.url)) throw new Error("compiler loaded: " + r.url);' +
  ' return r }'))
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args)
  check(file)
  return file
}
appendFileSync(process.env.GUARD_LOG, process.argv[1] + '\\n')
`

let work: string
let guard: string
let guardLog: string

function guardedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: `--import=${pathToFileURL(guard).href}`,
    GUARD_LOG: guardLog,
  }
  return env
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'heapgraph-compiled-'))
  guard = join(work, 'guard.mjs')
  guardLog = join(work, 'guard.log')
  await writeFile(guard, GUARD)
  await writeFile(guardLog, '')
})

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('no TypeScript compiler at run time', () => {
  it('the guard itself catches a TypeScript loader', async () => {
    const caught = await run(process.execPath, ['--import', 'tsx', '-e', '0'], {
      env: guardedEnv(),
    })
    expect(caught.code).not.toBe(0)
    expect(caught.stderr).toMatch(/compiler loaded: .*node_modules\/tsx\//)
  })

  it('the bin answers from dist/ with plain Node', async () => {
    const snapshot = await fixture('map-cache')
    const summary = await run(process.execPath, [BIN, 'summary', snapshot, '--top', '3'], {
      env: guardedEnv(),
    })
    expect(summary.stderr).toBe('')
    expect(summary.code).toBe(0)
    expect(summary.stdout).toContain('retained')
  })

  it('web mode serves the built UI and its engine hosts run compiled', async () => {
    await writeFile(guardLog, '')
    const snapshot = await fixture('map-cache')
    const serve = spawn(process.execPath, [BIN, 'serve', snapshot, '--no-open'], {
      cwd: REPO_ROOT,
      env: guardedEnv(),
    })
    let stdout = ''
    let stderr = ''
    serve.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const opened = new Promise<void>((resolve, reject) => {
      serve.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        if (/opened .* objects/.test(stderr)) resolve()
        if (/cannot open|compiler loaded/.test(stderr)) reject(new Error(stderr))
      })
      serve.on('exit', () => reject(new Error(`serve exited: ${stderr}`)))
    })
    try {
      await opened
      const url = new URL(stdout.trim().split('\n')[0])
      const page = await fetch(url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<div id="root">')
    } finally {
      serve.kill('SIGINT')
      await new Promise((resolve) => serve.once('exit', resolve))
    }
    const processes = (await readFile(guardLog, 'utf8')).trim().split('\n')
    expect(processes).toEqual(
      expect.arrayContaining([BIN, join(REPO_ROOT, 'dist/electron/engine-host.cjs')]),
    )
  })

  it('the library works from plain Node, typed by its declarations', async () => {
    const app = join(work, 'app')
    await mkdir(join(app, 'node_modules'), { recursive: true })
    await symlink(REPO_ROOT, join(app, 'node_modules/heapgraph'), 'dir')
    await writeFile(join(app, 'package.json'), '{ "type": "module" }\n')
    const snapshot = await fixture('map-cache')
    await writeFile(
      join(app, 'app.mjs'),
      `import { loadSnapshot, HeapSnapshotError } from 'heapgraph'
const heap = await loadSnapshot(process.argv[2])
const [largest] = heap.summary()
console.log(JSON.stringify({ className: largest.className, error: typeof HeapSnapshotError }))
`,
    )
    const library = await run(process.execPath, ['app.mjs', snapshot], {
      cwd: app,
      env: guardedEnv(),
    })
    expect(library.stderr).toBe('')
    expect(JSON.parse(library.stdout)).toEqual({
      className: expect.any(String),
      error: 'function',
    })

    // TypeScript sees real types: a correct use compiles, a wrong one is an error.
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
        },
        files: ['check.mts'],
      }),
    )
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc')
    await writeFile(
      join(app, 'check.mts'),
      `import { loadSnapshot, type Heap, type WhyResult } from 'heapgraph'
const heap: Heap = await loadSnapshot('app.heapsnapshot')
const why: WhyResult = heap.why('Array')
const verdict: string = why.verdict
const retained: number = heap.summary()[0].retainedSize
export { verdict, retained }
`,
    )
    const typed = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app })
    expect(typed.stdout + typed.stderr).toBe('')
    expect(typed.code).toBe(0)
    await writeFile(
      join(app, 'check.mts'),
      `import { loadSnapshot } from 'heapgraph'
const heap = await loadSnapshot('app.heapsnapshot')
const wrong: string = heap.summary()[0].retainedSize
export { wrong }
`,
    )
    const mistyped = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app })
    expect(mistyped.code).not.toBe(0)
    expect(mistyped.stdout).toContain("Type 'number' is not assignable to type 'string'")
  })

  it('`heapgraph --help` returns within 0.25 s of a bare `node -e 0`', async () => {
    async function median(args: readonly string[]): Promise<number> {
      const times: number[] = []
      for (let round = 0; round < 5; round++) {
        const startedAt = performance.now()
        const result = await run(process.execPath, args)
        times.push(performance.now() - startedAt)
        expect(result.code).toBe(0)
      }
      return times.sort((a, b) => a - b)[2]
    }
    const bare = await median(['-e', '0'])
    const help = await median([BIN, '--help'])
    expect(help - bare).toBeLessThan(250)
  })
})

describe('build on first use', () => {
  it('builds a fresh checkout once, on its first commands started together, then never again', async () => {
    // A checkout as `git clone` + `npm install` leave it: sources, no dist/.
    const checkout = join(work, 'checkout')
    await mkdir(checkout)
    for (const entry of [
      'bin',
      'electron',
      'shared',
      'renderer',
      'scripts',
      'demo',
      'package.json',
      'tsconfig.base.json',
      'tsconfig.lib.json',
    ]) {
      await cp(join(REPO_ROOT, entry), join(checkout, entry), { recursive: true })
    }
    await symlink(join(REPO_ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir')
    const bin = join(checkout, 'bin/heapgraph.mjs')
    const snapshot = await fixture('map-cache')
    const first = await Promise.all([
      run(process.execPath, [bin, '--help'], { cwd: checkout }),
      run(process.execPath, [bin, 'summary', snapshot, '--top', '1', '--json'], {
        cwd: checkout,
      }),
    ])
    for (const result of first) expect(result.code, result.stderr).toBe(0)
    expect(first[0].stdout).toContain('heapgraph — why is this object still alive?')
    expect(JSON.parse(first[1].stdout).classes).toHaveLength(1)
    // One of them built (saying so), the other waited for it.
    const said = first.map((result) => result.stderr).join('')
    expect(said.match(/heapgraph: building node \(sources changed\)…/g)).toHaveLength(1)
    await access(join(checkout, 'dist/cli/heapgraph.cjs'))
    const again = await run(process.execPath, [bin, '--help'], { cwd: checkout, env: guardedEnv() })
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
  }, 120_000)

  it('rebuilds a part exactly when it was never built, an output is missing, or a source is newer', async () => {
    const out = join(work, 'dist')
    for (const part of PART_NAMES) {
      expect(isStale(part, out)).toBe(true)
      for (const output of PARTS[part].outputs) {
        await mkdir(join(out, output, '..'), { recursive: true })
        await writeFile(join(out, output), '')
      }
      await mkdir(join(out, '.stamps'), { recursive: true })
      const stamp = join(out, '.stamps', `${part}.json`)
      const newest = newestSourceChange(part) as number
      await writeFile(stamp, JSON.stringify({ sources: newest }))
      expect(isStale(part, out)).toBe(false)
      await writeFile(stamp, JSON.stringify({ sources: newest - 1 }))
      expect(isStale(part, out)).toBe(true)
      await writeFile(stamp, JSON.stringify({ sources: newest }))
      await rm(join(out, PARTS[part].outputs[0]))
      expect(isStale(part, out)).toBe(true)
    }
  })
})
