// The headless CLI: `heapgraph <command> …` on the same engine as the app. Human-readable output
// by default, --json for machines, a progress bar on stderr when it is a terminal, and on any
// error one line on stderr and a non-zero exit (2 for usage, 1 otherwise), never a stack trace.
import { Command, CommanderError } from 'commander'
import { HeapSnapshotError } from '../shared/heap/errors'
import { loadSnapshotFile } from './backend/load-snapshot'
import { disableCache, flushCacheWrites } from './backend/index-cache/index-cache'
import { runCache } from './cli/cache-command'
import { progressBar } from './cli/format'
import { runGrowth } from './cli/growth-command'
import { runRecord } from './cli/record-command'
import { runOpen } from './cli/open'
import { runServe } from './cli/serve'
import { runDiff, validateDiffCommand } from './cli/diff-command'
import { runLeaks } from './cli/leaks-command'
import { runAllocations } from './cli/allocations-command'
import { AttachError } from './backend/cdp/endpoint'
import {
  runCapture,
  runProcesses,
  runTargets,
  runWatch,
  type AttachContext,
} from './cli/attach-commands'
import { UsageError, validateSnapshotCommand, type CommandContext } from './cli/commands'
import { runExport } from './cli/export-command'
import { runShow } from './cli/show-command'
import { runSummary } from './cli/summary-command'
import { runTop } from './cli/top-command'
import { runWhy } from './cli/why-command'
import { runClosures, runDetached, runStrings } from './cli/analyses-command'

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
  heapgraph strings <snapshot> [--top N] [--include-internals] [--json]
                                                          duplicated strings: texts held more than
                                                          once, largest waste first, and who holds
                                                          the copies
  heapgraph detached <snapshot> [--top N] [--json]      detached DOM trees (Chrome) and what
                                                          holds them
  heapgraph closures <snapshot> [--top N] [--min-size SIZE] [--json]
                                                          closure leaks: captured values (10kB or
                                                          more) kept by functions that may not use
                                                          them (which do is known from Chrome's
                                                          scope information)
  heapgraph diff <before> <after> [--top N] [--json]    new and deleted objects per class (by id,
                                                          as DevTools' Comparison view); snapshots
                                                          of one process
  heapgraph leaks <base> <target> <final> [--top N] [--json] [--fail-on SIZE]
                  [--include-internals]                 leak suspects from three snapshots of
                                                          one process; --fail-on 1MB exits 1 when
                                                          they retain more (sizes: 500kB, 2GiB,
                                                          bytes); --include-internals counts the
                                                          clusters only V8's internals hold

Allocation profiles (.heapprofile, from node --heap-prof, DevTools or heapgraph record):
  heapgraph allocations <profile> [--by function|line|file] [--top N] [--json]
                                                          where memory was allocated (tracemalloc's
                                                          statistics): the largest sites by self
                                                          bytes, with sample counts and the bytes
                                                          of what they called (by line: the
                                                          allocating function's line)
  heapgraph allocations <profile> --base <older profile> [--by …] [--top N] [--json]
                                                          each site's growth since the older
                                                          profile, largest change first
                                                          (tracemalloc's compare_to)

The app:
  heapgraph open <snapshot...>                          opens them in the desktop app (web mode
                                                          where Electron's runtime is missing)
  heapgraph serve [snapshot...] [--port N] [--no-open] [--app-window]
                                                          web mode: the UI in a browser, on this
                                                          machine only; prints the URL (with its
                                                          token) first (--app-window: in an app
                                                          window of Chrome or Chromium if one is
                                                          installed; closing it stops the server)

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
  heapgraph record (--port P ... | --ws URL | --pid PID) [--sampling | --timeline]
                   [--duration 30s] [--interval 32KiB] [--include-collected] [--json] -o FILE
                                                          record where memory is allocated:
                                                          a sampling heap profile (.heapprofile,
                                                          a sample per --interval bytes) or an
                                                          allocation timeline (a .heapsnapshot
                                                          with allocation stacks); until
                                                          --duration ends or Ctrl+C, which still
                                                          writes the file
  --pid opens a running Node's inspector with SIGUSR1. Hosts other than this machine need
  --allow-remote: the protocol gives full control of the target.

Python (see python/):
  heapgraph capture --python-pid PID [--gc] [--timeout 120s] [--python PATH] -o FILE
                                                          a process that called
                                                          heapgraph_py.install(): signals it and
                                                          waits for its snapshot; any other
                                                          CPython 3.14+ process of this user:
                                                          its interpreter (or --python, the same
                                                          version) injects the writer with
                                                          sys.remote_exec

For agents:
  heapgraph mcp                                         a Model Context Protocol server on stdio
                                                          (open snapshots, why, diff, leaks,
                                                          capture...) for an MCP client

The index cache (a snapshot's analysed state, so that its next open takes about a second):
  heapgraph cache [ls] [--json]                         the cached snapshots, most recent first
  heapgraph cache clear                                 removes them
  --no-cache on any command that opens snapshots neither reads nor writes it. It lives in
  $HEAPGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/heapgraph (~/.cache/heapgraph), and keeps to 20 GB
  or a quarter of the free disk, whichever is smaller, dropping the least recently used.

<snapshot> is a .heapsnapshot file, <profile> a .heapprofile file; either optionally gzipped.`

type AttachRunner = (context: AttachContext, stop: AbortSignal) => Promise<void>

const ATTACH_COMMANDS: Record<string, AttachRunner> = {
  targets: runTargets,
  processes: runProcesses,
  capture: runCapture,
  watch: runWatch,
  growth: runGrowth,
  record: runRecord,
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
  strings: runStrings,
  detached: runDetached,
  closures: runClosures,
}

/** One option as the CLI declares it: its flags for commander and its help. */
type OptionSpec = readonly [flags: string, help: string]

const JSON_OPTION: OptionSpec = ['--json', 'print JSON']
const TOP_OPTION: OptionSpec = ['--top <n>', 'how many rows']
const TARGET_OPTIONS: OptionSpec[] = [
  ['--host <host>', 'the DevTools endpoint host (default 127.0.0.1)'],
  ['--port <port>', 'the DevTools endpoint port'],
  ['--target <id>', 'one target of that endpoint (a Chrome tab)'],
  ['--ws <url>', "a target's WebSocket URL"],
  ['--pid <pid>', 'a local Node process (opens its inspector with SIGUSR1)'],
  ['--allow-remote', 'allow a host other than this machine'],
]

const NO_CACHE: OptionSpec = ['--no-cache', 'neither read nor write the index cache']
/** The commands that open snapshots, and so take --no-cache. */
const CACHED_COMMANDS = new Set([
  'summary',
  'top',
  'why',
  'show',
  'export',
  'strings',
  'detached',
  'closures',
  'diff',
  'leaks',
  'open',
  'serve',
  'mcp',
  'capture',
])

/** Every command: its arguments and the options that apply to it. */
const COMMAND_SPECS: Record<
  string,
  { args: string; needs?: string; options: readonly OptionSpec[] }
> = {
  summary: { args: '<snapshot>', needs: 'a snapshot file', options: [TOP_OPTION, JSON_OPTION] },
  top: {
    args: '<snapshot>',
    needs: 'a snapshot file',
    options: [TOP_OPTION, ['--arrays', 'arrays only'], JSON_OPTION],
  },
  why: {
    args: '<snapshot> <object>',
    needs: 'a snapshot and an object (@id or class name)',
    options: [
      ['--paths <k>', 'how many routes'],
      ['--cut <from:edge>', 'what cutting that reference frees'],
      ['--internals', "V8's own steps, unfolded"],
      JSON_OPTION,
    ],
  },
  show: {
    args: '<snapshot> <object>',
    needs: 'a snapshot and an object id',
    options: [['--full', "a string's whole text"], JSON_OPTION],
  },
  export: {
    args: '<snapshot>',
    needs: 'a snapshot file',
    options: [
      ['--format <format>', 'csv or ndjson'],
      ['-o, --output <file>', 'write to a file'],
    ],
  },
  strings: {
    args: '<snapshot>',
    needs: 'a snapshot file',
    options: [
      TOP_OPTION,
      ['--include-internals', "also texts that only V8's internals hold more than once"],
      JSON_OPTION,
    ],
  },
  detached: { args: '<snapshot>', needs: 'a snapshot file', options: [TOP_OPTION, JSON_OPTION] },
  closures: {
    args: '<snapshot>',
    needs: 'a snapshot file',
    options: [
      TOP_OPTION,
      ['--min-size <size>', 'the smallest captured value to list (10kB)'],
      JSON_OPTION,
    ],
  },
  diff: {
    args: '<before> <after>',
    needs: 'two snapshot files',
    options: [TOP_OPTION, JSON_OPTION],
  },
  leaks: {
    args: '<base> <target> <final>',
    needs: 'three snapshots of one process',
    options: [
      TOP_OPTION,
      JSON_OPTION,
      ['--fail-on <size>', 'exit 1 above this size'],
      ['--include-internals', "count clusters held only by V8's internals with the others"],
    ],
  },
  allocations: {
    args: '<profile>',
    needs: 'an allocation profile (.heapprofile)',
    options: [
      ['--by <grouping>', 'group sites by function, line or file (function)'],
      TOP_OPTION,
      JSON_OPTION,
      ['--base <profile>', 'an older profile to compare with'],
    ],
  },
  open: {
    args: '<snapshots...>',
    needs: 'at least one snapshot file',
    // Where the desktop app is missing, open serves web mode: serve's options apply.
    options: [
      ['--port <port>', 'web mode: the port to serve on'],
      ['--no-open', 'web mode: do not open a browser'],
    ],
  },
  serve: {
    args: '[snapshots...]',
    options: [
      ['--port <port>', 'the port to serve on'],
      ['--no-open', 'do not open a browser (nor an app window)'],
      [
        '--app-window',
        'show the UI in an app window of Chrome or Chromium (HEAPGRAPH_BROWSER picks one), ' +
          'where one is installed and there is a display; closing it stops the server',
      ],
    ],
  },
  mcp: { args: '', options: [] },
  cache: { args: '[action]', options: [JSON_OPTION] },
  targets: { args: '', options: [...TARGET_OPTIONS.slice(0, 2), TARGET_OPTIONS[5], JSON_OPTION] },
  processes: { args: '', options: [JSON_OPTION] },
  capture: {
    args: '',
    options: [
      ...TARGET_OPTIONS,
      ['--gc', 'collect garbage first'],
      ['--expose-internals', "V8's option of that name"],
      ['--numeric-values', "V8's option of that name"],
      ['--python-pid <pid>', 'a Python process that called heapgraph_py.install()'],
      ['--timeout <duration>', "--python-pid: how long to wait for the process's snapshot"],
      ['--python <path>', '--python-pid without a handler: the CPython 3.14+ that injects it'],
      ['-o, --output <file>', 'the snapshot file to write'],
      JSON_OPTION,
    ],
  },
  watch: {
    args: '',
    options: [
      ...TARGET_OPTIONS,
      ['--interval <duration>', 'time between samples (1s)'],
      ['--duration <duration>', 'how long to watch'],
      ['--csv', 'print CSV'],
    ],
  },
  growth: {
    args: '',
    options: [
      ...TARGET_OPTIONS,
      ['--interval <duration>', 'time between snapshots (10s)'],
      ['--count <n>', 'how many snapshots (3)'],
      TOP_OPTION,
      JSON_OPTION,
    ],
  },
  record: {
    args: '',
    options: [
      ...TARGET_OPTIONS,
      ['--sampling', 'a sampling heap profile, written as .heapprofile (the default)'],
      ['--timeline', 'an allocation timeline, written as a .heapsnapshot with allocation stacks'],
      ['--duration <duration>', 'how long to record (until Ctrl+C without it)'],
      ['--interval <size>', 'sampling only: bytes between samples (32KiB)'],
      ['--include-collected', 'sampling only: keep samples of objects the GC has collected'],
      ['-o, --output <file>', 'the file to write'],
      JSON_OPTION,
    ],
  },
}

type Values = Record<string, string | boolean | undefined>

/** commander's option values by each option's long name (`allow-remote`, `no-open`). */
function valuesOf(command: Command): Values {
  const values: Values = {}
  for (const option of command.options) {
    const value: unknown = command.getOptionValue(option.attributeName())
    const name = option.long?.replace(/^--/, '') ?? option.attributeName()
    if (option.negate) {
      if (value === false) values[name] = true
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      values[name] = value
    }
  }
  return values
}

/**
 * Runs one command with its parsed arguments; returns the exit code. After the answer, the
 * snapshots it loaded go to the index cache (the next command on them reads it instead of
 * parsing), unless --no-cache.
 */
async function runCommand(name: string, positionals: string[], given: Values): Promise<number> {
  const { 'no-cache': noCache, ...values } = given
  if (noCache === true) disableCache()
  if (name === 'cache') return runCache(positionals, values)
  const code = await runAnyCommand(name, positionals, values)
  await flushCacheWrites()
  return code
}

async function runAnyCommand(name: string, positionals: string[], values: Values): Promise<number> {
  if (name === 'serve' || name === 'open') {
    const runApp = name === 'serve' ? runServe : runOpen
    return runAttach((_context, stop) => runApp(positionals, values, stop), values)
  }
  // Loaded on demand: the MCP SDK is not every command's start-up cost.
  if (name === 'mcp') return (await import('./mcp/server')).runMcp()
  if (name === 'diff') return runDiffCommand(positionals, values)
  const attach = ATTACH_COMMANDS[name]
  if (attach) return runAttach(attach, values)
  if (name === 'leaks') {
    const progress = progressBar(process.stderr)
    try {
      return await runLeaks(positionals, values, {
        out: (text) => process.stdout.write(text + '\n'),
        err: (text) => process.stderr.write(text + '\n'),
        onProgress: progress,
      })
    } catch (error) {
      progress.done()
      return reportError(error)
    }
  }
  if (name === 'allocations') {
    try {
      return await runAllocations(positionals, values, {
        out: (text) => process.stdout.write(text + '\n'),
      })
    } catch (error) {
      return reportError(error)
    }
  }
  return runSnapshotCommand(name, COMMANDS[name], positionals, values)
}

/** A snapshot command: arguments checked, the snapshot loaded (with progress), then the query. */
async function runSnapshotCommand(
  command: string,
  run: Runner,
  positionals: string[],
  values: Values,
): Promise<number> {
  const file = positionals[0]
  try {
    // Argument mistakes are reported before a load that can take a minute.
    await validateSnapshotCommand(command, values, positionals)
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
      json: values.json === true,
      out: (text) => process.stdout.write(text + '\n'),
      values,
      positionals,
    })
    return 0
  } catch (error) {
    progress.done()
    return reportError(error, file)
  }
}

/** The usage mistake commander found, as the CLI's one line. */
function usageLine(error: CommanderError, command: string | undefined): string {
  const message = error.message.replace(/^error: /, '').split('\n')[0]
  const spec = command === undefined ? undefined : COMMAND_SPECS[command]
  if (error.code === 'commander.missingArgument' && spec?.needs)
    return `${command} needs ${spec.needs}: heapgraph ${command} ${spec.args}`
  const unknownCommand = /^unknown command '([^']+)'/.exec(message)
  if (unknownCommand) return `unknown command "${unknownCommand[1]}"`
  const unknown = /^unknown option '([^']+)'/.exec(message)
  const known = Object.values(COMMAND_SPECS).some((spec) =>
    spec.options.some(([flags]) => unknown && flags.split(/[ ,]+/).includes(unknown[1])),
  )
  if (unknown && known && command) return `${unknown[1]} does not apply to ${command}`
  return message.replace(/\.$/, '')
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first] = argv
  if (first === undefined) {
    process.stderr.write('heapgraph: missing command (try heapgraph --help)\n')
    return 2
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  let chosen: { name: string; positionals: string[]; values: Values } | null = null
  const program = new Command('heapgraph')
    .exitOverride()
    .configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: () => {} })
  for (const [name, spec] of Object.entries(COMMAND_SPECS)) {
    const command = program.command(`${name} ${spec.args}`.trim())
    const options = CACHED_COMMANDS.has(name) ? [...spec.options, NO_CACHE] : spec.options
    for (const [flags, help] of options) command.option(flags, help)
    command.action((...args: unknown[]) => {
      const self = args.at(-1) as Command
      const positionals = self.processedArgs.flatMap((value: unknown) =>
        Array.isArray(value) ? (value as string[]) : value === undefined ? [] : [String(value)],
      )
      chosen = { name, positionals, values: valuesOf(self) }
    })
  }
  try {
    program.parse(argv, { from: 'user' })
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error
    if (error.exitCode === 0) return 0 // a command's --help
    const command = first.startsWith('-') ? undefined : first
    const hint =
      command && COMMAND_SPECS[command] ? `heapgraph ${command} --help` : 'heapgraph --help'
    process.stderr.write(`heapgraph: ${usageLine(error, command)} (try ${hint})\n`)
    return 2
  }
  const { name, positionals, values } = chosen as unknown as {
    name: string
    positionals: string[]
    values: Values
  }
  return runCommand(name, positionals, values)
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
