// `heapgraph open <snapshot…>`: opens snapshots in the desktop app (a running one receives them
// through its single-instance lock), or, where Electron's runtime is not installed, in web mode,
// saying so.
import { spawn } from 'node:child_process'
import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from '../../scripts/electron-runtime.mjs'
import { UsageError } from './commands'
import { runServe } from './serve'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export { electronBinary }

export async function runOpen(
  files: string[],
  values: Record<string, string | boolean | undefined>,
  stop: AbortSignal,
): Promise<void> {
  if (files.length === 0) throw new UsageError('open needs at least one snapshot file')
  // The app runs in another folder: pass absolute paths, and fail here on a missing file.
  const paths = files.map((file) => resolve(file))
  for (const [index, path] of paths.entries()) {
    await access(path).catch(() => {
      throw new UsageError(`cannot read ${files[index]}: no such file`)
    })
  }
  const binary = electronBinary()
  if (binary === null) {
    process.stderr.write(
      "heapgraph: Electron's runtime is not installed here, so the snapshots open in web mode\n",
    )
    return runServe(paths, values, stop)
  }
  const app = spawn(binary, [resolve(ROOT, 'dist/electron/main.cjs'), ...paths], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
  })
  app.unref()
  process.stderr.write(`heapgraph: opening ${paths.length} snapshot(s) in the desktop app\n`)
}
