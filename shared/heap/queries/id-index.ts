// Lookup from V8 object id (@id) to node ordinal: the ordinals sorted by id (LSD radix sort, two
// 16-bit passes, O(N)) and a binary search. 4 bytes per node; when several nodes share an id
// (V8 gives every node a unique one) the lowest ordinal wins.

export class IdIndex {
  /** Node ordinals in ascending id order (ties by ordinal). */
  private readonly byId: Uint32Array

  /** The index over `objectId` from its saved order (the index cache). */
  static fromOrder(objectId: Uint32Array, byId: Uint32Array): IdIndex {
    if (byId.length !== objectId.length) throw new RangeError('an id order of another length')
    return new IdIndex(objectId, byId)
  }

  /** The order in which `fromOrder` takes it back. */
  get order(): Uint32Array {
    return this.byId
  }

  constructor(
    private readonly objectId: Uint32Array,
    saved?: Uint32Array,
  ) {
    if (saved) {
      this.byId = saved
      return
    }
    const count = objectId.length
    let order = new Uint32Array(count)
    let scratch = new Uint32Array(count)
    for (let node = 0; node < count; node++) order[node] = node
    const buckets = new Uint32Array(65537)
    for (const shift of [0, 16]) {
      buckets.fill(0)
      for (let node = 0; node < count; node++) buckets[((objectId[node] >>> shift) & 0xffff) + 1]++
      for (let bucket = 0; bucket < 65536; bucket++) buckets[bucket + 1] += buckets[bucket]
      for (let position = 0; position < count; position++) {
        const node = order[position]
        scratch[buckets[(objectId[node] >>> shift) & 0xffff]++] = node
      }
      ;[order, scratch] = [scratch, order]
    }
    this.byId = order
  }

  /** The node ordinal with this id, or null. */
  find(id: number): number | null {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) return null
    const { byId, objectId } = this
    let low = 0
    let high = byId.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (objectId[byId[middle]] < id) low = middle + 1
      else high = middle
    }
    return low < byId.length && objectId[byId[low]] === id ? byId[low] : null
  }
}
