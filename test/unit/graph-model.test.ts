// The retainer graph's model: paths merged by node (also of several objects, some marked new),
// expansions folded into "N more", weak references hidden unless asked for, V8 internals folded
// only where their meaning is clear, cycle marks, cuts (the reference each edge stands for, the
// cut marked, freed objects, the path that keeps the target alive, undo), size scaling, the
// layered layout, and the DOT and SVG exports.
import ELK from 'elkjs/lib/elk.bundled.js'
import { describe, expect, it } from 'vitest'
import type { CutResult, Cycle, ObjectSummary, PathStepDto, Reference } from '../../shared/protocol'
import { displayClass, formatEdge, runningCodeNote } from '../../shared/view/format'
import {
  applyCut,
  buildGraphModel,
  cutReferenceOf,
  cutTargetOf,
  cycleEdges,
  cycleEntries,
  freedDrawnNodes,
  graphCutOf,
  itemLookups,
  LayeredLayout,
  resultOf,
  linksFrom,
  markCycles,
  MAX_DIAMETER,
  MAX_FAN_IN,
  MIN_DIAMETER,
  nodeScale,
  pathsWithCut,
  pendingItemLookups,
  shadeColor,
  toDot,
  toSvg,
  type DominatorLookup,
  type Expansion,
  type GraphCut,
  type GraphModel,
  type GraphNode,
  type Point,
} from '../../shared/view/graph-model'
import type { MapSlot } from '../../shared/protocol/dto'

const elk = new ELK()

interface Shape {
  className?: string
  type?: string
  name?: string
  retainedSize?: number
}

const object = (node: number, shape: Shape | string = {}): ObjectSummary => {
  const {
    className = `C${node}`,
    type = 'object',
    name,
    retainedSize = 100 - node,
  } = typeof shape === 'string' ? { className: shape } : shape
  return {
    node,
    id: node * 2 + 1,
    type,
    name: name ?? className,
    className,
    label: type === 'synthetic' ? (name ?? className) : className,
    selfSize: 10,
    retainedSize,
    distance: node,
  }
}

const step = (
  node: number | ObjectSummary,
  edge: string | null,
  type = 'property',
): PathStepDto => ({
  node: typeof node === 'number' ? object(node) : node,
  edge: edge === null ? null : { type, name: edge },
})

const retainer = (node: number, name: string, isWeak = false): Reference => ({
  node: object(node),
  edge: { edge: node, type: isWeak ? 'weak' : 'property', name, isWeak },
})

const edgesOf = (model: GraphModel): string[] =>
  model.edges.map((edge) => `${edge.source}->${edge.target} ${edge.label}`).sort()

const idsOf = (model: GraphModel): string[] => model.nodes.map((node) => node.id).sort()

describe('graph-model', () => {
  const target = object(9, 'Leaked')
  const paths = [
    [step(1, null), step(2, 'cache'), step(9, 'item')],
    [step(1, null), step(3, 'other'), step(9, 'again')],
  ]

  it('merges retainer paths by node, the roots and the target marked', () => {
    const model = buildGraphModel(target, paths, new Map())
    expect(model.nodes.map((node) => [node.id, node.kind]).sort()).toEqual(
      [
        ['n1', 'root'],
        ['n2', 'object'],
        ['n3', 'object'],
        ['n9', 'target'],
      ].sort(),
    )
    expect(edgesOf(model)).toEqual(
      ['n1->n2 .cache', 'n1->n3 .other', 'n2->n9 .item', 'n3->n9 .again'].sort(),
    )
  })

  it('folds a large fan-in into an "N more" node and hides weak references by default', () => {
    const retainers = [
      retainer(20, 'w', true),
      ...Array.from({ length: 20 }, (_, k) => retainer(30 + k, `r${k}`)),
    ]
    const expansions = new Map([[9, { retainers, total: 1000 }]])
    const model = buildGraphModel(target, paths, expansions)
    const into = model.edges.filter((edge) => edge.target === 'n9').map((edge) => edge.source)
    // Two from the paths, MAX_FAN_IN expanded retainers (the weak one skipped), one "N more".
    expect(into.length).toBe(2 + MAX_FAN_IN + 1)
    expect(into.filter((source) => /^n(3\d|4\d)$/.test(source))).toHaveLength(MAX_FAN_IN)
    expect(model.nodes.some((node) => node.id === 'n20')).toBe(false)
    const more = model.nodes.find((node) => node.kind === 'more')
    expect(more?.label).toBe(`${(1000 - MAX_FAN_IN).toLocaleString('en-US')} more`)
    const shown = buildGraphModel(target, paths, expansions, { showWeak: true })
    expect(shown.edges.find((edge) => edge.source === 'n20')?.isWeak).toBe(true)
  })

  it('writes DOT with quoted labels', () => {
    const dot = toDot(buildGraphModel(object(9, 'Say "hi"'), paths, new Map()))
    expect(dot.startsWith('digraph retainers {')).toBe(true)
    expect(dot).toContain('"n2" -> "n9" [label=".item"];')
    expect(dot).toContain('label="Say \\"hi\\" @19"')
  })
})

describe('graph-model folding of V8 internals', () => {
  const global = object(1, 'global')
  const map = object(2, 'Map')
  const table = object(3, { className: '(array)', type: 'array', name: '' })
  const list = object(4, 'Array')
  const store = object(5, { className: '(array)', type: 'array', name: '(object elements)' })
  const leaked = object(6, 'Leaked')

  // leakCache -> Map -> table -> Array --elements--> store --3--> Leaked (and the direct [3]).
  const storePath = [
    step(global, null),
    step(map, 'leakCache'),
    step(table, 'table', 'internal'),
    step(list, '68', 'internal'),
    step(store, 'elements', 'internal'),
    step(leaked, '3', 'internal'),
  ]
  const directPath = [
    step(global, null),
    step(map, 'leakCache'),
    step(table, 'table', 'internal'),
    step(list, '68', 'internal'),
    step(leaked, '3', 'element'),
  ]

  it("folds an array's elements store into the array's own [index] edge", () => {
    const model = buildGraphModel(leaked, [directPath, storePath], new Map())
    expect(idsOf(model)).toEqual(['n1', 'n2', 'n4', 'n6'])
    expect(edgesOf(model)).toEqual(['n1->n2 .leakCache', 'n2->n4 entry', 'n4->n6 [3]'])
    const array = model.nodes.find((node) => node.id === 'n4')
    expect(array?.folded).toEqual(['(array) @11 (its elements)'])
    const mapNode = model.nodes.find((node) => node.id === 'n2')
    expect(mapNode?.folded).toEqual(['(array) @7 (its hash table)'])
  })

  it('keeps every internal as it is when asked to show V8 internals', () => {
    const model = buildGraphModel(leaked, [directPath, storePath], new Map(), {
      showInternals: true,
    })
    expect(idsOf(model)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6'])
    expect(edgesOf(model)).toContain('n5->n6 {3}')
    expect(edgesOf(model)).toContain('n4->n5 {elements}')
  })

  it('never takes a store slot for the index: without the own edge the store stays', () => {
    const model = buildGraphModel(leaked, [storePath], new Map())
    expect(idsOf(model)).toContain('n5')
    expect(edgesOf(model)).toContain('n5->n6 {3}')
    expect(
      itemLookups(buildGraphModel(leaked, [storePath], new Map(), { showInternals: true })),
    ).toEqual([{ owner: 4, item: 6 }])
    expect(pendingItemLookups(leaked, [storePath], new Map(), false)).toEqual([
      { owner: 4, item: 6 },
    ])
  })

  it("names a dictionary store's slot by the array's own element edge, once looked up", () => {
    // A sparse array: slot 5 of its dictionary holds the item at index 100000.
    const retainers: Reference[] = [
      { node: store, edge: { edge: 1, type: 'internal', name: '5', isWeak: false } },
      { node: list, edge: { edge: 2, type: 'element', name: '100000', isWeak: false } },
      { node: object(7), edge: { edge: 3, type: 'element', name: '2', isWeak: false } },
    ]
    const links = linksFrom({ owner: 4, item: 6 }, retainers)
    expect(links).toEqual([
      { source: 4, target: 6, edge: { type: 'element', name: '100000', ordinal: 2 } },
    ])
    const model = buildGraphModel(leaked, [storePath], new Map(), { links })
    expect(idsOf(model)).not.toContain('n5')
    const folded = model.edges.find((edge) => edge.target === 'n6')
    expect(folded).toMatchObject({ source: 'n4', label: '[100000]', via: 'elements' })
  })

  it('folds a Map or Set table into entries, but not a WeakMap table', () => {
    const path = (owner: ObjectSummary): PathStepDto[] => [
      step(global, null),
      step(owner, 'cache'),
      step(table, 'table', 'internal'),
      step(leaked, '68', 'internal'),
    ]
    const set = object(2, 'Set')
    expect(edgesOf(buildGraphModel(leaked, [path(set)], new Map()))).toEqual([
      'n1->n2 .cache',
      'n2->n6 member',
    ])
    const weakMap = object(2, 'WeakMap')
    expect(idsOf(buildGraphModel(leaked, [path(weakMap)], new Map()))).toContain('n3')
  })

  it("names a folded Map entry by its key, and the key's own slot as key", () => {
    const keyObject = object(8, 'Key')
    const slot = (node: ObjectSummary, name: string, mapSlot: MapSlot): PathStepDto => ({
      node,
      edge: { type: 'internal', name, mapSlot },
    })
    const head = [step(global, null), step(map, 'cache'), step(table, 'table', 'internal')]
    const paths = [
      [...head, slot(leaked, '68', { role: 'value', key: '"k0"' })],
      [...head, slot(keyObject, '70', { role: 'key', key: null })],
    ]
    const folded = buildGraphModel([leaked, keyObject], paths, new Map())
    expect(edgesOf(folded)).toEqual(['n1->n2 .cache', 'n2->n6 entry "k0"', 'n2->n8 key'])
    // A subclass of Map is known by its named slots.
    const lru = object(2, 'LRU')
    const subclass = [
      [step(global, null), step(lru, 'cache'), step(table, 'table', 'internal')].concat(
        slot(leaked, '68', { role: 'value', key: '"k0"' }),
      ),
    ]
    expect(edgesOf(buildGraphModel(leaked, subclass, new Map()))).toContain('n2->n6 entry "k0"')
    // A small-integer key is not in the snapshot: the entry stays unnamed.
    const smi = [[...head, slot(leaked, '68', { role: 'value', key: null })]]
    expect(edgesOf(buildGraphModel(leaked, smi, new Map()))).toContain('n2->n6 entry')
    // Unfolded, the slot keeps V8's name and says what it holds.
    const raw = buildGraphModel([leaked, keyObject], paths, new Map(), { showInternals: true })
    expect(edgesOf(raw)).toContain('n3->n6 {68} (entry "k0")')
    expect(edgesOf(raw)).toContain('n3->n8 {70} (key)')
  })

  it('does not fold a table whose drawn edges are not all slots', () => {
    const path = [
      step(global, null),
      step(map, 'cache'),
      step(table, 'table', 'internal'),
      step(leaked, 'map', 'internal'),
    ]
    expect(idsOf(buildGraphModel(leaked, [path], new Map()))).toContain('n3')
  })

  it("folds a closure's context into captured variables, for every closure sharing it", () => {
    const closure = object(2, { className: 'Function', type: 'closure', name: 'get' })
    const other = object(7, { className: 'Function', type: 'closure', name: 'set' })
    const context = object(3, 'system / Context')
    const path = (fn: ObjectSummary): PathStepDto[] => [
      step(global, null),
      step(fn, fn.name),
      step(context, 'context', 'internal'),
      step(leaked, 'capturedBigArray', 'context'),
    ]
    const model = buildGraphModel(leaked, [path(closure), path(other)], new Map())
    expect(edgesOf(model)).toEqual([
      'n1->n2 .get',
      'n1->n7 .set',
      'n2->n6 captures capturedBigArray',
      'n7->n6 captures capturedBigArray',
    ])
    // Held by something that is not a closure, the context means something else: kept.
    const held = [...path(closure).slice(0, 1), step(context, 'ctx'), step(leaked, 'x', 'context')]
    expect(idsOf(buildGraphModel(leaked, [path(closure), held], new Map()))).toContain('n3')
  })

  it('folds outer-scope contexts, reached through "previous", into the captured variable', () => {
    const closure = object(2, { className: 'Function', type: 'closure', name: 'get' })
    const other = object(7, { className: 'Function', type: 'closure', name: 'set' })
    const inner = object(3, 'system / Context')
    const otherInner = object(8, 'system / Context')
    const outer = object(4, 'system / Context')
    const leakedOuter = object(6, 'Array')
    // get's context -> previous -> the outer context -> big; set's own context shares that outer.
    const path = (fn: ObjectSummary, scope: ObjectSummary): PathStepDto[] => [
      step(global, null),
      step(fn, fn.name),
      step(scope, 'context', 'internal'),
      step(outer, 'previous', 'internal'),
      step(leakedOuter, 'big', 'context'),
    ]
    const paths = [path(closure, inner), path(other, otherInner)]
    const model = buildGraphModel(leakedOuter, paths, new Map())
    expect(edgesOf(model)).toEqual([
      'n1->n2 .get',
      'n1->n7 .set',
      'n2->n6 captures big',
      'n7->n6 captures big',
    ])
    // A cut of the folded step cuts the outer context's own variable.
    const folded = model.edges.find((edge) => edge.source === 'n2' && edge.target === 'n6')
    expect(folded).toMatchObject({ holder: 4, name: 'big', type: 'context', via: 'context' })
    expect(model.nodes.find((node) => node.id === 'n2')?.folded).toEqual([
      'system / Context @7 (its context)',
      "system / Context @9 (an outer scope's context)",
    ])

    // The outer context held by something that is not a context or a closure means something
    // else: it stays, and so does the inner context that leads to it.
    const held = [step(global, null), step(outer, 'scope'), step(leakedOuter, 'big', 'context')]
    const kept = buildGraphModel(leakedOuter, [path(closure, inner), held], new Map())
    expect(idsOf(kept)).toEqual(expect.arrayContaining(['n3', 'n4']))
    expect(edgesOf(kept)).toContain('n3->n4 {previous}')
  })

  it("folds a global's property store and property cell into its own property edge", () => {
    const properties = object(4, {
      className: '(array)',
      type: 'array',
      name: '(object properties)',
    })
    const cell = object(5, { className: '(system)', type: 'hidden', name: 'system / PropertyCell' })
    const viaCell = [
      step(global, null),
      step(properties, 'properties', 'internal'),
      step(cell, '227', 'internal'),
      step(map, 'value', 'internal'),
      step(leaked, 'item'),
    ]
    const direct = [step(global, null), step(map, 'leakCache'), step(leaked, 'item')]
    const model = buildGraphModel(leaked, [direct, viaCell], new Map())
    expect(edgesOf(model)).toEqual(['n1->n2 .leakCache', 'n2->n6 .item'])
    expect(model.nodes.find((node) => node.id === 'n1')?.folded).toEqual([
      '(array) @9 (its properties)',
    ])
    // Alone, the cell path does not say which property: it stays until the edge is known.
    expect(idsOf(buildGraphModel(leaked, [viaCell], new Map()))).toContain('n5')
    expect(pendingItemLookups(leaked, [viaCell], new Map(), false)).toEqual([{ owner: 1, item: 2 }])
    const links = [{ source: 1, target: 2, edge: { type: 'property', name: 'leakCache' } }]
    expect(edgesOf(buildGraphModel(leaked, [viaCell], new Map(), { links }))).toEqual([
      'n1->n2 .leakCache',
      'n2->n6 .item',
    ])
  })
})

describe('graph-model cycles', () => {
  const member = (node: number): ObjectSummary => object(node, 'LeakCycleNode')
  const cycle = (...nodes: number[]): Cycle => ({ members: nodes.map(member), total: nodes.length })

  it('learns one key for the asked node and every member listed', () => {
    expect(cycleEntries(5, cycle(7, 5, 6))).toEqual([
      [5, '7/3'],
      [7, '7/3'],
      [5, '7/3'],
      [6, '7/3'],
    ])
    expect(cycleEntries(5, { members: [], total: 0 })).toEqual([[5, null]])
  })

  it('numbers the cycles that hold two or more drawn nodes, and only those', () => {
    const nodes = [1, 2, 3, 4, 5].map((node): GraphNode => ({
      ...buildGraphModel(object(node), [], new Map()).nodes[0],
    }))
    const keys = new Map<number, string | null>([
      [1, 'a/2'],
      [2, 'b/5'],
      [3, 'a/2'],
      [4, 'c/9'], // its other members are not drawn
      [5, 'b/5'],
    ])
    expect(markCycles(nodes, keys).map((node) => node.cycle)).toEqual([1, 2, 1, null, 2])
    expect(markCycles(nodes, new Map()).every((node) => node.cycle === null)).toBe(true)
  })

  it('marks drawn cycle members in the built model', () => {
    const target = object(9, 'Array')
    const ring = [
      step(1, null),
      step(member(2), 'leakCycle'),
      step(member(3), 'peer'),
      step(target, 'payload'),
    ]
    const cycles = new Map<number, string | null>([
      [2, '2/3'],
      [3, '2/3'],
      [9, null],
    ])
    const model = buildGraphModel(target, [ring], new Map(), { cycles })
    expect(model.nodes.map((node) => [node.id, node.cycle])).toEqual([
      ['n9', null],
      ['n1', null],
      ['n2', 1],
      ['n3', 1],
    ])
  })
})

describe('graph-model size scaling', () => {
  it('grows and darkens nodes with retained size on a log scale', () => {
    const largest = 10_000_000
    const sizes = [0, 10, 1000, 100_000, largest].map((size) => nodeScale(size, largest))
    expect(sizes[0]).toEqual({ diameter: MIN_DIAMETER, shade: 0 })
    expect(sizes.at(-1)).toEqual({ diameter: MAX_DIAMETER, shade: 1 })
    for (let k = 1; k < sizes.length; k++) {
      expect(sizes[k].diameter).toBeGreaterThan(sizes[k - 1].diameter)
    }
    // Log scale: 1000 B of 10 MB is about 3/7 of the way, not 0.01 %.
    expect(sizes[2].shade).toBeCloseTo(Math.log1p(1000) / Math.log1p(largest), 10)
    expect(nodeScale(5, 0)).toEqual({ diameter: MIN_DIAMETER, shade: 0 })
  })

  it('shades from light grey to dark blue', () => {
    expect(shadeColor(0)).toBe('#d0d7de')
    expect(shadeColor(1)).toBe('#0a3069')
    expect(shadeColor(2)).toBe('#0a3069')
    expect(shadeColor(0.5)).toBe('#6d84a4')
    // On a dark page the ends turn round: dark grey for the smallest, bright blue the largest.
    expect(shadeColor(0, 'dark')).toBe('#30363d')
    expect(shadeColor(1, 'dark')).toBe('#79c0ff')
  })
})

describe('graph-model layered layout', () => {
  const target = object(9, 'Leaked')
  const rank = (ranks: Map<string, number>, id: string): number => ranks.get(id) ?? NaN

  it('puts the roots on the top rank and the target below everything', async () => {
    // Two roots at different depths, and a cycle 3 -> 4 -> 3 above the target.
    const paths = [
      [step(1, null), step(2, 'a'), step(3, 'b'), step(4, 'c'), step(9, 'd')],
      [step(5, null), step(4, 'e'), step(9, 'f')],
    ]
    const expansions = new Map<number, Expansion>([
      [3, { retainers: [retainer(4, 'back')], total: 1 }],
    ])
    const model = buildGraphModel(target, paths, expansions)
    const { ranks } = await new LayeredLayout(elk).run(model)
    expect(rank(ranks, 'n1')).toBe(0)
    expect(rank(ranks, 'n5')).toBe(0)
    for (const node of model.nodes) {
      if (node.kind !== 'root') expect(rank(ranks, node.id)).toBeGreaterThan(0)
      if (node.kind !== 'target') expect(rank(ranks, node.id)).toBeLessThan(rank(ranks, 'n9'))
    }
    // Only the way back of the cycle 3 -> 4 -> 3 (4 retains 3) is turned round for ranking.
    expect(cycleEdges(model)).toEqual(new Set(['n4>n3:property:back']))
  })

  it("keeps a cycle's way back from lifting a member above the roots", async () => {
    // global -> a -> payload (target); a -> b -> c -> a.
    const paths = [[step(1, null), step(2, 'leakCycle'), step(9, 'payload')]]
    const expansions = new Map<number, Expansion>([
      [2, { retainers: [retainer(4, 'peer')], total: 1 }],
      [4, { retainers: [retainer(3, 'peer')], total: 1 }],
      [3, { retainers: [retainer(2, 'peer')], total: 1 }],
    ])
    const model = buildGraphModel(target, paths, expansions)
    const { ranks } = await new LayeredLayout(elk).run(model)
    expect(rank(ranks, 'n1')).toBe(0)
    for (const id of ['n2', 'n3', 'n4']) {
      expect(rank(ranks, id)).toBeGreaterThanOrEqual(0)
      expect(rank(ranks, id)).toBeLessThan(rank(ranks, 'n9'))
    }
  })

  it('keeps the left-to-right order of drawn nodes when an expansion adds more', async () => {
    const paths = [1, 2, 3, 4].map((k) => [step(1, null), step(10 + k, `p${k}`), step(9, `q${k}`)])
    const layout = new LayeredLayout(elk)
    const order = (positions: Map<string, Point>, ids: string[]): string[] =>
      [...ids].sort((a, b) => (positions.get(a)?.x ?? 0) - (positions.get(b)?.x ?? 0))
    const middle = ['n11', 'n12', 'n13', 'n14']
    const first = order(
      (await layout.run(buildGraphModel(target, paths, new Map()))).positions,
      middle,
    )
    let expansions = new Map<number, Expansion>()
    for (const expanded of [13, 11, 14]) {
      const retainers = Array.from({ length: 6 }, (_, k) => retainer(100 + expanded * 10 + k, 'r'))
      expansions = new Map(expansions).set(expanded, { retainers, total: 6 })
      const { positions } = await layout.run(buildGraphModel(target, paths, expansions))
      expect(order(positions, middle)).toEqual(first)
    }
  })

  it("draws a root's own retainers above it when the root is expanded", async () => {
    // global (a root) -> a -> target; global's retainer 7 holds it (a root with an edge in).
    const paths = [[step(1, null), step(2, 'a'), step(9, 'b')]]
    const expansions = new Map<number, Expansion>([
      [1, { retainers: [retainer(7, 'global')], total: 1 }],
    ])
    const model = buildGraphModel(target, paths, expansions)
    const { ranks } = await new LayeredLayout(elk).run(model)
    expect(rank(ranks, 'n7')).toBe(0)
    expect(rank(ranks, 'n1')).toBe(1)
    expect(rank(ranks, 'n2')).toBe(2)
    expect(rank(ranks, 'n9')).toBe(3)
  })

  it('numbers the layers of a 15-step chain 0 to 15, one per step', async () => {
    const chain = Array.from({ length: 15 }, (_, k) => step(20 + k, k === 0 ? null : `next`))
    const model = buildGraphModel(target, [[...chain, step(9, 'payload')]], new Map())
    const { ranks, positions } = await new LayeredLayout(elk).run(model)
    chain.forEach((_, k) => expect(rank(ranks, `n${20 + k}`)).toBe(k))
    expect(rank(ranks, 'n9')).toBe(15)
    // Straight down: every step right below the one before.
    const ys = chain.map((_, k) => positions.get(`n${20 + k}`)?.y ?? NaN)
    for (let k = 1; k < ys.length; k++) expect(ys[k]).toBeGreaterThan(ys[k - 1])
  })

  it('reads layers as bands of overlapping boxes, whatever their heights', () => {
    const paths = [
      [step(1, null), step(2, 'a'), step(9, 'b')],
      [step(1, null), step(3, 'c'), step(9, 'd')],
    ]
    const model = buildGraphModel(target, paths, new Map())
    // ELK's answer by hand: n2 tall, n3 short, in one layer.
    const laidOut = {
      id: 'graph',
      width: 300,
      height: 260,
      children: [
        { id: 'n1', x: 100, y: 0, width: 60, height: 40 },
        { id: 'n2', x: 0, y: 80, width: 60, height: 70 },
        { id: 'n3', x: 200, y: 90, width: 60, height: 30 },
        { id: 'n9', x: 100, y: 190, width: 60, height: 40 },
      ],
    }
    const { ranks, positions, width } = resultOf(model, laidOut)
    expect([...ranks].sort()).toEqual([
      ['n1', 0],
      ['n2', 1],
      ['n3', 1],
      ['n9', 2],
    ])
    expect(positions.get('n2')?.x).toBe(30)
    expect(width).toBe(300)
  })

  it('passes a failed layout on to the caller', async () => {
    const failing = { layout: () => Promise.reject(new Error('no layout today')) }
    const model = buildGraphModel(target, [[step(1, null), step(9, 'x')]], new Map())
    await expect(new LayeredLayout(failing).run(model)).rejects.toThrow('no layout today')
  })

  it('lays out 200 drawn objects well within the draw budget', async () => {
    const paths = [[step(0, null), step(2, 'a'), step(9, 'b')]]
    const expansions = new Map<number, Expansion>()
    const queue = [9, 2]
    for (let next = 10; next < 210;) {
      const expanded = queue.shift() as number
      const retainers = Array.from({ length: MAX_FAN_IN }, (_, k) => retainer(next + k, `p${k}`))
      retainers.forEach((_, k) => queue.push(next + k))
      next += MAX_FAN_IN
      expansions.set(expanded, { retainers, total: MAX_FAN_IN + 3 })
    }
    const model = buildGraphModel(target, paths, expansions)
    expect(model.nodes.length).toBeGreaterThanOrEqual(200)
    const start = performance.now()
    await new LayeredLayout(elk).run(model)
    const elapsedMs = performance.now() - start
    console.log(`layered layout of ${model.nodes.length} nodes: ${elapsedMs.toFixed(0)} ms`)
    // The budget for a whole draw is 300 ms; on this shared 2-core machine allow slack.
    expect(elapsedMs).toBeLessThan(1500)
  })
})

describe('graph-model merged graphs of several objects', () => {
  const global = object(1, 'global')
  const map = object(2, 'Map')
  const table = object(3, { className: '(array)', type: 'array', name: '' })
  const records = [6, 7, 8].map((node) => object(node, 'Record'))
  // global.store -> Map -> table -> slot -> Record, for each record.
  const pathTo = (record: ObjectSummary, slot: string): PathStepDto[] => [
    step(global, null),
    step(map, 'store'),
    step(table, 'table', 'internal'),
    step(record, slot, 'internal'),
  ]
  const paths = records.map((record, k) => pathTo(record, String(68 + 3 * k)))

  it('merges the paths of several objects: the shared prefix once, every object a target', () => {
    const model = buildGraphModel(records, paths, new Map(), { showInternals: true })
    expect(idsOf(model)).toEqual(['n1', 'n2', 'n3', 'n6', 'n7', 'n8'])
    expect(model.nodes.filter((node) => node.kind === 'target').map((node) => node.id)).toEqual([
      'n6',
      'n7',
      'n8',
    ])
    expect(model.edges.filter((edge) => edge.source === 'n1')).toHaveLength(1)
    expect(model.edges.filter((edge) => edge.source === 'n3')).toHaveLength(3)
  })

  it("folds the shared Map's table into one entry per object", () => {
    const model = buildGraphModel(records, paths, new Map())
    expect(idsOf(model)).toEqual(['n1', 'n2', 'n6', 'n7', 'n8'])
    expect(edgesOf(model)).toEqual([
      'n1->n2 .store',
      'n2->n6 entry',
      'n2->n7 entry',
      'n2->n8 entry',
    ])
  })

  it('marks the highlighted objects as new, and only those', () => {
    const highlight = new Set([6, 8])
    const model = buildGraphModel(records, paths, new Map(), { highlight })
    expect(model.nodes.filter((node) => node.isNew).map((node) => node.id)).toEqual(['n6', 'n8'])
    expect(buildGraphModel(records, paths, new Map()).nodes.some((node) => node.isNew)).toBe(false)
    const dot = toDot(model)
    expect(dot).toContain('label="Record @13 (new)"')
    expect(dot).toContain('label="Record @15"')
  })

  it('lays several objects out below their shared retainers, roots on top', async () => {
    // A fourth object deeper down, held by one of the others.
    const deeper = object(9, 'Payload')
    const deep = [...pathTo(records[0], '68'), step(deeper, 'payload')]
    const model = buildGraphModel([...records, deeper], [...paths, deep], new Map())
    const { ranks } = await new LayeredLayout(elk).run(model)
    expect(ranks.get('n1')).toBe(0)
    for (const id of ['n6', 'n7', 'n8']) expect(ranks.get(id)).toBeGreaterThan(ranks.get('n2') ?? 0)
    expect(ranks.get('n9')).toBeGreaterThan(ranks.get('n6') ?? 0)
    expect(cycleEdges(model).size).toBe(0)
  })
})

/** A CutResult with the fields the graph reads; the rest plain. */
function cutResult(
  from: ObjectSummary,
  edge: { type: string; name: string },
  target: ObjectSummary,
  more: Partial<CutResult> = {},
): CutResult {
  return {
    from,
    edge: { ...edge, edge: 0, isWeak: false },
    alsoCut: [],
    isRetaining: true,
    freedBytes: 0,
    freedCount: 0,
    target,
    targetWasReachable: true,
    targetFreed: false,
    stillAlivePath: null,
    stillAliveVia: null,
    largestFreed: [],
    ...more,
  }
}

describe('graph-model cuts (what frees it)', () => {
  const global = object(1, 'global')
  const map = object(2, 'Map')
  const table = object(3, { className: '(array)', type: 'array', name: '' })
  const keeper = object(4, 'Keeper')
  const array = object(6, 'Array')
  const item = object(7, 'Item')
  const store = object(5, { className: '(array)', type: 'array', name: '(object elements)' })
  // global.cache -> Map -> table -> 68 -> Array -> [3] -> Item (the direct edge and the store).
  const viaMap = [
    step(global, null),
    step(map, 'cache'),
    step(table, 'table', 'internal'),
    step(array, '68', 'internal'),
    step(item, '3', 'element'),
  ]
  const viaStore = [
    ...viaMap.slice(0, 4),
    step(store, 'elements', 'internal'),
    step(item, '3', 'internal'),
  ]
  // global.keeper -> Keeper -> .kept -> Array: keeps the array alive without the Map.
  const viaKeeper = [step(global, null), step(keeper, 'keeper'), step(array, 'kept'), viaMap[4]]

  const edgeTo = (model: GraphModel, source: string, target: string) => {
    const edge = model.edges.find((each) => each.source === source && each.target === target)
    if (!edge) throw new Error(`no edge ${source} -> ${target}`)
    return edge
  }

  it("names a folded edge's reference as the engine takes it", () => {
    const model = buildGraphModel(item, [viaMap, viaStore], new Map())
    // A Map entry is the hash table's slot; an array item is the array's own element edge.
    // These paths carry no edge ordinals: the reference goes by name.
    expect(cutReferenceOf(edgeTo(model, 'n2', 'n6'))).toEqual({
      from: 3,
      edge: null,
      edgeName: '68',
    })
    expect(cutReferenceOf(edgeTo(model, 'n6', 'n7'))).toEqual({
      from: 6,
      edge: null,
      edgeName: '3',
    })
    expect(cutReferenceOf(edgeTo(model, 'n1', 'n2'))).toEqual({
      from: 1,
      edge: null,
      edgeName: 'cache',
    })
    // A captured variable is the context's.
    const closure = object(8, { className: 'Function', type: 'closure', name: 'get' })
    const context = object(9, 'system / Context')
    const captured = [
      step(global, null),
      step(closure, 'get'),
      step(context, 'context', 'internal'),
      step(item, 'big', 'context'),
    ]
    const folded = buildGraphModel(item, [captured], new Map())
    expect(cutReferenceOf(edgeTo(folded, 'n8', 'n7'))).toEqual({
      from: 9,
      edge: null,
      edgeName: 'big',
    })
    // An "N more" node stands for several references: nothing to cut.
    const expansions = new Map([[7, { retainers: [retainer(30, 'r')], total: 50 }]])
    const more = buildGraphModel(item, [viaMap], expansions)
    expect(cutReferenceOf(edgeTo(more, 'more-7', 'n7'))).toBeNull()
  })

  it('marks the cut edge and its drawn copies, greys the freed objects', () => {
    const shown = buildGraphModel(item, [viaMap, viaStore], new Map(), { showInternals: true })
    const own = edgeTo(shown, 'n6', 'n7')
    const result = cutResult(array, { type: 'element', name: '3' }, item, {
      alsoCut: [{ from: store, edge: { type: 'internal', name: '3', edge: 1, isWeak: false } }],
      freedCount: 1,
      freedBytes: 10,
      targetFreed: true,
    })
    const cut = graphCutOf(own, result, new Set([7]))
    const model = buildGraphModel(item, pathsWithCut([viaMap, viaStore], cut), new Map(), {
      showInternals: true,
      cut,
    })
    const cutEdges = model.edges.filter((edge) => edge.isCut).map((edge) => edge.id)
    expect(cutEdges.sort()).toEqual([own.id, edgeTo(shown, 'n5', 'n7').id].sort())
    expect(model.nodes.filter((node) => node.isFreed).map((node) => node.id)).toEqual(['n7'])
    expect(model.edges.some((edge) => edge.isOnAlivePath)).toBe(false)
  })

  it('names a reference by its edge ordinal where the path carries one', () => {
    const withOrdinals = viaMap
      .slice(0, 4)
      .map((step, position) =>
        step.edge ? { ...step, edge: { ...step.edge, ordinal: 100 + position } } : step,
      )
    const model = buildGraphModel(array, [withOrdinals], new Map())
    const entry = edgeTo(model, 'n2', 'n6')
    // The folded entry is the table's slot: its own ordinal, from the table.
    expect(cutReferenceOf(entry)).toEqual({ from: 3, edge: 103, edgeName: '68' })
    expect(cutReferenceOf(edgeTo(model, 'n1', 'n2'))).toEqual({
      from: 1,
      edge: 101,
      edgeName: 'cache',
    })
  })

  it('merges the path that keeps the target alive, marked, and undoes to the same model', () => {
    const before = buildGraphModel(array, [viaMap.slice(0, 4)], new Map())
    const entry = edgeTo(before, 'n2', 'n6')
    const alivePath = viaKeeper.slice(0, 3)
    const result = cutResult(table, { type: 'internal', name: '68' }, array, {
      stillAlivePath: alivePath,
      stillAliveVia: 'gc-root',
    })
    const cut: GraphCut = graphCutOf(entry, result, new Set())
    expect(cut.references).toEqual([{ from: 3, edge: 0, edgeName: '68' }])
    const paths = pathsWithCut([viaMap.slice(0, 4)], cut)
    const model = buildGraphModel(array, paths, new Map(), { cut })
    expect(edgeTo(model, 'n2', 'n6').isCut).toBe(true)
    expect(idsOf(model)).toEqual(['n1', 'n2', 'n4', 'n6'])
    expect(
      model.nodes
        .filter((node) => node.isOnAlivePath)
        .map((node) => node.id)
        .sort(),
    ).toEqual(['n1', 'n4', 'n6'])
    const alive = model.edges.filter((edge) => edge.isOnAlivePath).map((edge) => edge.label)
    expect(alive.sort()).toEqual(['.keeper', '.kept'])
    expect(model.nodes.some((node) => node.isFreed)).toBe(false)
    // Undo: without the cut the model is the one before it, exactly.
    const undone = buildGraphModel(array, pathsWithCut([viaMap.slice(0, 4)], null), new Map())
    expect(undone).toEqual(before)
    // A new cut replaces the previous one: applyCut starts from the marks of no cut.
    const other = graphCutOf(
      edgeTo(model, 'n1', 'n2'),
      cutResult(global, { type: 'property', name: 'cache' }, array),
      new Set([2]),
    )
    const replaced = applyCut(model, other)
    expect(replaced.edges.filter((each) => each.isCut).map((each) => each.source)).toEqual(['n1'])
    expect(replaced.nodes.filter((node) => node.isFreed).map((node) => node.id)).toEqual(['n2'])
    expect(replaced.nodes.some((node) => node.isOnAlivePath)).toBe(false)
  })

  it('draws the cut in the SVG and DOT exports', () => {
    const before = buildGraphModel(array, [viaMap.slice(0, 4)], new Map())
    const entry = edgeTo(before, 'n2', 'n6')
    const result = cutResult(table, { type: 'internal', name: '68' }, array, { targetFreed: true })
    const cut = graphCutOf(entry, result, new Set([6]))
    const model = buildGraphModel(array, [viaMap.slice(0, 4)], new Map(), { cut })
    const positions = new Map(
      model.nodes.map((node, k): [string, Point] => [node.id, { x: k * 40, y: k * 60 }]),
    )
    const svg = toSvg(model, positions)
    expectWellFormed(svg)
    expect(svg).toContain('✂ entry')
    expect(svg).toContain('(freed by the cut)')
    expect(toDot(model)).toContain('label="✂ entry", style=dashed')
  })

  it('asks about the target below a cut edge, in a merged graph the nearest one', () => {
    const other = object(11, 'Other')
    const model = buildGraphModel(
      [item, other],
      [viaMap, [step(global, null), step(other, 'other')]],
      new Map(),
    )
    expect(cutTargetOf(model, edgeTo(model, 'n1', 'n2'))).toBe(7)
    expect(cutTargetOf(model, edgeTo(model, 'n1', 'n11'))).toBe(11)
  })

  it('finds the drawn objects a cut frees: those the head dominates', async () => {
    // Dominator tree: 1 <- 2 <- 6 <- 7; the keeper 4 under 1. Cutting the entry frees 6 and 7.
    const dominators = new Map<number, ObjectSummary>([
      [2, global],
      [4, global],
      [6, map],
      [7, array],
    ])
    const asked: number[] = []
    const lookup: DominatorLookup = async (node) => {
      asked.push(node)
      return dominators.get(node) ?? null
    }
    const model = buildGraphModel(item, [viaMap, viaKeeper], new Map())
    expect([...(await freedDrawnNodes(model, 6, lookup))].sort()).toEqual([6, 7])
    // Nodes no farther from the roots than the head are never looked up.
    expect(asked.sort()).toEqual([7])
    asked.length = 0
    expect([...(await freedDrawnNodes(model, 2, lookup))].sort()).toEqual([2, 6, 7])
    // Each dominator is looked up once, also where two walks pass it (7 then 6).
    expect(asked.sort()).toEqual([4, 6, 7])
  })
})

/** Checks that `xml` is well-formed enough for any parser: balanced tags, quoted attributes. */
function expectWellFormed(xml: string): void {
  const stack: string[] = []
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '')
  expect(body).not.toMatch(/&(?!(#\d+|amp|lt|gt|quot|apos);)/)
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match
    if (selfClosing) continue
    if (closing) expect(stack.pop()).toBe(name)
    else stack.push(name)
  }
  expect(stack).toEqual([])
  // Every '<' starts a tag the pattern above accepted.
  const tags = body.match(/<[^>]*>/g) ?? []
  expect(body.split('<').length - 1).toBe(tags.length)
}

describe('graph-model SVG export', () => {
  const target = object(9, 'Leaked<T>')
  const paths = [[step(1, null), step(2, 'say "hi" & <go>'), step(9, 'item')]]

  it('writes a well-formed standalone SVG with every label, escaped', () => {
    const model = buildGraphModel(target, paths, new Map())
    const positions = new Map<string, Point>([
      ['n1', { x: 0, y: 0 }],
      ['n2', { x: 40, y: 100 }],
      ['n9', { x: 0, y: 200 }],
    ])
    const svg = toSvg(model, positions, 'Retainers of Leaked<T>')
    expectWellFormed(svg)
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"')
    expect(svg).toContain('Leaked&#60;T&#62; @19')
    expect(svg).toContain('C1 @3')
    expect(svg).toContain('[&#34;say \\&#34;hi\\&#34; &#38; &#60;go&#62;&#34;]')
    expect(svg.match(/<line /g)).toHaveLength(2)
    expect(svg.match(/<circle /g)).toHaveLength(2) // the root is a square
    const [x, top, width, height] = (/viewBox="([^"]+)"/.exec(svg)?.[1] ?? '')
      .split(' ')
      .map(Number)
    expect(x).toBeLessThan(0)
    expect(top).toBeLessThan(0)
    expect(x + width).toBeGreaterThan(40)
    expect(top + height).toBeGreaterThan(200)
  })

  it('draws weak edges dashed and rings cycle members', () => {
    const expansions = new Map([[9, { retainers: [retainer(4, 'w', true)], total: 1 }]])
    const cycles = new Map<number, string | null>([
      [1, null],
      [2, 'k/2'],
      [9, 'k/2'],
      [4, null],
    ])
    const model = buildGraphModel(target, paths, expansions, { showWeak: true, cycles })
    const positions = new Map(
      model.nodes.map((node, k): [string, Point] => [node.id, { x: k * 50, y: k * 60 }]),
    )
    const svg = toSvg(model, positions)
    expectWellFormed(svg)
    expect(svg.match(/stroke-dasharray="5 3"/g)).toHaveLength(1)
    expect(svg.match(/stroke="#bf8700"/g)).toHaveLength(2)
    expect(svg).toContain('(in cycle 1)')
  })

  it('writes an empty but valid document when nothing is placed', () => {
    const svg = toSvg(buildGraphModel(target, paths, new Map()), new Map())
    expectWellFormed(svg)
  })
})

describe('format edge labels', () => {
  it('shows synthetic roots by name, and notes a path that starts at running code', () => {
    const [global, map, leaked] = [object(7, 'global'), object(8, 'Map'), object(9, 'Leaked')]
    const root = object(1, { className: '(synthetic)', type: 'synthetic', name: '(GC roots)' })
    const stack = object(2, { className: '(synthetic)', type: 'synthetic', name: '(Stack roots)' })
    const handles = object(4, {
      className: '(synthetic)',
      type: 'synthetic',
      name: '(Handle scope)',
    })
    expect(displayClass(stack)).toBe('(Stack roots)')
    expect(displayClass(leaked)).toBe(leaked.className)
    const model = buildGraphModel(
      leaked,
      [[step(root, null), step(stack, '7', 'element')]],
      new Map(),
    )
    expect(model.nodes.map((node) => node.label)).toContain('(Stack roots) @5')

    expect(runningCodeNote([step(root, null), step(stack, '7'), step(leaked, '23')])).toMatch(
      /^Held from \(Stack roots\): code was running when the snapshot was taken/,
    )
    expect(runningCodeNote([step(root, null), step(handles, '3'), step(leaked, '1')])).toMatch(
      /^Held from \(Handle scope\)/,
    )
    expect(runningCodeNote([step(global, null), step(map, 'cache'), step(leaked, '3')])).toBeNull()
  })

  it('prints properties, indices, captured variables and internals as JavaScript reads them', () => {
    expect(formatEdge('property', 'leakCache')).toBe('.leakCache')
    expect(formatEdge('property', '#secret')).toBe('.#secret')
    expect(formatEdge('property', 'get process')).toBe('["get process"]')
    expect(formatEdge('property', 'a-b')).toBe('["a-b"]')
    expect(formatEdge('element', '3')).toBe('[3]')
    expect(formatEdge('context', 'capturedBigArray')).toBe('->capturedBigArray')
    expect(formatEdge('internal', 'elements')).toBe('{elements}')
    expect(formatEdge('weak', 'target')).toBe('[[target]]')
  })
})
