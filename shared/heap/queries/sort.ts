// Sorting large lists of nodes by a size without comparator calls: a stable LSD radix sort over
// the IEEE-754 bits of non-negative doubles (their bit patterns order like their values),
// four 16-bit passes. Descending by key; equal keys keep their input order.

const DIGITS = 1 << 16

/**
 * Returns `items` reordered by `keyOf[item]` descending (stable). Keys must be non-negative
 * finite numbers (byte sizes).
 */
export function sortByKeyDescending(
  items: Uint32Array,
  keyOf: Float64Array | Uint32Array,
): Uint32Array {
  const count = items.length
  if (count < 2) return items.slice()
  const keys = new Float64Array(count)
  for (let position = 0; position < count; position++) keys[position] = keyOf[items[position]]
  const words = new Uint32Array(keys.buffer) // little-endian: [low, high] per key
  let order = new Uint32Array(count)
  let scratch = new Uint32Array(count)
  for (let position = 0; position < count; position++) order[position] = position
  const buckets = new Uint32Array(DIGITS + 1)
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1
    const shift = (pass & 1) * 16
    buckets.fill(0)
    // Inverted digits make the ascending radix sort descending while staying stable.
    for (let position = 0; position < count; position++) {
      buckets[0xffff - ((words[position * 2 + word] >>> shift) & 0xffff) + 1]++
    }
    for (let digit = 0; digit < DIGITS; digit++) buckets[digit + 1] += buckets[digit]
    for (let index = 0; index < count; index++) {
      const position = order[index]
      scratch[buckets[0xffff - ((words[position * 2 + word] >>> shift) & 0xffff)]++] = position
    }
    ;[order, scratch] = [scratch, order]
  }
  const result = new Uint32Array(count)
  for (let index = 0; index < count; index++) result[index] = items[order[index]]
  return result
}
