// `heapgraph export`: every object as CSV or NDJSON, streamed to a file or stdout.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { objectFacts } from '../../shared/heap/queries/nodes'
import { UsageError } from './arguments'
import type { CommandContext } from './commands'
import type { ExportedObject } from '../../shared/protocol/dto'

function csvCell(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
/** Streams every node as CSV or NDJSON to a file or stdout, respecting backpressure. */
export async function runExport(
  context: CommandContext,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const format = (context.values.format as string | undefined) ?? 'csv'
  if (format !== 'csv' && format !== 'ndjson') {
    throw new UsageError(`--format takes csv or ndjson, not "${format}"`)
  }
  const outputFile = context.values.output as string | undefined
  const stream = outputFile ? createWriteStream(outputFile) : stdout
  const failed = outputFile
    ? once(stream, 'error').then(([error]) => {
        throw new HeapSnapshotError(
          'format',
          `cannot write ${outputFile}: ${(error as Error).message}`,
        )
      })
    : null
  const { snapshot } = context
  const { graph } = snapshot
  const columns = [
    'id',
    'type',
    'name',
    'className',
    'selfSize',
    'retainedSize',
    'distance',
    'dominatorId',
  ]
  let buffer = format === 'csv' ? columns.join(',') + '\n' : ''
  const write = async (text: string): Promise<void> => {
    if (!stream.write(text)) {
      const drained = once(stream, 'drain')
      await (failed ? Promise.race([drained, failed]) : drained)
    }
  }
  for (let node = 0; node < graph.nodeCount; node++) {
    const object = objectFacts(snapshot, node)
    const dominatorId = node === graph.rootNode ? null : graph.objectId[snapshot.dominator[node]]
    if (format === 'csv') {
      buffer +=
        [
          object.id,
          object.type,
          object.name,
          object.className,
          object.selfSize,
          object.retainedSize,
          object.distance,
          dominatorId,
        ]
          .map(csvCell)
          .join(',') + '\n'
    } else {
      const line: ExportedObject = { ...object, dominatorId }
      buffer += JSON.stringify(line) + '\n'
    }
    if (buffer.length > 1 << 16) {
      await write(buffer)
      buffer = ''
    }
  }
  if (buffer) await write(buffer)
  if (outputFile) {
    stream.end()
    await Promise.race([once(stream, 'finish'), failed])
  }
}
