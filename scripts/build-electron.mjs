// Bundles the desktop app's Node side with esbuild into dist/electron: main.cjs, preload.cjs
// (sandboxed: everything bundled but electron) and engine-host.cjs (the worker of each open
// snapshot); the CLI the installed app ships, dist/cli/heapgraph.cjs; and the window's copy of the
// renderer that Vite built into dist/renderer. `--out DIR` writes them under DIR (tests).
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outAt = process.argv.indexOf('--out')
const out = resolve(root, outAt === -1 ? 'dist' : process.argv[outAt + 1])
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
  // backend.ts reads import.meta.url only when no bundled engine host is passed (never here).
  logOverride: { 'empty-import-meta': 'silent' },
  absWorkingDir: root,
}

await Promise.all([
  build({ ...common, entryPoints: ['electron/main.ts'], outfile: `${out}/electron/main.cjs` }),
  build({
    ...common,
    entryPoints: ['electron/preload.ts'],
    outfile: `${out}/electron/preload.cjs`,
  }),
  build({
    ...common,
    entryPoints: ['electron/backend/engine-host.ts'],
    outfile: `${out}/electron/engine-host.cjs`,
  }),
  // The CLI as one CommonJS file that plain Node (or the app's binary as Node) runs: no tsx.
  // Its modules locate files from import.meta.url; dist/cli sits as deep as electron/cli, so
  // the bundle's own URL resolves them alike (../../dist/renderer, ../../demo).
  build({
    ...common,
    entryPoints: ['electron/cli-main.ts'],
    outfile: `${out}/cli/heapgraph.cjs`,
    // Vite only rebuilds a missing UI from sources, which an installed app does not ship.
    external: [...common.external, 'vite'],
    define: { 'import.meta.url': '__heapgraphModuleUrl' },
    banner: {
      js: "var __heapgraphModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    },
  }),
  // Where the CLI's backend (web mode) looks for an engine host's entry, beside the bundle.
  mkdir(`${out}/cli`, { recursive: true }).then(() =>
    writeFile(
      `${out}/cli/engine-host-entry.mjs`,
      "// The bundled CLI's engine host: the desktop app's bundle of it.\nimport '../electron/engine-host.cjs'\n",
    ),
  ),
])

// The desktop window's copy of the UI (dist/electron/renderer): the same bundle, with a page
// policy that allows no connections at all. Web mode's copy must reach its loopback WebSocket;
// the window talks only over IPC, and its page's own policy is the one sure to apply to file://.
const webIndex = `${out}/renderer/index.html`
const html = await readFile(webIndex, 'utf8').catch(() => null)
if (html !== null) {
  const desktopHtml = html.replace(/connect-src [^;"]*/, "connect-src 'none'")
  if (desktopHtml === html) throw new Error(`no connect-src to tighten in ${webIndex}`)
  await rm(`${out}/electron/renderer`, { recursive: true, force: true })
  await cp(`${out}/renderer`, `${out}/electron/renderer`, { recursive: true })
  await writeFile(`${out}/electron/renderer/index.html`, desktopHtml)
}
