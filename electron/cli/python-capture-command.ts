// `heapgraph capture --python-pid PID -o FILE`: a heap snapshot of a Python process that called
// heapgraph_py.install(), asked for by its signal, or of a CPython 3.14+ process without it, by
// sys.remote_exec (see electron/backend/python-capture.ts); then loaded and summed up as a CDP
// capture is.
import { stat } from 'node:fs/promises'
import { loadSnapshotFile } from '../backend/load-snapshot'
import { capturePythonHeap } from '../backend/python-capture'
import { parseDuration, UsageError } from './arguments'
import { option, reportCapture, type AttachContext } from './attach-commands'

/** Options that only CDP targets have: they make no sense with --python-pid. */
const CDP_OPTIONS = ['port', 'host', 'target', 'ws', 'pid', 'expose-internals', 'numeric-values']

export async function runPythonCapture(context: AttachContext, stop?: AbortSignal): Promise<void> {
  const pidText = option(context, 'python-pid') ?? ''
  if (!/^\d+$/.test(pidText))
    throw new UsageError(`--python-pid takes a process id, not "${pidText}"`)
  const other = CDP_OPTIONS.find((name) => context.values[name] !== undefined)
  if (other !== undefined) throw new UsageError(`--${other} does not apply with --python-pid`)
  const file = option(context, 'output')
  if (file === undefined) throw new UsageError('capture needs -o FILE for the snapshot')
  const timeoutText = option(context, 'timeout')
  const timeoutMs = timeoutText === undefined ? undefined : parseDuration(timeoutText, 'timeout')
  const written = await capturePythonHeap(Number(pidText), {
    file,
    collect: context.values.gc === true,
    timeoutMs,
    signal: stop,
    python: option(context, 'python'),
  })
  const snapshot = await loadSnapshotFile(written, { onProgress: context.onProgress })
  const { size } = await stat(written)
  reportCapture(context, file, snapshot, size, { sizeInText: false })
}
