// Builds every lazy query index up front (summary, arrays catalog, cycles, @id lookup, the
// script folder labels show files from), so that
// each later query answers from ready tables. The engine host runs it right after a load; the
// CLI skips it and builds only what its one command needs.
import type { CancelSignal, ProgressSink } from '../progress'
import { cancelledError } from '../errors'
import type { HeapSnapshot } from '../snapshot'
import { getArrays } from './arrays'
import { componentOf } from './cycles'
import { prepareLabels } from './labels'
import { buildIdIndex } from './nodes'
import { getSummary } from './summary'

export function prepareQueryIndexes(
  snapshot: HeapSnapshot,
  options: { onProgress?: ProgressSink; signal?: CancelSignal } = {},
): void {
  const stages: Array<[string, () => void]> = [
    ['Indexing ids', () => buildIdIndex(snapshot)],
    ['Summarizing classes', () => getSummary(snapshot)],
    ['Cataloguing arrays', () => getArrays(snapshot, { count: 0 })],
    ['Finding cycles', () => componentOf(snapshot, snapshot.graph.rootNode)],
    ['Finding script folders', () => prepareLabels(snapshot)],
  ]
  stages.forEach(([phase, run], done) => {
    if (options.signal?.aborted) throw cancelledError()
    options.onProgress?.({ phase, done, total: stages.length })
    run()
  })
  options.onProgress?.({ phase: 'Ready', done: stages.length, total: stages.length })
}
