// Work arrays handed from one stage of the load to the next. A stage's per-node scratch arrays
// (a DFS stack, a BFS queue, the dominator algorithm's labels) are given back when it ends and
// taken by a later stage, for its own scratch or for a result it keeps: on a 10-million-node
// snapshot each is tens of MB, and a new one for every stage means garbage that the collector
// must find (and that holds memory until it does) while the load's memory is at its peak.
export class WorkArrays {
  private readonly free: ArrayBufferLike[] = []

  /**
   * `allShared`: every new buffer is shared memory, so that any buffer given back can go to a
   * worker thread's job later (a load that runs stages on workers).
   */
  constructor(private readonly allShared = false) {}

  /**
   * A buffer of `bytes` (its contents are whatever the stage before left: fill what must start
   * at 0). `scratch`: it is given back before the load ends, so it may be larger than asked.
   * `shared`: shared memory, for a worker thread to fill (any buffer may serve otherwise).
   */
  buffer(bytes: number, scratch = false, shared = false): ArrayBufferLike {
    let best = -1
    for (let index = 0; index < this.free.length; index++) {
      const size = this.free[index].byteLength
      // A result kept for the snapshot's life must not pin much more than its size.
      const fits =
        size >= bytes &&
        (scratch || size <= bytes * 1.25) &&
        (!shared || this.free[index] instanceof SharedArrayBuffer)
      if (fits && (best === -1 || size < this.free[best].byteLength)) best = index
    }
    if (best === -1) {
      return shared || this.allShared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)
    }
    const [buffer] = this.free.splice(best, 1)
    return buffer
  }

  /** A Uint32Array of `length` for scratch, filled with `fill` unless it is null. */
  scratch32(length: number, fill: number | null = 0, shared = false): Uint32Array {
    const array = new Uint32Array(this.buffer(4 * length, true, shared), 0, length)
    if (fill !== null) array.fill(fill)
    return array
  }

  /**
   * Gives back the buffers of `arrays` for later stages: nothing may read or write them (or any
   * other view of their buffers) afterwards.
   */
  give(...arrays: ArrayBufferView[]): void {
    for (const array of arrays) {
      const buffer = array.buffer
      if (this.free.includes(buffer)) continue
      this.free.push(buffer)
    }
  }

  /** Bytes held for later stages. */
  get heldBytes(): number {
    return this.free.reduce((sum, buffer) => sum + buffer.byteLength, 0)
  }
}
