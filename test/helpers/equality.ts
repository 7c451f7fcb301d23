// Run before every test file: a string table equals another table, or an array, holding the same
// strings in the same order, however each keeps them (as bytes or as text).
import { expect } from 'vitest'
import { StringTable } from '../../shared/heap/graph/string-table'

function asStrings(value: unknown): string[] | null {
  if (value instanceof StringTable) return value.toArray()
  return null
}

expect.addEqualityTesters([
  function stringTablesEqual(a: unknown, b: unknown, customTesters) {
    const left = asStrings(a)
    const right = asStrings(b)
    if (left === null && right === null) return undefined
    return this.equals(left ?? a, right ?? b, customTesters)
  },
])
