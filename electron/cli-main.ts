// Entry of the bundled CLI (dist/cli/heapgraph.cjs), the one the installed app ships and runs
// with its own binary as plain Node (ELECTRON_RUN_AS_NODE; build/bin/heapgraph). It is the same
// CLI as the npm bin, except that inside the app `heapgraph open` starts the app itself.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

/**
 * `heapgraph open <snapshot…>` from the installed app: the app binary without
 * ELECTRON_RUN_AS_NODE is the desktop app, and a running one takes the files over through its
 * single-instance lock. Returns the exit code (2 for usage, as the CLI does).
 */
function openInApp(args: readonly string[]): number {
  const files = args.filter((arg) => !arg.startsWith('-'))
  if (files.length === 0) {
    process.stderr.write('heapgraph: open needs at least one snapshot file\n')
    return 2
  }
  const missing = files.find((file) => !existsSync(file))
  if (missing !== undefined) {
    process.stderr.write(`heapgraph: cannot read ${missing}: no such file\n`)
    return 2
  }
  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE
  const app = spawn(
    process.execPath,
    files.map((file) => resolve(file)),
    { detached: true, stdio: 'ignore', env },
  )
  app.unref()
  process.stderr.write(`heapgraph: opening ${files.length} snapshot(s) in the desktop app\n`)
  return 0
}

const [command, ...rest] = process.argv.slice(2)
if (process.versions.electron !== undefined && command === 'open') {
  process.exitCode = openInApp(rest)
} else {
  void import('./cli')
}
