// `heapgraph top`: the objects with the largest retained size, or (--arrays) the biggest arrays,
// typed arrays, buffers and backing stores.
import { getArrays } from '../../shared/heap/queries/arrays'
import { topObjects } from '../../shared/heap/queries/top'
import { wholeNumber } from './arguments'
import {
  headerLine,
  OBJECT_HEADER,
  OBJECT_NUMERIC,
  objectRows,
  snapshotInfo,
  type CommandContext,
} from './commands'
import { formatBytes, table } from './format'
import type { ArrayEntry } from '../../shared/protocol/dto'

export function runTop(context: CommandContext): void {
  const top = wholeNumber(context.values.top, 'top', 20)
  const info = snapshotInfo(context.file, context.snapshot)
  if (context.values.arrays) {
    const arrays = getArrays(context.snapshot, {
      count: top,
      kinds: ['array', 'typed-array', 'array-buffer', 'backing-store'],
    }).items
    if (context.json) {
      context.out(JSON.stringify({ snapshot: info, objects: arrays }, null, 2))
      return
    }
    context.out(headerLine(info))
    context.out(arrayTable(arrays))
    return
  }
  const objects = topObjects(context.snapshot, top)
  if (context.json) {
    context.out(JSON.stringify({ snapshot: info, objects }, null, 2))
    return
  }
  context.out(headerLine(info))
  context.out(table(OBJECT_HEADER, objectRows(objects), OBJECT_NUMERIC))
}

/**
 * Arrays as `top --arrays` prints them (also the MCP server's text answer); `extra` adds
 * columns after the table's own (a header and a cell per array).
 */
export function arrayTable(
  arrays: readonly ArrayEntry[],
  extra?: { header: string; cell: (entry: ArrayEntry) => string },
): string {
  return table(
    [...OBJECT_HEADER, 'kind', 'length', 'store', ...(extra ? [extra.header] : [])],
    arrays.map((entry) => [
      ...objectRows([entry])[0],
      entry.kind,
      entry.length === null
        ? '?'
        : `${entry.lengthIsEstimate ? '~' : ''}${entry.length.toLocaleString('en-US')}`,
      formatBytes(entry.storeSize),
      ...(extra ? [extra.cell(entry)] : []),
    ]),
    [...OBJECT_NUMERIC, false, true, true, ...(extra ? [false] : [])],
  )
}
