// The retainer graph's model: paths merged by node, expansions folded into "N more", weak
// references hidden unless asked for, and a DOT export that Graphviz accepts.
import { describe, expect, it } from 'vitest'
import type { ObjectSummary, PathStepDto, Reference } from '../../shared/protocol'
import { buildGraphModel, MAX_FAN_IN, toDot } from '../../shared/view/graph-model'

const object = (node: number, className = `C${node}`): ObjectSummary => ({
  node,
  id: node * 2 + 1,
  type: 'object',
  name: className,
  className,
  selfSize: 10,
  retainedSize: 100 - node,
  distance: node,
})

const step = (node: number, edgeName: string | null): PathStepDto => ({
  node: object(node),
  edge: edgeName === null ? null : { type: 'property', name: edgeName },
})

const retainer = (node: number, name: string, isWeak = false): Reference => ({
  node: object(node),
  edge: { edge: node, type: isWeak ? 'weak' : 'property', name, isWeak },
})

describe('graph-model', () => {
  const target = object(9, 'Leaked')
  const paths = [
    [step(1, null), step(2, 'cache'), step(9, 'item')],
    [step(1, null), step(3, 'other'), step(9, 'again')],
  ]

  it('merges retainer paths by node, the roots and the target marked', () => {
    const model = buildGraphModel(target, paths, new Map(), false)
    expect(model.nodes.map((node) => [node.id, node.kind]).sort()).toEqual(
      [
        ['n1', 'root'],
        ['n2', 'object'],
        ['n3', 'object'],
        ['n9', 'target'],
      ].sort(),
    )
    expect(
      model.edges.map((edge) => `${edge.source}->${edge.target} ${edge.label}`).sort(),
    ).toEqual(['n1->n2 .cache', 'n1->n3 .other', 'n2->n9 .item', 'n3->n9 .again'].sort())
  })

  it('folds a large fan-in into an "N more" node and hides weak references by default', () => {
    const retainers = [
      retainer(20, 'w', true),
      ...Array.from({ length: 20 }, (_, k) => retainer(30 + k, `r${k}`)),
    ]
    const expansions = new Map([[9, { retainers, total: 1000 }]])
    const model = buildGraphModel(target, paths, expansions, false)
    const into = model.edges.filter((edge) => edge.target === 'n9').map((edge) => edge.source)
    // Two from the paths, MAX_FAN_IN expanded retainers (the weak one skipped), one "N more".
    expect(into.length).toBe(2 + MAX_FAN_IN + 1)
    expect(into.filter((source) => /^n(3\d|4\d)$/.test(source))).toHaveLength(MAX_FAN_IN)
    expect(model.nodes.some((node) => node.id === 'n20')).toBe(false)
    const more = model.nodes.find((node) => node.kind === 'more')
    expect(more?.label).toBe(`${(1000 - MAX_FAN_IN).toLocaleString('en-US')} more`)
    const shown = buildGraphModel(target, paths, expansions, true)
    expect(shown.edges.find((edge) => edge.source === 'n20')?.isWeak).toBe(true)
  })

  it('writes DOT with quoted labels', () => {
    const dot = toDot(buildGraphModel(object(9, 'Say "hi"'), paths, new Map(), false))
    expect(dot.startsWith('digraph retainers {')).toBe(true)
    expect(dot).toContain('"n2" -> "n9" [label=".item"];')
    expect(dot).toContain('label="Say \\"hi\\" @19"')
  })
})
