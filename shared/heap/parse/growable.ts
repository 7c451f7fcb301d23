// Growable typed-array buffers for sections whose length the header does not declare.
// Capacity doubles; `view()` returns the filled prefix without copying.

type TypedArrayOf<T> = T extends 'u8'
  ? Uint8Array
  : T extends 'u32'
    ? Uint32Array
    : T extends 'i32'
      ? Int32Array
      : Float64Array

export type ElementKind = 'u8' | 'u32' | 'i32' | 'f64'

function allocate<K extends ElementKind>(kind: K, length: number): TypedArrayOf<K> {
  switch (kind) {
    case 'u8':
      return new Uint8Array(length) as TypedArrayOf<K>
    case 'u32':
      return new Uint32Array(length) as TypedArrayOf<K>
    case 'i32':
      return new Int32Array(length) as TypedArrayOf<K>
    default:
      return new Float64Array(length) as TypedArrayOf<K>
  }
}

/** A typed array with amortised O(1) append. */
export class GrowableArray<K extends ElementKind> {
  data: TypedArrayOf<K>
  length = 0

  constructor(
    private readonly kind: K,
    initialCapacity = 1024,
  ) {
    this.data = allocate(kind, Math.max(1, initialCapacity))
  }

  push(value: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1)
    this.data[this.length++] = value
  }

  /** Ensures room for `capacity` elements in total. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return
    const next = allocate(this.kind, Math.max(capacity, this.data.length * 2))
    next.set(this.data.subarray(0, this.length) as never)
    this.data = next
  }

  /** The filled prefix (shares memory with the buffer). */
  view(): TypedArrayOf<K> {
    return this.data.subarray(0, this.length) as TypedArrayOf<K>
  }

  /** The filled prefix in an exactly sized array (copies when the buffer has slack). */
  trimmed(): TypedArrayOf<K> {
    if (this.length === this.data.length) return this.data
    return this.data.slice(0, this.length) as TypedArrayOf<K>
  }
}
