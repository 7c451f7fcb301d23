// The headless CLI: `heapgraph <command> …` on the same engine as the app. Human-readable output
// by default, --json for machines, a progress bar on stderr when it is a terminal, and on any
// error one line on stderr and a non-zero exit (2 for usage, 1 otherwise), never a stack trace.
import { parseArgs } from 'node:util'
import { HeapSnapshotError } from '../shared/heap/errors'
import { loadSnapshotFile } from './backend/load-snapshot'
import { progressBar } from './cli/format'
import { runGrowth } from './cli/growth-command'
import { runOpen } from './cli/open'
import { runServe } from './cli/serve'
import { runDiff, validateDiffCommand } from './cli/diff-command'
import { runLeaks } from './cli/leaks-command'
import { AttachError } from './backend/cdp/endpoint'
import {
  runCapture,
  runProcesses,
  runTargets,
  runWatch,
  type AttachContext,
} from './cli/attach-commands'
import {
  runExport,
  runShow,
  runSummary,
  runTop,
  runWhy,
  UsageError,
  validateSnapshotCommand,
  type CommandContext,
} from './cli/commands'

const USAGE = `heapgraph — why is this object still alive?

Usage:
  heapgraph summary <snapshot> [--top N] [--json]        classes by retained size
  heapgraph top <snapshot> [--arrays] [--top N] [--json]  largest objects (or arrays)
  heapgraph why <snapshot> <@id|ClassName> [--paths K] [--internals] [--json]
                                                          why it is alive: a verdict, the routes
                                                          from GC roots as code reads them, and
                                                          the fix where one is recognizable
                                                          (--internals: V8's own steps unfolded)
  heapgraph why <snapshot> <@id> --cut <@fromId>:<edge> [--json]
                                                          what cutting that reference frees
                                                          (edge: name, .name, 3 or [3])
  heapgraph show <snapshot> @id [--full] [--json]        details, value, references, retainers
                                                          (--full: a string's whole text)
  heapgraph export <snapshot> [--format csv|ndjson] [-o file]
                                                          every object, streamed
  heapgraph diff <before> <after> [--top N] [--json]    new and deleted objects per class (by id,
                                                          as DevTools' Comparison view); snapshots
                                                          of one process
  heapgraph leaks <base> <target> <final> [--top N] [--json] [--fail-on SIZE]
                                                          leak suspects from three snapshots of
                                                          one process; --fail-on 1MB exits 1 when
                                                          they retain more (sizes: 500kB, 2GiB, bytes)

The app:
  heapgraph open <snapshot...>                          opens them in the desktop app (web mode
                                                          where Electron's runtime is missing)
  heapgraph serve [snapshot...] [--port N] [--no-open]  web mode: the UI in a browser, on this
                                                          machine only; prints the URL (with its
                                                          token) first

Attached to a running process (Chrome DevTools Protocol):
  heapgraph targets [--host H] [--port P] [--json]      debuggable targets (default 127.0.0.1:9229)
  heapgraph processes [--json]                          local Node processes
  heapgraph capture (--port P [--host H] [--target ID] | --ws URL | --pid PID)
                    [--gc] [--expose-internals] [--numeric-values] -o FILE
                                                          take a heap snapshot
  heapgraph watch (--port P ... | --ws URL | --pid PID) [--interval 1s] [--duration 60s] [--csv]
                                                          heap usage over time
  heapgraph growth (--port P ... | --pid PID) [--interval 10s] [--count 3] [--top N] [--json]
                                                          classes whose instance count grows
                                                          between snapshots (objgraph's
                                                          show_growth)
  --pid opens a running Node's inspector with SIGUSR1. Hosts other than this machine need
  --allow-remote: the protocol gives full control of the target.

<snapshot> is a .heapsnapshot file, optionally gzipped.`

const OPTIONS = {
  json: { type: 'boolean' },
  top: { type: 'string' },
  arrays: { type: 'boolean' },
  paths: { type: 'string' },
  internals: { type: 'boolean' },
  full: { type: 'boolean' },
  cut: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  host: { type: 'string' },
  port: { type: 'string' },
  target: { type: 'string' },
  ws: { type: 'string' },
  pid: { type: 'string' },
  gc: { type: 'boolean' },
  'expose-internals': { type: 'boolean' },
  'numeric-values': { type: 'boolean' },
  'allow-remote': { type: 'boolean' },
  interval: { type: 'string' },
  count: { type: 'string' },
  duration: { type: 'string' },
  csv: { type: 'boolean' },
  'no-open': { type: 'boolean' },
  'fail-on': { type: 'string' },
} as const

type AttachRunner = (context: AttachContext, stop: AbortSignal) => Promise<void>

const ATTACH_COMMANDS: Record<string, AttachRunner> = {
  targets: runTargets,
  processes: runProcesses,
  capture: runCapture,
  watch: runWatch,
  growth: runGrowth,
}

/**
 * Prints an error as one line on stderr and returns the exit code: 2 for usage, 1 otherwise.
 * Snapshot errors are prefixed with the file they are about.
 */
function reportError(error: unknown, file?: string): number {
  if (error instanceof UsageError) {
    process.stderr.write(`heapgraph: ${error.message}\n`)
    return 2
  }
  let message: string
  if (error instanceof HeapSnapshotError) {
    message =
      file === undefined || error.code === 'io' ? error.message : `${file}: ${error.message}`
  } else if (error instanceof AttachError) {
    message = error.message
  } else {
    message = `unexpected error: ${error instanceof Error ? error.message : String(error)}`
  }
  process.stderr.write(`heapgraph: ${message}\n`)
  return 1
}

/** Runs an attach command; returns the exit code. */
async function runAttach(
  run: AttachRunner,
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  const progress = progressBar(process.stderr)
  const stop = new AbortController()
  const onInterrupt = (): void => stop.abort()
  process.once('SIGINT', onInterrupt)
  try {
    await run(
      {
        json: values.json === true,
        out: (text) => process.stdout.write(text + '\n'),
        warn: (text) => process.stderr.write(text + '\n'),
        values,
        onProgress: progress,
      },
      stop.signal,
    )
    progress.done()
    return 0
  } catch (error) {
    progress.done()
    return reportError(error)
  } finally {
    process.off('SIGINT', onInterrupt)
  }
}

/** `heapgraph diff <before> <after>`: two snapshots, so not one of the COMMANDS; exit code. */
async function runDiffCommand(
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  try {
    validateDiffCommand(positionals, values)
  } catch (error) {
    return reportError(error)
  }
  const progress = progressBar(process.stderr)
  try {
    await runDiff([positionals[0], positionals[1]], {
      json: values.json === true,
      out: (text) => process.stdout.write(text + '\n'),
      warn: (text) => {
        progress.done()
        process.stderr.write(text + '\n')
      },
      values,
      onProgress: progress,
    })
    progress.done()
    return 0
  } catch (error) {
    progress.done()
    return reportError(error)
  }
}

type Runner = (context: CommandContext) => void | Promise<void>

const COMMANDS: Record<string, Runner> = {
  summary: runSummary,
  top: runTop,
  why: runWhy,
  show: runShow,
  export: (context) => runExport(context, process.stdout),
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    // Node's own messages can span lines; the first says what is wrong.
    const firstLine = (error as Error).message.split('\n')[0]
    process.stderr.write(`heapgraph: ${firstLine} (try heapgraph --help)\n`)
    return 2
  }
  const [command, ...positionals] = parsed.positionals
  if (parsed.values.help || command === 'help') {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  if (command === undefined) {
    process.stderr.write('heapgraph: missing command (try heapgraph --help)\n')
    return 2
  }
  if (command === 'serve' || command === 'open') {
    const runApp = command === 'serve' ? runServe : runOpen
    return runAttach((_context, stop) => runApp(positionals, parsed.values, stop), parsed.values)
  }
  if (command === 'diff') return runDiffCommand(positionals, parsed.values)
  const attach = ATTACH_COMMANDS[command]
  if (attach) {
    if (positionals.length > 0) {
      process.stderr.write(
        `heapgraph: unexpected argument "${positionals[0]}" for ${command} (try heapgraph --help)\n`,
      )
      return 2
    }
    return runAttach(attach, parsed.values)
  }
  if (command === 'leaks') {
    const progress = progressBar(process.stderr)
    try {
      return await runLeaks(positionals, parsed.values, {
        out: (text) => process.stdout.write(text + '\n'),
        err: (text) => process.stderr.write(text + '\n'),
        onProgress: progress,
      })
    } catch (error) {
      progress.done()
      return reportError(error)
    }
  }
  const run = COMMANDS[command]
  if (!run) {
    process.stderr.write(`heapgraph: unknown command "${command}" (try heapgraph --help)\n`)
    return 2
  }
  const expectedArguments = command === 'why' || command === 'show' ? 2 : 1
  if (positionals.length > expectedArguments) {
    process.stderr.write(
      `heapgraph: unexpected argument "${positionals[expectedArguments]}" for ${command} (try heapgraph --help)\n`,
    )
    return 2
  }
  const file = positionals[0]
  if (file === undefined) {
    process.stderr.write(`heapgraph: ${command} needs a snapshot file (try heapgraph --help)\n`)
    return 2
  }
  try {
    // Argument mistakes are reported before a load that can take a minute.
    await validateSnapshotCommand(command, parsed.values, positionals)
  } catch (error) {
    return reportError(error)
  }
  const progress = progressBar(process.stderr)
  try {
    const snapshot = await loadSnapshotFile(file, { onProgress: progress })
    progress.done()
    await run({
      file,
      snapshot,
      json: parsed.values.json === true,
      out: (text) => process.stdout.write(text + '\n'),
      values: parsed.values,
      positionals,
    })
    return 0
  } catch (error) {
    progress.done()
    return reportError(error, file)
  }
}

// A reader that stops early (`heapgraph export f | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

// No top-level await: the installed app's bundle of the CLI (dist/cli, CommonJS) runs this too.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
