// Search by @id, class name or object name. Names are matched on the string table first, so a
// scan over ten million nodes compares numbers, not strings.
import type { HeapSnapshot } from '../snapshot'
import { sortByKeyDescending } from './sort'
import { findNodeById, summarizeObject } from './nodes'
import type { ObjectSummary, Page } from '../../protocol/dto'

export interface SearchQuery {
  text: string
  start?: number
  count?: number
}

/**
 * Finds objects: `@123` (or a bare number) by id; otherwise objects whose class name or name
 * contains the text, case-insensitively. Largest retained size first.
 */
export function searchObjects(snapshot: HeapSnapshot, query: SearchQuery): Page<ObjectSummary> {
  const text = query.text.trim()
  const start = Math.max(0, query.start ?? 0)
  const count = Math.max(0, query.count ?? 50)
  const idMatch = /^@?(\d+)$/.exec(text)
  if (idMatch) {
    const node = findNodeById(snapshot, Number(idMatch[1]))
    const items = node === null ? [] : [summarizeObject(snapshot, node)]
    return { start: 0, total: items.length, items: items.slice(start, start + count) }
  }
  if (text === '') return { start: 0, total: 0, items: [] }
  // A case-insensitive literal regex avoids lowercasing millions of strings.
  const pattern = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i')
  const { strings, nodeName, nodeCount } = snapshot.graph
  const matches = new Uint8Array(strings.length)
  let matchCount = 0
  for (let id = 0; id < strings.length; id++) {
    if (pattern.test(strings.get(id))) {
      matches[id] = 1
      matchCount++
    }
  }
  if (matchCount === 0) return { start: 0, total: 0, items: [] }
  const found: number[] = []
  const { className, selfSize } = snapshot
  for (let node = 0; node < nodeCount; node++) {
    if ((matches[nodeName[node]] || matches[className[node]]) && selfSize[node] > 0)
      found.push(node)
  }
  const sorted = sortByKeyDescending(Uint32Array.from(found), snapshot.retainedSize)
  return {
    start,
    total: sorted.length,
    items: Array.from(sorted.subarray(start, start + count), (node) =>
      summarizeObject(snapshot, node),
    ),
  }
}
