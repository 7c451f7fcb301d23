// A fixed-size bit set over ordinals, one bit per element, in a Uint32Array.

export class BitVector {
  readonly words: Uint32Array

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32))
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
