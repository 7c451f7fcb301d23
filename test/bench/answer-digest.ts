// What the bench compares between a fresh load and a load from the index cache: a hash of the
// answers a user sees first (the Summary, the largest arrays, why one of them is alive).
import { createHash } from 'node:crypto'
import { getArrays } from '../../shared/heap/queries/arrays'
import { explainRetention } from '../../shared/heap/queries/explain'
import { getSummary } from '../../shared/heap/queries/summary'
import type { HeapSnapshot } from '../../shared/heap/snapshot'

export function answerDigest(snapshot: HeapSnapshot, node: number): string {
  const answers = {
    summary: getSummary(snapshot).slice(0, 200),
    arrays: getArrays(snapshot, { count: 50 }),
    why: explainRetention(snapshot, node, { count: 3 }),
  }
  return createHash('sha256').update(JSON.stringify(answers)).digest('hex')
}
