// Duplicated strings on hand-built heaps and against a brute-force oracle: which copies count
// (reachable, held by the program, plain or concatenated as their parts read), which are left
// out (flattened concatenations, thin strings, sliced strings, size 0), the waste and holders.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { getDuplicateStrings } from '../../shared/heap/queries/strings'
import { SnapshotBuilder, type NodeHandle } from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

/** A heap with user roots and helpers to hang strings off objects on the global. */
class Heap {
  readonly b = new SnapshotBuilder()
  readonly global: NodeHandle
  private held = 0

  constructor() {
    this.global = this.b.standardRoots('user-roots').global
  }

  /** A plain string, unreferenced until held. */
  text(text: string, selfSize = 16 + text.length): NodeHandle {
    return this.b.node('string', text, { selfSize })
  }

  /** A concatenated string of two new plain parts. */
  cons(first: string, second: string, selfSize = 32): NodeHandle {
    const cons = this.b.node('concatenated string', '(concatenated string)', { selfSize })
    this.b.edge(cons, 'internal', 'first', this.text(first))
    this.b.edge(cons, 'internal', 'second', this.text(second))
    return cons
  }

  /** A new object of `className` on the global, holding `value` as `.property`. */
  holdIn(className: string, property: string, value: NodeHandle): NodeHandle {
    const object = this.b.node('object', className, { selfSize: 24 })
    this.b.edge(this.global, 'property', `o${this.held++}`, object)
    this.b.edge(object, 'property', property, value)
    return object
  }

  /** Held by V8's code only: a function on the global whose SharedFunctionInfo holds it. */
  holdInCode(value: NodeHandle): void {
    const closure = this.b.node('closure', 'f', { selfSize: 32 })
    const shared = this.b.node('code', 'f', { selfSize: 40 })
    this.b.edge(this.global, 'property', `f${this.held++}`, closure)
    this.b.edge(closure, 'internal', 'shared', shared)
    this.b.edge(shared, 'internal', 'constant', value)
  }
}

describe('duplicate strings', () => {
  it('groups the copies of a text the program holds, largest waste first, with their holders', () => {
    const heap = new Heap()
    for (let copy = 0; copy < 3; copy++) heap.holdIn('Record', 'status', heap.text('pending', 24))
    heap.holdIn('Order', 'state', heap.text('pending', 24))
    for (let copy = 0; copy < 2; copy++) heap.holdIn('Record', 'note', heap.text('done', 20))
    heap.holdIn('Record', 'note', heap.text('only once', 30))
    const report = getDuplicateStrings(load(heap.b))
    expect(
      report.items.map((item) => [item.text, item.count, item.totalSize, item.wastedSize]),
    ).toEqual([
      ['pending', 4, 96, 72],
      ['done', 2, 40, 20],
    ])
    expect(report.total).toBe(2)
    expect(report.copyCount).toBe(6)
    expect(report.wastedSize).toBe(92)
    const [pending] = report.items
    expect(pending.complete).toBe(true)
    expect(pending.length).toBe(7)
    expect(pending.examples).toHaveLength(3)
    expect(pending.holders.map((h) => [h.count, h.object.className, h.via?.text])).toEqual([
      [3, 'Record', '.status'],
      [1, 'Order', '.state'],
    ])
  })

  it('reads a concatenated string by its parts, as a copy of the same text', () => {
    const heap = new Heap()
    heap.holdIn('Record', 'name', heap.cons('pend', 'ing'))
    heap.holdIn('Record', 'name', heap.text('pending', 24))
    const [item] = getDuplicateStrings(load(heap.b)).items
    expect(item.text).toBe('pending')
    expect(item.count).toBe(2)
    expect(item.examples.map((example) => example.type).sort()).toEqual([
      'concatenated string',
      'string',
    ])
  })

  it('leaves out flattened concatenations, thin strings, sliced, empty, size-0 and unreachable strings', () => {
    const heap = new Heap()
    const { b } = heap
    heap.holdIn('Record', 'text', heap.text('kept', 20))
    // A flattened concatenation: its first part holds the text; its second is empty.
    const flat = b.node('concatenated string', '(concatenated string)', { selfSize: 32 })
    b.edge(flat, 'internal', 'first', heap.text('kept', 20))
    b.edge(flat, 'internal', 'second', heap.text('', 16))
    heap.holdIn('Record', 'text', flat)
    // A thin string forwards to its actual copy.
    const thin = heap.text('kept', 20)
    b.edge(thin, 'internal', 'actual', heap.text('other', 20))
    heap.holdIn('Record', 'text', thin)
    const sliced = b.node('sliced string', '(sliced string)', { selfSize: 32 })
    b.edge(sliced, 'internal', 'parent', heap.text('kept and more', 30))
    heap.holdIn('Record', 'text', sliced)
    heap.holdIn('Record', 'text', heap.text('kept', 0))
    heap.text('kept', 20) // unreachable
    heap.holdIn('Record', 'text', heap.text('', 16))
    heap.holdIn('Record', 'text', heap.text('', 16))
    const report = getDuplicateStrings(load(b))
    // Only the held plain copy and the flattened concatenation's first part are copies, and
    // what holds the concatenation holds its text.
    expect(report.items.map((item) => [item.text, item.count])).toEqual([['kept', 2]])
    expect(report.items[0].holders.map((h) => [h.count, h.via?.text])).toEqual([[2, '.text']])
  })

  it('leaves out texts only V8 holds more than once, unless asked for', () => {
    const heap = new Heap()
    for (let copy = 0; copy < 3; copy++) heap.holdInCode(heap.text('compiled', 24))
    const mixed = heap.text('mixed', 24)
    heap.holdIn('Record', 'text', mixed)
    heap.holdInCode(heap.text('mixed', 24))
    heap.holdIn('Record', 'text', heap.text('mixed', 24))
    const snapshot = load(heap.b)
    const report = getDuplicateStrings(snapshot)
    expect(report.items.map((item) => [item.text, item.count, item.internalCount])).toEqual([
      ['mixed', 2, 1],
    ])
    expect(report.internalOnly).toEqual({ textCount: 1, copyCount: 3, wastedSize: 48 })
    const all = getDuplicateStrings(snapshot, { includeInternal: true })
    expect(all.items.map((item) => [item.text, item.count, item.wastedSize])).toEqual([
      ['compiled', 3, 48],
      ['mixed', 3, 48],
    ])
    expect(all.internalOnly.textCount).toBe(0)
  })

  it('tells texts V8 cut at 1024 characters apart by their size', () => {
    const heap = new Heap()
    const long = 'x'.repeat(1024)
    heap.holdIn('Page', 'body', heap.text(long, 3000))
    heap.holdIn('Page', 'body', heap.text(long, 3000))
    heap.holdIn('Page', 'body', heap.text(long, 5000))
    const [item, ...rest] = getDuplicateStrings(load(heap.b)).items
    expect(rest).toEqual([])
    expect(item.count).toBe(2)
    expect(item.complete).toBe(false)
    expect(item.length).toBeNull()
    expect(item.text).toHaveLength(200)
  })

  it('pages the texts', () => {
    const heap = new Heap()
    for (const text of ['a1', 'b2', 'c3', 'd4']) {
      for (let copy = 0; copy < 2; copy++) heap.holdIn('R', 'v', heap.text(text, 16))
    }
    const snapshot = load(heap.b)
    const page = getDuplicateStrings(snapshot, { start: 1, count: 2 })
    expect(page.total).toBe(4)
    expect(page.start).toBe(1)
    expect(page.items).toHaveLength(2)
    const whole = getDuplicateStrings(snapshot).items.map((item) => item.text)
    expect(page.items.map((item) => item.text)).toEqual(whole.slice(1, 3))
  })

  describe('against a brute-force oracle', () => {
    const TEXTS = ['alpha', 'beta', 'gamma', 'delta']
    const copy = fc.record({
      text: fc.nat({ max: TEXTS.length - 1 }),
      concatenated: fc.boolean(),
      selfSize: fc.integer({ min: 16, max: 64 }),
      byProgram: fc.nat({ max: 2 }),
      byCode: fc.boolean(),
    })

    it('counts, sizes and waste match a direct count over the copies', () => {
      fc.assert(
        fc.property(fc.array(copy, { maxLength: 24 }), (copies) => {
          const heap = new Heap()
          const programHeld = new Set<NodeHandle>()
          const internalHeld = new Set<NodeHandle>()
          const textOf = new Map<NodeHandle, string>()
          for (const spec of copies) {
            const text = TEXTS[spec.text]
            const node = spec.concatenated
              ? heap.cons(text.slice(0, 2), text.slice(2), spec.selfSize)
              : heap.text(text, spec.selfSize)
            textOf.set(node, text)
            for (let holder = 0; holder < spec.byProgram; holder++) heap.holdIn('R', 'v', node)
            if (spec.byCode) heap.holdInCode(node)
            if (spec.byProgram > 0) programHeld.add(node)
            else if (spec.byCode) internalHeld.add(node)
          }
          const snapshot = load(heap.b)
          // The oracle: per text, the copies the program holds, and those V8's code alone holds.
          const expected = new Map<string, { sizes: number[]; internal: number }>()
          for (const [node, text] of textOf) {
            if (!programHeld.has(node) && !internalHeld.has(node)) continue
            const entry = expected.get(text) ?? { sizes: [], internal: 0 }
            if (programHeld.has(node)) entry.sizes.push(snapshot.retainedSize[node])
            else entry.internal++
            expected.set(text, entry)
          }
          const listed = [...expected].filter(([, entry]) => entry.sizes.length >= 2)
          const report = getDuplicateStrings(snapshot, { count: 100 })
          const actual = new Map(report.items.map((item) => [item.text, item]))
          expect([...actual.keys()].sort()).toEqual(listed.map(([text]) => text).sort())
          for (const [text, entry] of listed) {
            const item = actual.get(text)
            const total = entry.sizes.reduce((sum, size) => sum + size, 0)
            expect(item?.count).toBe(entry.sizes.length)
            expect(item?.totalSize).toBe(total)
            expect(item?.wastedSize).toBe(total - Math.max(...entry.sizes))
            expect(item?.internalCount).toBe(entry.internal)
          }
          const wastes = report.items.map((item) => item.wastedSize)
          expect(wastes).toEqual([...wastes].sort((a, b) => b - a))
        }),
        { numRuns: 150 },
      )
    })
  })
})
