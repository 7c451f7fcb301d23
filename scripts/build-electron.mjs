// Bundles the desktop app's Node side with esbuild into dist/electron: main.cjs, preload.cjs
// (sandboxed: everything bundled but electron) and engine-host.cjs (the worker of each open
// snapshot). The renderer is built by Vite into dist/renderer.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
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
  build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' }),
  build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' }),
  build({
    ...common,
    entryPoints: ['electron/backend/engine-host.ts'],
    outfile: 'dist/electron/engine-host.cjs',
  }),
])
