// `npm start`: the desktop app where Electron's runtime is installed (downloading it first if
// it is missing: .npmrc's ignore-scripts skips Electron's own postinstall); otherwise web mode,
// the same UI served on this machine only, in an app window of Chrome or Chromium where one is
// installed (closing it ends the run), else at a URL for a browser; saying why either way.
// HEAPGRAPH_NO_ELECTRON=1 goes straight to web mode, without looking for Electron's runtime.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { electronBinary } from './electron-runtime.mjs'
import { ensureBuilt } from './ensure-built.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const skipElectron = process.env.HEAPGRAPH_NO_ELECTRON === '1'

function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { stdio: 'inherit', cwd: root })
  child.on('exit', (code) => {
    process.exitCode = code ?? 1
  })
  // Ctrl+C, or a stop asked of this process alone: the child ends its run (and its window).
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
}

let binary = skipElectron ? null : electronBinary()
if (binary === null && !skipElectron) {
  process.stderr.write("Heapgraph: Electron's runtime is not installed; trying to download it…\n")
  const download = spawnSync(process.execPath, ['node_modules/electron/install.js'], {
    cwd: root,
    stdio: 'ignore',
    timeout: 90_000,
  })
  if (download.status === 0) binary = electronBinary()
}

try {
  await ensureBuilt(['node', 'renderer'])
} catch (error) {
  process.stderr.write(`Heapgraph: ${error.message}\n`)
  process.exit(1)
}
if (binary !== null) {
  run(binary, ['dist/electron/main.cjs', ...args])
} else {
  process.stderr.write(
    skipElectron
      ? 'Heapgraph: HEAPGRAPH_NO_ELECTRON=1, so the UI is served in web mode on 127.0.0.1.\n'
      : "Heapgraph: Electron's runtime could not be downloaded here, so the UI is served in web\n" +
          'mode on 127.0.0.1 instead: in an app window of Chrome or Chromium where one is\n' +
          "installed, else at the URL below (it carries this run's access token).\n",
  )
  run(process.execPath, [
    fileURLToPath(new URL('../bin/heapgraph.mjs', import.meta.url)),
    'serve',
    '--app-window',
    ...args,
  ])
}
