// Builds everything Heapgraph runs into dist/, so no process of it ever compiles TypeScript:
//
//   node      esbuild bundles: the CLI (dist/cli/heapgraph.cjs, what the npm bin and the
//             installed app run), the engine host (dist/electron/engine-host.cjs, forked once per
//             open snapshot), the desktop app's main and preload, and the library
//             (dist/lib/index.mjs, its dependencies left to node_modules)
//   renderer  Vite: the UI (dist/renderer, served by web mode) and the desktop window's copy
//             (dist/electron/renderer, with a page policy that allows no connections)
//   types     tsc: the library's declarations (dist/lib/types), for TypeScript users
//
// Each part is built into a staging folder and moved into place when complete, then stamped
// (dist/.stamps/<part>.json) with the newest change among its sources, which is how
// ensure-built.mjs knows a part is stale. `node scripts/build.mjs [--out DIR] [part…]` builds
// the named parts (default: all) now; `--out DIR` writes under DIR instead of dist (tests).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { cp, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const DIST = join(ROOT, 'dist')

/**
 * The parts, with the sources each is built from (folders and files under the root: a change to
 * any of them, or to the folders' listings, makes the part stale) and what it writes.
 */
export const PARTS = {
  node: {
    sources: [
      'electron',
      'shared',
      'scripts/electron-runtime.mjs',
      'scripts/build.mjs',
      'package.json',
    ],
    outputs: [
      'cli/heapgraph.cjs',
      'electron/engine-host.cjs',
      'electron/main.cjs',
      'lib/index.mjs',
    ],
  },
  renderer: {
    sources: ['renderer', 'shared', 'scripts/build.mjs', 'package.json'],
    outputs: ['renderer/index.html', 'electron/renderer/index.html'],
  },
  types: {
    sources: ['electron', 'shared', 'tsconfig.lib.json', 'tsconfig.base.json', 'scripts/build.mjs'],
    outputs: ['lib/types/electron/lib/index.d.ts'],
  },
}
export const PART_NAMES = Object.keys(PARTS)

/** The newest modification time (ms) among a part's sources, or null where none exist. */
export function newestSourceChange(part) {
  let newest = null
  const note = (path) => {
    const time = statSync(path).mtimeMs
    if (newest === null || time > newest) newest = time
  }
  for (const source of PARTS[part].sources) {
    const path = join(ROOT, source)
    if (!existsSync(path)) continue
    note(path)
    if (!statSync(path).isDirectory()) continue
    for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
      note(join(entry.parentPath, entry.name))
    }
  }
  return newest
}

/** What a part's stamp says it was built from, or null where it was never built (under out). */
export function readStamp(out, part) {
  try {
    const stamp = JSON.parse(readFileSync(join(out, '.stamps', `${part}.json`), 'utf8'))
    return typeof stamp.sources === 'number' ? stamp : null
  } catch {
    return null
  }
}

/** Whether a part must be built: never built, an output missing, or a source newer. */
export function isStale(part, out = DIST) {
  const stamp = readStamp(out, part)
  if (stamp === null) return true
  if (PARTS[part].outputs.some((output) => !existsSync(join(out, output)))) return true
  const newest = newestSourceChange(part)
  // An installed copy ships no sources: its build is as new as it gets.
  return newest !== null && newest > stamp.sources
}

/** Moves every file under `from` to the same place under `to`, one atomic rename each. */
async function moveFiles(from, to) {
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const source = join(entry.parentPath, entry.name)
    const target = join(to, relative(from, source))
    await mkdir(dirname(target), { recursive: true })
    await rename(source, target)
  }
}

/** Puts a built folder in place of the old one (the old one is gone a moment later). */
async function swapFolder(built, target) {
  const old = `${target}.old-${process.pid}`
  await mkdir(dirname(target), { recursive: true })
  await rename(target, old).catch((error) => {
    if (error.code !== 'ENOENT') throw error
  })
  await rename(built, target)
  await rm(old, { recursive: true, force: true })
}

async function buildNode(stage) {
  const { build } = await import('esbuild')
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  }
  // Modules that locate files from import.meta.url (the renderer, the demo, the engine host)
  // sit two folders deep, as each bundle does (dist/cli, dist/electron, dist/lib), so the
  // bundle's own URL resolves them alike.
  const moduleUrl = {
    define: { 'import.meta.url': '__heapgraphModuleUrl' },
    banner: {
      js: "var __heapgraphModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    },
  }
  await Promise.all([
    build({
      ...common,
      entryPoints: ['electron/main.ts'],
      outfile: `${stage}/electron/main.cjs`,
      ...moduleUrl,
    }),
    build({
      ...common,
      entryPoints: ['electron/preload.ts'],
      outfile: `${stage}/electron/preload.cjs`,
    }),
    build({
      ...common,
      entryPoints: ['electron/backend/engine/host.ts'],
      outfile: `${stage}/electron/engine-host.cjs`,
      ...moduleUrl,
    }),
    // The CLI as one file with every dependency in it: the installed app ships it without
    // node_modules and runs it with its own binary as plain Node.
    build({
      ...common,
      entryPoints: ['electron/cli-main.ts'],
      outfile: `${stage}/cli/heapgraph.cjs`,
      ...moduleUrl,
    }),
    // The library, as an ES module whose dependencies are the package's own.
    build({
      ...common,
      format: 'esm',
      packages: 'external',
      entryPoints: ['electron/lib/index.ts'],
      outfile: `${stage}/lib/index.mjs`,
    }),
  ])
}

async function buildRenderer(stage) {
  const { build } = await import('vite')
  await build({
    configFile: join(ROOT, 'renderer/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: `${stage}/renderer`, emptyOutDir: true },
  })
  // The desktop window's copy: the same bundle, with a page policy that allows no connections.
  // Web mode's copy must reach its loopback WebSocket; the window talks only over IPC, and its
  // page's own policy is the one sure to apply to file://.
  const html = await readFile(`${stage}/renderer/index.html`, 'utf8')
  const desktopHtml = html.replace(/connect-src [^;"]*/, "connect-src 'none'")
  if (desktopHtml === html) throw new Error('no connect-src to tighten in the renderer page')
  await cp(`${stage}/renderer`, `${stage}/desktop-renderer`, { recursive: true })
  await writeFile(`${stage}/desktop-renderer/index.html`, desktopHtml)
}

/**
 * The library's declarations: tsc's, with each relative import given the file it names
 * (`./x` becomes `./x.js` or `./x/index.js`), as TypeScript's node16 and nodenext resolution
 * require of an ES module package.
 */
async function buildTypes(stage) {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.lib.json', '--outDir', `${stage}/types`],
    { cwd: ROOT, encoding: 'utf8' },
  )
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`)
  const specifier = /((?:from|import)\s*\(?\s*')(\.{1,2}\/[^']*)(')/g
  for (const entry of await readdir(`${stage}/types`, { withFileTypes: true, recursive: true })) {
    if (!entry.name.endsWith('.d.ts')) continue
    const file = join(entry.parentPath, entry.name)
    const text = await readFile(file, 'utf8')
    const fixed = text.replace(specifier, (whole, before, spec, after) => {
      const target = resolve(entry.parentPath, spec)
      if (existsSync(`${target}.d.ts`)) return `${before}${spec}.js${after}`
      if (existsSync(join(target, 'index.d.ts'))) return `${before}${spec}/index.js${after}`
      return whole
    })
    if (fixed !== text) await writeFile(file, fixed)
  }
}

const BUILDERS = {
  node: async (stage, out) => {
    await buildNode(stage)
    await moveFiles(stage, out)
  },
  renderer: async (stage, out) => {
    await buildRenderer(stage)
    await swapFolder(`${stage}/renderer`, join(out, 'renderer'))
    await swapFolder(`${stage}/desktop-renderer`, join(out, 'electron/renderer'))
  },
  types: async (stage, out) => {
    await buildTypes(stage)
    await swapFolder(`${stage}/types`, join(out, 'lib/types'))
  },
}

/** Builds the parts under out (default dist) and stamps each; throws on a failed build. */
export async function buildParts(parts = PART_NAMES, out = DIST) {
  await mkdir(join(out, '.stamps'), { recursive: true })
  await Promise.all(
    parts.map(async (part) => {
      // Noted first: a source changed while this builds leaves the part stale.
      const sources = newestSourceChange(part) ?? 0
      const stage = join(out, `.staging-${part}-${process.pid}`)
      await rm(stage, { recursive: true, force: true })
      try {
        await BUILDERS[part](stage, out)
      } finally {
        await rm(stage, { recursive: true, force: true })
      }
      const stamp = join(out, '.stamps', `${part}.json`)
      await writeFile(`${stamp}.${process.pid}`, JSON.stringify({ sources }) + '\n')
      await rename(`${stamp}.${process.pid}`, stamp)
    }),
  )
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const outAt = args.indexOf('--out')
  const out = outAt === -1 ? DIST : resolve(args[outAt + 1])
  const parts = args.filter((arg, index) => index !== outAt && index !== outAt + 1)
  const unknown = parts.find((part) => !PART_NAMES.includes(part))
  if (unknown !== undefined) {
    process.stderr.write(`build: no part "${unknown}" (parts: ${PART_NAMES.join(', ')})\n`)
    process.exit(2)
  }
  try {
    await buildParts(parts.length === 0 ? PART_NAMES : parts, out)
  } catch (error) {
    process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
}
