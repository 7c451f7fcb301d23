// The lazily loaded trees' row model (Containment, Dominators) without a DOM: a hand-checked
// tree with loading, "Show more", error, leaf and cyclic rows; a brute-force recursive flattening
// on random trees; a path ten thousand deep; the active row's fallback and the arrow keys.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  childPath,
  flattenTree,
  nearestRow,
  parentPath,
  ROOT_PATH,
  statusKey,
  stepLeft,
  stepRight,
  type ChildList,
  type TreeRow,
} from '../../shared/view/tree-rows'

/** A tree item: a node ordinal, as the Dominators tree keys its children. */
interface Item {
  node: number
}

const keyOf = (item: Item): string => String(item.node)

function list(nodes: number[], fields: Partial<ChildList<Item>> = {}): ChildList<Item> {
  return {
    items: nodes.map((node) => ({ node })),
    total: nodes.length,
    loading: false,
    error: null,
    ...fields,
  }
}

/** A row reduced to what a test reads. */
function brief(row: TreeRow<Item>): string {
  if (row.kind === 'status') {
    return `${'  '.repeat(row.depth)}[${row.status} ${row.shown}/${row.total}${row.error ? ' ' + row.error : ''}]`
  }
  const marker = row.leaf ? '·' : row.expanded ? '▾' : '▸'
  return `${'  '.repeat(row.depth)}${marker} ${row.item.node}`
}

describe('tree-rows', () => {
  it('flattens a hand-checked tree with its loading, more, error, leaf and cyclic rows', () => {
    const lists = new Map<string, ChildList<Item>>([
      // The root: 3 of 5 children loaded.
      [ROOT_PATH, list([1, 2, 3], { total: 5 })],
      // 1 refers to 4, 5 and itself (a cycle).
      ['/1', list([4, 5, 1])],
      ['/1/5', list([])],
      // 1 again, under itself: its first page came back, the second is on its way.
      ['/1/1', list([4], { total: 3, loading: true })],
      ['/2', list([], { total: null, error: 'engine gone' })],
      // Loaded and expanded under 3, which is collapsed: kept, not shown.
      ['/3', list([6])],
      ['/3/6', list([7])],
    ])
    const expanded = new Set(['/1', '/1/4', '/1/5', '/1/1', '/2', '/3/6'])
    const rows = flattenTree(lists, expanded, keyOf)
    expect(rows.map(brief)).toEqual([
      '▾ 1',
      '  ▾ 4',
      '    [loading 0/0]',
      '  · 5',
      '  ▾ 1',
      '    ▸ 4',
      '    [loading 1/3]',
      '▾ 2',
      '  [error 0/0 engine gone]',
      '▸ 3',
      '[more 3/5]',
    ])
    expect(rows.map((row) => row.key)).toEqual([
      '/1',
      '/1/4',
      '/1/4#status',
      '/1/5',
      '/1/1',
      '/1/1/4',
      '/1/1#status',
      '/2',
      '/2#status',
      '/3',
      '#status',
    ])
    expect(rows.map((row) => row.parent)).toEqual([
      '',
      '/1',
      '/1/4',
      '/1',
      '/1',
      '/1/1',
      '/1/1',
      '',
      '/2',
      '',
      '',
    ])
  })

  it('shows a loading row before the root answers, and nothing for an empty root', () => {
    expect(flattenTree(new Map(), new Set(), keyOf).map(brief)).toEqual(['[loading 0/0]'])
    expect(flattenTree(new Map([[ROOT_PATH, list([])]]), new Set(), keyOf)).toEqual([])
  })

  it('follows a cycle only as deep as it is expanded, even ten thousand levels', () => {
    // 0 -> 0: every level is the same node, a new path each time.
    const lists = new Map<string, ChildList<Item>>()
    const expanded = new Set<string>()
    let path = ROOT_PATH
    for (let depth = 0; depth < 10_000; depth++) {
      lists.set(path, list([0]))
      path = childPath(path, '0')
      expanded.add(path)
    }
    const rows = flattenTree(lists, expanded, keyOf)
    // 10 000 rows of node 0, the deepest expanded and waiting for its children.
    expect(rows).toHaveLength(10_001)
    expect(rows[9_999]).toMatchObject({ kind: 'item', depth: 9_999, expanded: true })
    expect(rows[10_000]).toMatchObject({ kind: 'status', status: 'loading', depth: 10_000 })
    expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length)
  })

  it('agrees with a brute-force recursive flattening on random trees', () => {
    interface Spec {
      node: number
      expanded: boolean
      state: 'unasked' | 'done' | 'loading' | 'error'
      loaded: number
      children: Spec[]
    }
    /** Trees at most `depth` levels deep (each level's child nodes distinct, as a page's are). */
    const treeOf = (depth: number): fc.Arbitrary<Spec> =>
      fc.record({
        // Few node ordinals, so the same node shows under several parents (and under itself).
        node: fc.nat(4),
        expanded: fc.boolean(),
        state: fc.constantFrom<Spec['state']>('unasked', 'done', 'done', 'loading', 'error'),
        loaded: fc.nat(5),
        children:
          depth === 0
            ? fc.constant([])
            : fc.uniqueArray(treeOf(depth - 1), { maxLength: 4, selector: (child) => child.node }),
      })
    const tree = treeOf(5)
    const shownChildren = (spec: Spec): Spec[] =>
      spec.state === 'unasked' ? [] : spec.children.slice(0, spec.loaded)

    /** The model's inputs: every spec's list and expansion, shown or not. */
    function inputs(root: Spec): [Map<string, ChildList<Item>>, Set<string>] {
      const lists = new Map<string, ChildList<Item>>()
      const expanded = new Set<string>()
      const visit = (spec: Spec, path: string): void => {
        if (spec.expanded && path !== ROOT_PATH) expanded.add(path)
        if (spec.state !== 'unasked') {
          const items = shownChildren(spec).map((child) => ({ node: child.node }))
          lists.set(path, {
            items,
            total: spec.state === 'loading' && items.length === 0 ? null : spec.children.length,
            loading: spec.state === 'loading',
            error: spec.state === 'error' ? 'failed' : null,
          })
        }
        // Children not loaded yet still get lists and expansions: they must not show.
        for (const child of spec.children) visit(child, `${path}/${child.node}`)
      }
      visit(root, ROOT_PATH)
      return [lists, expanded]
    }

    /** The rows by the definition, recursively from the specs. */
    function oracle(spec: Spec, path: string, depth: number, out: string[]): void {
      for (const child of shownChildren(spec)) {
        const leaf = child.state === 'done' && child.children.length === 0
        const open = child.expanded && !leaf
        out.push(`${depth} ${path}/${child.node} ${leaf ? 'leaf' : open ? 'open' : 'closed'}`)
        if (open) oracle(child, `${path}/${child.node}`, depth + 1, out)
      }
      const shown = shownChildren(spec).length
      let status: string | null = null
      if (spec.state === 'unasked' || spec.state === 'loading') status = 'loading'
      else if (spec.state === 'error') status = 'error'
      else if (shown < spec.children.length) status = 'more'
      if (status) out.push(`${depth} ${path}#status ${status} ${shown}`)
    }

    fc.assert(
      fc.property(tree, (root) => {
        // The root is asked for as soon as the view opens.
        const [lists, expanded] = inputs(root)
        const rows = flattenTree(lists, expanded, keyOf)
        const expected: string[] = []
        oracle(root, ROOT_PATH, 0, expected)
        expect(
          rows.map((row) =>
            row.kind === 'item'
              ? `${row.depth} ${row.key} ${row.leaf ? 'leaf' : row.expanded ? 'open' : 'closed'}`
              : `${row.depth} ${row.key} ${row.status} ${row.shown}`,
          ),
        ).toEqual(expected)
        // Keys are unique; each row's parent is the root or an expanded row above it.
        expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length)
        rows.forEach((row, position) => {
          if (row.parent === ROOT_PATH) return expect(row.depth).toBe(0)
          const parent = rows.slice(0, position).findLast((above) => above.key === row.parent)
          expect(parent).toMatchObject({ kind: 'item', expanded: true, depth: row.depth - 1 })
        })
      }),
      { numRuns: 300 },
    )
  })

  it('finds the active row, or its nearest shown ancestor once it is gone', () => {
    const lists = new Map<string, ChildList<Item>>([
      [ROOT_PATH, list([1, 2])],
      ['/1', list([3], { total: 10 })],
    ])
    const open = flattenTree(lists, new Set(['/1']), keyOf)
    expect(nearestRow(open, '/1/3')).toBe(1)
    expect(nearestRow(open, statusKey('/1'))).toBe(2)
    const closed = flattenTree(lists, new Set(), keyOf)
    // Collapsed: a child and the status row fall back to the row they were under.
    expect(nearestRow(closed, '/1/3')).toBe(0)
    expect(nearestRow(closed, statusKey('/1'))).toBe(0)
    expect(nearestRow(closed, '/1/3/9/9')).toBe(0)
    expect(nearestRow(closed, '/7')).toBe(-1)
    expect(nearestRow(closed, statusKey(ROOT_PATH))).toBe(-1)
    expect(nearestRow(closed, null)).toBe(-1)
    expect(parentPath('/1/3')).toBe('/1')
    expect(parentPath('/1')).toBe(ROOT_PATH)
  })

  it('expands with Right, enters with Right again, goes up and collapses with Left', () => {
    const lists = new Map<string, ChildList<Item>>([
      [ROOT_PATH, list([1, 2, 3])],
      ['/1', list([4], { total: 2 })],
      ['/2', list([])],
    ])
    const rows = flattenTree(lists, new Set(['/1', '/2']), keyOf)
    expect(rows.map(brief)).toEqual(['▾ 1', '  ▸ 4', '  [more 1/2]', '· 2', '▸ 3'])
    expect(stepRight(rows, 0)).toEqual({ action: 'move', position: 1 })
    expect(stepRight(rows, 1)).toEqual({ action: 'expand', key: '/1/4' })
    expect(stepRight(rows, 2)).toBeNull()
    // A leaf has nothing to expand.
    expect(stepRight(rows, 3)).toBeNull()
    expect(stepRight(rows, 4)).toEqual({ action: 'expand', key: '/3' })
    expect(stepLeft(rows, 0)).toEqual({ action: 'collapse', key: '/1' })
    expect(stepLeft(rows, 1)).toEqual({ action: 'move', position: 0 })
    expect(stepLeft(rows, 2)).toEqual({ action: 'move', position: 0 })
    expect(stepLeft(rows, 4)).toBeNull()
    // Expanded while its first page loads: Right enters the loading row.
    const loading = flattenTree(new Map([[ROOT_PATH, list([1])]]), new Set(['/1']), keyOf)
    expect(stepRight(loading, 0)).toEqual({ action: 'move', position: 1 })
  })
})
