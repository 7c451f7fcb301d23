// `npm run package [-- electron-builder options]`: the desktop app's installers for this OS
// (build/electron-builder.yml: AppImage and deb, dmg, or nsis) in release/. Electron's runtime
// must be installed first (or downloadable: .npmrc's ignore-scripts skips its own download).
// Exit codes: 0 packaged; 3 Electron's runtime cannot be had here, so nothing was packaged (said
// plainly on stderr); 1 the build or electron-builder failed (its output says why).
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { electronBinary } from './electron-runtime.mjs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))
/** How long Electron's own installer may try to download the runtime. */
const DOWNLOAD_TIMEOUT_MS = 120_000
const NO_RUNTIME_EXIT_CODE = 3

/** Runs Electron's own installer; returns null on success, else why it failed, in one line. */
function downloadRuntime() {
  process.stderr.write("package: Electron's runtime is not installed; trying to download it…\n")
  const download = spawnSync(process.execPath, [require.resolve('electron/install.js')], {
    cwd: root,
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_MS,
  })
  if (download.error?.code === 'ETIMEDOUT') {
    return `the download did not finish within ${DOWNLOAD_TIMEOUT_MS / 1000} s`
  }
  if (download.status === 0) return null
  const lines = `${download.stderr}\n${download.stdout}`.split('\n').map((line) => line.trim())
  return (
    lines.find((line) => /^\w*Error\b/.test(line)) ??
    lines.find((line) => line !== '') ??
    `its installer exited with code ${download.status}`
  )
}

function run(command, args) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1
}

let binary = electronBinary()
if (binary === null) {
  const reason = downloadRuntime()
  binary = reason === null ? electronBinary() : null
  if (binary === null) {
    process.stderr.write(
      `Electron's runtime cannot be downloaded here (${reason ?? 'the download left no runtime'}); ` +
        'nothing was packaged.\n',
    )
    process.exit(NO_RUNTIME_EXIT_CODE)
  }
}

if (run('npm', ['run', 'build', '--silent']) !== 0) process.exit(1)

// The runtime already here is the one packaged (no second download); electron-builder still
// fetches its own packaging tools (AppImage runtime, fpm, NSIS) on first use.
const electronDist = join(dirname(require.resolve('electron/package.json')), 'dist')
const platformFlag = { darwin: '--mac', win32: '--win' }[process.platform] ?? '--linux'
const builder = run(process.execPath, [
  require.resolve('electron-builder/cli.js'),
  platformFlag,
  '--config',
  'build/electron-builder.yml',
  `-c.electronDist=${electronDist}`,
  ...process.argv.slice(2),
])
if (builder !== 0) {
  process.stderr.write(
    'package: electron-builder failed (see above); it downloads its packaging tools on first ' +
      'use, which needs access to GitHub.\n',
  )
  process.exit(1)
}
process.stderr.write('package: the installers are in release/\n')
