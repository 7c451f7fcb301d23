// How much memory opening a snapshot takes, estimated from its header's counts before any of
// the data is read, so a snapshot too large for the machine is refused up front instead of
// ending in an out-of-memory crash. Calibrated on `npm run bench`: the graph, its retainers,
// every analysis and the query indexes (peak RSS of an engine host) came to 1.35 GB for 5.3 M
// objects and 2.94 GB for 13.1 M objects with 36.7 M references.

/** Bytes per object: the node fields, retainers, dominators, distances, class and id indexes. */
const BYTES_PER_NODE = 130
/** Bytes per reference: the edge fields and the retainer index. */
const BYTES_PER_EDGE = 33
/** The process itself and the engine's code. */
const BASE_BYTES = 100 * 1024 * 1024
// With these the estimate meets both measurements (1.29 GB and 2.94 GB) within 3%.

/** Estimated peak memory, in bytes, of opening a snapshot with these counts. */
export function estimateLoadBytes(nodeCount: number, edgeCount: number): number {
  return BASE_BYTES + nodeCount * BYTES_PER_NODE + edgeCount * BYTES_PER_EDGE
}

/** "3.4 GB": the unit people size machines in. */
export function formatGigabytes(bytes: number): string {
  const gigabytes = bytes / 1e9
  return gigabytes >= 10
    ? `${gigabytes.toFixed(0)} GB`
    : `${gigabytes.toFixed(gigabytes >= 1 ? 1 : 2)} GB`
}
