// `heapgraph capture --python-pid PID -o FILE`: a heap snapshot of a Python process that called
// heapgraph_py.install(), asked for by its signal (see electron/backend/python-capture.ts), then
// loaded and summed up as a CDP capture is.
import { loadSnapshotFile } from '../backend/load-snapshot'
import { capturePythonHeap } from '../backend/python-capture'
import { getSummary } from '../../shared/heap/queries/summary'
import { parseDuration, UsageError } from './arguments'
import { option, type AttachContext } from './attach-commands'
import { snapshotInfo } from './commands'
import { formatBytes } from './format'

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
  })
  const snapshot = await loadSnapshotFile(written, { onProgress: context.onProgress })
  const info = snapshotInfo(file, snapshot)
  const largest = getSummary(snapshot)[0] ?? null
  if (context.json) {
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(written))
    context.out(
      JSON.stringify(
        {
          file,
          bytes: size,
          snapshot: info,
          largestClass: largest && {
            className: largest.className,
            count: largest.count,
            retainedSize: largest.retainedSize,
          },
        },
        null,
        2,
      ),
    )
    return
  }
  context.out(
    `wrote ${file}: ${info.nodeCount.toLocaleString('en-US')} objects, ${formatBytes(info.totalSize)} in all` +
      (largest
        ? `; largest retaining class ${largest.className} (${largest.count.toLocaleString('en-US')} objects, ${formatBytes(largest.retainedSize)} retained)`
        : ''),
  )
}
