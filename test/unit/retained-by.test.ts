// DevTools' named filters on hand-built heaps and against a brute-force oracle: the objects only
// the DevTools console keeps (through `… / DevTools console` handles) and only event handlers
// keep (the functions of Blink's V8EventListener nodes), as DevTools' createNamedFilter has them.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { getRetainedBy } from '../../shared/heap/queries/retained-by'
import { SnapshotBuilder, type NodeHandle } from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

function nodesOf(snapshot: HeapSnapshot, kind: Parameters<typeof getRetainedBy>[1]['kind']) {
  return getRetainedBy(snapshot, { kind, count: 10_000 })
    .items.map((item) => item.node)
    .sort((a, b) => a - b)
}

describe('retained by', () => {
  it('lists what only the DevTools console keeps, largest first', () => {
    const b = new SnapshotBuilder({ layout: 'chrome' })
    const { global, globalHandles } = b.standardRoots('expose-internals')
    const logged = b.node('object', 'Logged', { selfSize: 40 })
    const payload = b.node('object', 'Array', { selfSize: 800 })
    const shared = b.node('object', 'Shared', { selfSize: 24 })
    b.edge(globalHandles, 'internal', '3 / DevTools console', logged)
    b.edge(logged, 'property', 'payload', payload)
    b.edge(logged, 'property', 'shared', shared)
    b.edge(global, 'property', 'shared', shared)
    // Another handle's name does not count, nor one that is not a synthetic root's.
    const other = b.node('object', 'Other', { selfSize: 8 })
    b.edge(globalHandles, 'internal', '4 / Something else', other)
    const notRoot = b.node('object', 'NotRoot', { selfSize: 8 })
    const fake = b.node('object', 'Fake', { selfSize: 8 })
    b.edge(global, 'property', 'notRoot', notRoot)
    b.edge(notRoot, 'property', '5 / DevTools console', fake)
    const snapshot = load(b)
    const report = getRetainedBy(snapshot, { kind: 'console' })
    expect(report.items.map((item) => item.node)).toEqual([logged, payload])
    expect(report.selfSize).toBe(840)
    expect(report.retainerCount).toBe(1)
    expect(report.kind).toBe('console')
  })

  it('lists what only event handlers keep: the handler functions and what they alone hold', () => {
    const b = new SnapshotBuilder({ layout: 'chrome' })
    const { global, strongRoots } = b.standardRoots('expose-internals')
    // Code is V8's, held by its roots too.
    const code = b.node('code', 'system / Code', { selfSize: 10 })
    b.edge(strongRoots, 'element', 1, code)
    const button = b.node('native', '<button>', { selfSize: 100, detachedness: 1 })
    b.edge(global, 'property', 'button', button)
    const listener = (handler: NodeHandle): NodeHandle => {
      const node = b.node('native', 'V8EventListener', { selfSize: 30 })
      b.edge(button, 'element', 1, node)
      b.edge(node, 'element', 1, handler)
      return node
    }
    // A function: the handler is the listener's reference `1`.
    const onClick = b.node('closure', 'onClick', { selfSize: 32 })
    b.edge(onClick, 'internal', 'code', code)
    const context = b.node('object', 'system / Context', { selfSize: 48 })
    const payload = b.node('object', 'Array', { selfSize: 900 })
    b.edge(onClick, 'internal', 'context', context)
    b.edge(context, 'context', 'payload', payload)
    listener(onClick)
    // An object with handleEvent: the handler is the first of its references that has code.
    const handlerObject = b.node('object', 'Handler', { selfSize: 20 })
    const handleEvent = b.node('closure', 'handleEvent', { selfSize: 32 })
    b.edge(handlerObject, 'property', 'state', b.node('object', 'State', { selfSize: 8 }))
    b.edge(handlerObject, 'property', 'handleEvent', handleEvent)
    b.edge(handleEvent, 'internal', 'code', code)
    listener(handlerObject)
    b.edge(global, 'property', 'handler', handlerObject)
    const snapshot = load(b)
    const report = getRetainedBy(snapshot, { kind: 'event-handlers' })
    expect(report.items.map((item) => item.node)).toEqual([onClick, context, payload, handleEvent])
    expect(report.retainerCount).toBe(2)
    expect(report.selfSize).toBe(900 + 48 + 32 + 32)
  })

  it('pages the objects and finds nothing in a heap without those retainers', () => {
    const b = new SnapshotBuilder()
    const { global } = b.standardRoots('user-roots')
    b.edge(global, 'property', 'x', b.node('object', 'X', { selfSize: 8 }))
    const snapshot = load(b)
    for (const kind of ['console', 'event-handlers', 'detached-dom'] as const) {
      expect(getRetainedBy(snapshot, { kind, start: 5, count: 2 })).toEqual({
        kind,
        start: 0,
        total: 0,
        items: [],
        selfSize: 0,
        retainerCount: 0,
      })
    }
  })

  it('finds what a walk without the console handles no longer reaches, by brute force', () => {
    const heap = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 12 }),
      links: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 30 }),
      globals: fc.array(fc.nat(), { maxLength: 4 }),
      logged: fc.array(fc.nat(), { maxLength: 4 }),
    })
    fc.assert(
      fc.property(heap, ({ sizes, links, globals, logged }) => {
        const b = new SnapshotBuilder({ layout: 'chrome' })
        const { global, globalHandles } = b.standardRoots('expose-internals')
        const objects = sizes.map((selfSize) => b.node('object', 'O', { selfSize }))
        const pick = (seed: number): NodeHandle => objects[seed % objects.length]
        for (const [from, to, weak] of links) {
          b.edge(pick(from), weak ? 'weak' : 'property', 'p', pick(to))
        }
        for (const seed of globals) b.edge(global, 'property', 'g', pick(seed))
        logged.forEach((seed, position) => {
          b.edge(globalHandles, 'internal', `${position} / DevTools console`, pick(seed))
        })
        const snapshot = load(b)
        const { graph } = snapshot
        // The oracle: objects reachable from the root, minus those still reachable without
        // the console's handles, walking strong references only.
        const reach = (skipConsole: boolean): Set<number> => {
          const seen = new Set([graph.rootNode])
          const queue = [graph.rootNode]
          while (queue.length > 0) {
            const node = queue.shift() as number
            for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
              if (graph.edgeType[edge] === graph.edgeTypeCode.weak) continue
              const name = graph.strings.get(graph.edgeNameOrIndex[edge])
              if (skipConsole && node === globalHandles && name.endsWith(' / DevTools console'))
                continue
              const target = graph.edgeTarget[edge]
              if (!seen.has(target)) {
                seen.add(target)
                queue.push(target)
              }
            }
          }
          return seen
        }
        const all = reach(false)
        const without = reach(true)
        const expected = [...all].filter((node) => !without.has(node)).sort((x, y) => x - y)
        expect(nodesOf(snapshot, 'console')).toEqual(expected)
      }),
      { numRuns: 200 },
    )
  })
})
