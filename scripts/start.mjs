// `npm start`: the desktop app is not built yet (see the issues), so this starts web mode, the
// same UI served to a browser on this machine only, and says so.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

process.stderr.write(
  'Heapgraph: the desktop app is not built yet, so the UI is served in web mode on 127.0.0.1.\n' +
    "Open the URL below (it carries this run's access token). Pass snapshot files after --.\n",
)
const cli = fileURLToPath(new URL('../bin/heapgraph.mjs', import.meta.url))
const child = spawn(process.execPath, [cli, 'serve', ...process.argv.slice(2)], {
  stdio: 'inherit',
})
child.on('exit', (code) => {
  process.exitCode = code ?? 1
})
process.on('SIGINT', () => child.kill('SIGINT'))
