// A fixed-size bit set over ordinals, one bit per element, in a Uint32Array.

export class BitVector {
  readonly words: Uint32Array

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32))
  }

  /** A bit vector over `words` (kept, not copied): one read back from a cache. */
  static fromWords(size: number, words: Uint32Array): BitVector {
    if (words.length !== Math.ceil(size / 32))
      throw new RangeError(`${words.length} words cannot hold ${size} bits`)
    const vector = new BitVector(0)
    ;(vector as { words: Uint32Array }).words = words
    ;(vector as { size: number }).size = size
    return vector
  }

  get(position: number): boolean {
    return (this.words[position >>> 5] & (1 << (position & 31))) !== 0
  }

  set(position: number): void {
    this.words[position >>> 5] |= 1 << (position & 31)
  }

  clear(position: number): void {
    this.words[position >>> 5] &= ~(1 << (position & 31))
  }
}
