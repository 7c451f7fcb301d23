// `npm run dev`: web mode while you work on the UI. Vite rebuilds dist/renderer on every change
// to renderer/ or shared/ (reload the page to see it), and `heapgraph serve` serves it with the
// backend on this machine only, printing the URL with this run's token. Arguments go to serve
// (snapshots to open, --port N). Ctrl+C stops both.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ensureBuilt } from './ensure-built.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
await ensureBuilt(['node', 'renderer'])
const children = [
  spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'build',
      '--watch',
      '--config',
      'renderer/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: root, stdio: 'inherit' },
  ),
  spawn(process.execPath, ['bin/heapgraph.mjs', 'serve', '--no-open', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
  }),
]
const stop = () => {
  for (const child of children) child.kill('SIGINT')
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
for (const child of children) {
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) process.exitCode = code
    stop()
  })
}
