// `npm start`: the desktop app and its web mode are not built yet (see the issues); until then
// this says so plainly and shows the CLI, which works on the same engine.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

process.stdout.write(
  'Heapgraph: the desktop app is not built yet. The engine and its CLI work now:\n\n',
)
const cli = fileURLToPath(new URL('../bin/heapgraph.mjs', import.meta.url))
const result = spawnSync(process.execPath, [cli, '--help'], { stdio: 'inherit' })
process.exitCode = result.status ?? 1
