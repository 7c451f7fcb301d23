// Generates every fixture once (real Node children, headless Chromium) and checks, with a naive
// JSON reader independent of the engine, that each snapshot holds its pattern's marker objects
// on the expected retainer paths. The sized ones are covered by the 4 MB size only.
import { readFile, stat } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  ChromiumUnavailableError,
  FIXTURE_NAMES,
  FIXTURES,
  fixture,
  sizedFixture,
  type FixtureName,
} from '../helpers/fixtures'
import type { RawHeapSnapshot } from '../helpers/snapshot-builder'

interface Edge {
  type: string
  name: string
  from: number
  to: number
}

/** A deliberately simple reader: whole-file JSON.parse, then per-node edge and retainer lists. */
class Heap {
  readonly nodeCount: number
  readonly outgoing: Edge[][] = []
  readonly incoming: Edge[][] = []
  private readonly raw: RawHeapSnapshot
  private readonly nodeFieldCount: number

  constructor(text: string) {
    this.raw = JSON.parse(text) as RawHeapSnapshot
    const meta = this.raw.snapshot.meta
    this.nodeFieldCount = meta.node_fields.length
    this.nodeCount = this.raw.nodes.length / this.nodeFieldCount
    for (let node = 0; node < this.nodeCount; node++) {
      this.outgoing.push([])
      this.incoming.push([])
    }
    let cursor = 0
    for (let node = 0; node < this.nodeCount; node++) {
      for (let k = 0; k < this.field(node, 'edge_count'); k++, cursor += 3) {
        const type = meta.edge_types[0][this.raw.edges[cursor]]
        const nameOrIndex = this.raw.edges[cursor + 1]
        const indexed = type === 'element' || type === 'hidden'
        const name = indexed ? String(nameOrIndex) : this.raw.strings[nameOrIndex]
        const edge = {
          type,
          name,
          from: node,
          to: this.raw.edges[cursor + 2] / this.nodeFieldCount,
        }
        this.outgoing[node].push(edge)
        this.incoming[edge.to].push(edge)
      }
    }
    expect(cursor).toBe(this.raw.edges.length)
    expect(this.nodeCount).toBe(this.raw.snapshot.node_count)
  }

  get meta() {
    return this.raw.snapshot.meta
  }

  field(node: number, name: string): number {
    return this.raw.nodes[node * this.nodeFieldCount + this.meta.node_fields.indexOf(name)]
  }

  name(node: number): string {
    return this.raw.strings[this.field(node, 'name')]
  }

  type(node: number): string {
    return this.meta.node_types[0][this.field(node, 'type')]
  }

  selfSize(node: number): number {
    return this.field(node, 'self_size')
  }

  nodes(type: string, name: string | RegExp): number[] {
    const found: number[] = []
    for (let node = 0; node < this.nodeCount; node++) {
      const matches =
        typeof name === 'string' ? this.name(node) === name : name.test(this.name(node))
      if (this.type(node) === type && matches) found.push(node)
    }
    return found
  }

  /** The single target of `from`'s edge of this type and name. */
  follow(from: number, type: string, name: string): number {
    const edges = this.outgoing[from].filter((e) => e.type === type && e.name === name)
    expect(edges, `${this.describe(from)} has one ${type} edge '${name}'`).toHaveLength(1)
    return edges[0].to
  }

  /** The global object user code hangs its globals on (found by a known global property). */
  globalWith(property: string): number {
    const owners = new Set<number>()
    for (const edges of this.outgoing) {
      for (const e of edges) if (e.type === 'property' && e.name === property) owners.add(e.from)
    }
    expect(owners.size, `one owner of the global property ${property}`).toBe(1)
    return [...owners][0]
  }

  /** Shortest path from the root by BFS over non-weak edges, as "name -type:name-> name ...". */
  pathTo(target: number): string {
    const parent = new Map<number, Edge | null>([[0, null]])
    const queue = [0]
    for (let head = 0; head < queue.length && !parent.has(target); head++) {
      for (const e of this.outgoing[queue[head]]) {
        if (e.type === 'weak' || parent.has(e.to)) continue
        parent.set(e.to, e)
        queue.push(e.to)
      }
    }
    if (!parent.has(target)) return 'unreachable'
    const steps: string[] = []
    for (let e = parent.get(target); e; e = parent.get(e.from)) {
      steps.unshift(`-${e.type}:${e.name}-> ${this.describe(e.to)}`)
    }
    return [this.describe(0), ...steps].join(' ')
  }

  describe(node: number): string {
    return `${this.type(node)} '${this.name(node)}'`
  }

  rootEdges(): string[] {
    return this.outgoing[0].map((e) => `${e.type}:${e.name}->${this.name(e.to)}`)
  }

  hasString(text: string): boolean {
    return this.raw.strings.includes(text)
  }
}

const heaps = new Map<FixtureName, Promise<Heap>>()
function load(name: FixtureName): Promise<Heap> {
  let heap = heaps.get(name)
  if (!heap) {
    heap = fixture(name).then(async (path) => new Heap(await readFile(path, 'utf8')))
    heaps.set(name, heap)
  }
  return heap
}

/** The Array behind `owner`'s edge, and the bytes of its elements store. */
function arrayBehind(heap: Heap, owner: number, type: string, name: string) {
  const array = heap.follow(owner, type, name)
  expect(heap.describe(array)).toBe("object 'Array'")
  const elements = heap.follow(array, 'internal', 'elements')
  return { array, elementsSize: heap.selfSize(elements) }
}

describe('fixtures', () => {
  // Chrome fixtures are checked where Chromium runs (see chrome-page below and the analyses).
  describe.each(FIXTURE_NAMES.filter((name) => FIXTURES[name].kind !== 'chrome'))('%s', (name) => {
    it('writes a snapshot holding its marker names', async () => {
      const path = await fixture(name)
      expect((await stat(path)).size).toBeGreaterThan(1_000_000)
      const heap = await load(name)
      for (const marker of FIXTURES[name].markers) {
        expect(heap.hasString(marker), `marker ${marker}`).toBe(true)
      }
    })
  })

  it('reuses the cached file on a second call', async () => {
    const first = await fixture('map-cache')
    const before = (await stat(first)).mtimeMs
    expect(await fixture('map-cache')).toBe(first)
    expect((await stat(first)).mtimeMs).toBe(before)
  })

  it('map-cache: global.leakCache -> Map -> table -> 100 Arrays of 1000 items', async () => {
    const heap = await load('map-cache')
    const global = heap.globalWith('leakCache')
    const map = heap.follow(global, 'property', 'leakCache')
    expect(heap.describe(map)).toBe("object 'Map'")
    const table = heap.follow(map, 'internal', 'table')
    const arrays = heap.outgoing[table].filter((e) => heap.describe(e.to) === "object 'Array'")
    expect(arrays).toHaveLength(100)
    const elements = heap.follow(arrays[0].to, 'internal', 'elements')
    expect(heap.selfSize(elements)).toBeGreaterThanOrEqual(8000)
    expect(heap.pathTo(arrays[0].to)).toMatch(
      /^synthetic '' -shortcut:2-> object 'global' -property:leakCache-> object 'Map' -internal:table-> array '' -internal:\d+-> object 'Array'$/,
    )
  })

  it('closure-context: leakyClosure -> context -> capturedBigArray', async () => {
    const heap = await load('closure-context')
    const closure = heap.follow(heap.globalWith('leakyClosure'), 'property', 'leakyClosure')
    expect(heap.describe(closure)).toBe("closure 'leakyClosure'")
    const context = heap.follow(closure, 'internal', 'context')
    expect(heap.describe(context)).toBe("object 'system / Context'")
    const { array, elementsSize } = arrayBehind(heap, context, 'context', 'capturedBigArray')
    expect(elementsSize).toBeGreaterThanOrEqual(800_000)
    expect(heap.pathTo(array)).toContain(
      "-property:leakyClosure-> closure 'leakyClosure' -internal:context-> object 'system / Context' -context:capturedBigArray-> object 'Array'",
    )
  })

  it('timer: Timeout -> _onTimeout leakyTimerCallback -> context -> timerCapturedArray', async () => {
    const heap = await load('timer')
    const [callback] = heap.nodes('closure', 'leakyTimerCallback')
    const timeouts = heap.incoming[callback].filter((e) => e.name === '_onTimeout')
    expect(timeouts.map((e) => heap.describe(e.from))).toEqual(["object 'Timeout'"])
    const strong = heap.incoming[timeouts[0].from].filter((e) => e.type !== 'weak')
    expect(new Set(strong.map((e) => heap.describe(e.from)))).toEqual(
      new Set(["object 'TimersList'"]),
    )
    const context = heap.follow(callback, 'internal', 'context')
    const { array, elementsSize } = arrayBehind(heap, context, 'context', 'timerCapturedArray')
    expect(elementsSize).toBeGreaterThanOrEqual(400_000)
    expect(heap.pathTo(array)).toMatch(/-property:_onTimeout-> closure 'leakyTimerCallback'/)
  })

  it('class-cycle: three LeakCycleNodes in a peer cycle held by global.leakCycle', async () => {
    const heap = await load('class-cycle')
    const members = heap.nodes('object', 'LeakCycleNode')
    expect(members).toHaveLength(3)
    const first = heap.follow(heap.globalWith('leakCycle'), 'property', 'leakCycle')
    let node = first
    const visited: number[] = []
    for (let step = 0; step < 3; step++) {
      visited.push(node)
      node = heap.follow(node, 'property', 'peer')
    }
    expect(node).toBe(first)
    expect(new Set(visited)).toEqual(new Set(members))
    for (const member of members) arrayBehind(heap, member, 'property', 'cyclePayload')
  })

  it('unreachable-cycle: the class survives, no UnreachableCycleNode instance does', async () => {
    const heap = await load('unreachable-cycle')
    expect(heap.nodes('closure', 'UnreachableCycleNode')).toHaveLength(1)
    expect(heap.nodes('object', 'UnreachableCycleNode')).toHaveLength(0)
    expect(heap.hasString('unreachablePayload')).toBe(true) // the class source names it
  })

  it('weak-map: the held key retains its value through ephemeron edges', async () => {
    const heap = await load('weak-map')
    const [key] = heap.nodes('object', 'WeakMapHeldKey')
    expect(heap.nodes('object', 'WeakMapUnheldKey')).toHaveLength(0)
    const map = heap.follow(heap.globalWith('leakWeakMap'), 'property', 'leakWeakMap')
    const table = heap.follow(map, 'internal', 'table')
    const pair =
      /^\d+ \/ part of key \(WeakMapHeldKey @\d+\) -> value \(Array @\d+\) pair in WeakMap/
    const fromKey = heap.outgoing[key].filter((e) => pair.test(e.name))
    const fromTable = heap.outgoing[table].filter((e) => pair.test(e.name))
    expect(fromKey).toHaveLength(1)
    expect(fromTable.map((e) => e.to)).toEqual([fromKey[0].to])
    expect(heap.outgoing[table].filter((e) => e.type === 'weak').map((e) => e.to)).toContain(key)
    const value = fromKey[0].to
    expect(heap.selfSize(heap.follow(value, 'internal', 'elements'))).toBeGreaterThan(800_000)
  })

  it('weak-ref: only the same-job target survives, weakly held and kept by (Strong roots)', async () => {
    const heap = await load('weak-ref')
    expect(heap.nodes('object', 'WeakRefTarget')).toHaveLength(0)
    const old = heap.follow(heap.globalWith('leakWeakRef'), 'property', 'leakWeakRef')
    expect(heap.outgoing[old].filter((e) => e.name === 'target')).toHaveLength(0)
    const [target] = heap.nodes('object', 'WeakRefSameJobTarget')
    const retainers = heap.incoming[target].map((e) => `${e.type}:${e.name}<-${heap.name(e.from)}`)
    expect(retainers).toContain('weak:target<-WeakRef')
    expect(heap.pathTo(target)).toMatch(
      /^synthetic '' -element:1-> synthetic '\(GC roots\)' -element:\d+-> synthetic '\(Strong roots\)' -internal:weak_refs_keep_during_job-> /,
    )
  })

  it('typed-array: Float64Array -> ArrayBuffer -> 64 MB system / JSArrayBufferData', async () => {
    const heap = await load('typed-array')
    const typed = heap.follow(heap.globalWith('leakFloat64'), 'property', 'leakFloat64')
    expect(heap.describe(typed)).toBe("object 'Float64Array'")
    const buffer = heap.follow(typed, 'internal', 'buffer')
    expect(heap.describe(buffer)).toBe("object 'ArrayBuffer'")
    const store = heap.follow(buffer, 'internal', 'backing_store')
    expect(heap.describe(store)).toBe("native 'system / JSArrayBufferData'")
    expect(heap.selfSize(store)).toBe(64 * 1024 * 1024)
    expect(heap.outgoing[store]).toHaveLength(0)
  })

  it('user-roots snapshots have a root shortcut to global; exposeInternals ones do not', async () => {
    const sink = await load('kitchen-sink')
    const plain = await load('cdp-plain')
    const internals = await load('cdp-expose-internals')
    expect(sink.rootEdges().slice(0, 2)).toEqual(['element:1->(GC roots)', 'shortcut:2->global'])
    expect(plain.rootEdges().slice(0, 2)).toEqual([
      'element:1->(GC roots)',
      'shortcut:2->global / ',
    ])
    expect(internals.rootEdges().filter((edge) => edge.startsWith('shortcut:'))).toEqual([])
    expect(internals.rootEdges()[0]).toBe('element:1->(GC roots)')
    const map = internals.follow(internals.globalWith('leakCache'), 'property', 'leakCache')
    expect(internals.pathTo(map)).toMatch(
      /^synthetic '' -element:1-> synthetic '\(GC roots\)' -element:\d+-> synthetic '\(Handle scope\)' -internal:\d+-> hidden 'system \/ NativeContext' -internal:extension-> object 'global \/ ' -property:leakCache-> object 'Map'$/,
    )
  })

  it('kitchen-sink and both CDP variants hold every pattern', async () => {
    for (const name of ['kitchen-sink', 'cdp-plain', 'cdp-expose-internals'] as const) {
      const heap = await load(name)
      expect(heap.nodes('object', 'LeakCycleNode'), name).toHaveLength(3)
      expect(heap.nodes('object', 'UnreachableCycleNode'), name).toHaveLength(0)
      expect(heap.nodes('object', 'WeakMapHeldKey'), name).toHaveLength(1)
      expect(heap.nodes('object', 'WeakRefSameJobTarget'), name).toHaveLength(1)
      expect(heap.nodes('closure', 'leakyTimerCallback'), name).toHaveLength(1)
      const stores = heap.nodes('native', 'system / JSArrayBufferData')
      expect(
        stores.map((store) => heap.selfSize(store)),
        name,
      ).toContain(64 * 1024 * 1024)
    }
  })

  it('chrome-page: a detached <div> subtree held by a JS array, and a big array', async (ctx) => {
    let heap: Heap
    try {
      heap = await load('chrome-page')
    } catch (error) {
      if (!(error instanceof ChromiumUnavailableError)) throw error
      const reason = `SKIPPED chrome-page fixture: ${error.message}`
      console.warn(reason)
      return ctx.skip(reason)
    }
    expect(heap.meta.node_fields).toEqual([
      'type',
      'name',
      'id',
      'self_size',
      'edge_count',
      'detachedness',
    ])
    expect(heap.rootEdges()).toEqual(['element:1->(GC roots)'])
    const window = heap.globalWith('leakBigArray')
    expect(heap.name(window)).toMatch(/^Window /)
    const { elementsSize } = arrayBehind(heap, window, 'property', 'leakBigArray')
    expect(elementsSize).toBeGreaterThanOrEqual(8_000_000)
    const [div] = heap.nodes('native', '<div id="leak-detached-root" class="leak-detached">')
    expect(heap.field(div, 'detachedness')).toBe(2)
    const holder = heap.nodes('object', 'LeakDetachedHolder')
    expect(holder).toHaveLength(1)
    expect(heap.follow(holder[0], 'property', 'detachedRoot')).toBe(div)
    expect(heap.pathTo(div)).toMatch(
      /-internal:global_object-> object 'Window \[JSGlobalObject\] [^']*' -property:leakDetachedNodes-> object 'Array' -element:\d-> /,
    )
    const [attached] = heap.nodes('native', '<div id="attached-root">')
    expect(heap.field(attached, 'detachedness')).toBe(1)
  })

  it('sized 4 MB: a snapshot of about 4 MB made of many SizedRecord objects', async () => {
    const path = await sizedFixture(4)
    const size = (await stat(path)).size
    expect(size).toBeGreaterThan(3 * 1024 * 1024)
    expect(size).toBeLessThan(5 * 1024 * 1024)
    const heap = new Heap(await readFile(path, 'utf8'))
    expect(heap.nodeCount).toBeGreaterThan(30_000)
    expect(heap.nodes('object', 'SizedRecord').length).toBeGreaterThanOrEqual(32)
    expect(heap.nodes('closure', 'sizedBlockDescribe').length).toBeGreaterThanOrEqual(1)
  })
})
