// The renderer's table and find logic without a DOM: the virtual window of a fixed-row-height
// table, the Summary's sort/filter/flatten, the find box's ranking and the Ctrl+F test.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ClassSummary, ObjectSummary } from '../../shared/protocol'
import * as find from '../../shared/view/find-results'
import * as shortcut from '../../shared/view/shortcuts'
import * as summary from '../../shared/view/summary-rows'
import * as windowLogic from '../../shared/view/virtual-window'

function classEntry(className: string, fields: Partial<ClassSummary> = {}): ClassSummary {
  return {
    classKey: ',' + className,
    className,
    count: 1,
    selfSize: 10,
    retainedSize: 10,
    distance: 1,
    ...fields,
  }
}

function object(node: number, className = 'Array'): ObjectSummary {
  return {
    node,
    id: node * 2 + 1,
    type: 'object',
    name: className,
    className,
    label: className,
    selfSize: 16,
    retainedSize: 16,
    distance: 2,
  }
}

describe('virtual-window', () => {
  it('renders the rows in view plus the overscan, clamped to the list', () => {
    const base = { bodyHeight: 300, rowHeight: 30, rowCount: 10_000, overscan: 5 }
    expect(windowLogic.visibleRows({ ...base, scrollTop: 0 })).toEqual({ first: 0, last: 16 })
    expect(windowLogic.visibleRows({ ...base, scrollTop: 3000 })).toEqual({ first: 95, last: 116 })
    expect(windowLogic.visibleRows({ ...base, scrollTop: 299_700 })).toEqual({
      first: 9985,
      last: 10_000,
    })
    expect(windowLogic.visibleRows({ ...base, rowCount: 0, scrollTop: 0 })).toEqual({
      first: 0,
      last: 0,
    })
  })

  it('covers every visible row and renders a bounded number of rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.integer({ min: 0, max: 20 }),
        (rowCount, bodyHeight, scrollTop, overscan) => {
          const rowHeight = 30
          const range = windowLogic.visibleRows({
            scrollTop,
            bodyHeight,
            rowHeight,
            rowCount,
            overscan,
          })
          expect(range.first).toBeGreaterThanOrEqual(0)
          expect(range.first).toBeLessThanOrEqual(range.last)
          expect(range.last).toBeLessThanOrEqual(rowCount)
          expect(range.last - range.first).toBeLessThanOrEqual(
            Math.ceil(bodyHeight / rowHeight) + 1 + 2 * overscan,
          )
          // Every row that intersects the viewport is rendered.
          const firstSeen = Math.floor(scrollTop / rowHeight)
          const lastSeen = Math.min(rowCount, Math.ceil((scrollTop + bodyHeight) / rowHeight))
          for (let row = firstSeen; row < lastSeen; row++) {
            expect(row >= range.first && row < range.last).toBe(true)
          }
        },
      ),
    )
  })

  it('lays out gaps and rows that add up to the whole list, keeping the active row', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.integer({ min: 0, max: 499 })),
        (rowCount, first, size, active) => {
          const range = { first: Math.min(first, rowCount), last: Math.min(first + size, rowCount) }
          const plan = windowLogic.renderPlan(range, rowCount, active)
          let position = 0
          const rendered: number[] = []
          for (const segment of plan) {
            if (segment.kind === 'gap') {
              expect(segment.rowCount).toBeGreaterThan(0)
              position += segment.rowCount
            } else {
              expect(segment.row).toBe(position)
              rendered.push(segment.row)
              position++
            }
          }
          expect(position).toBe(rowCount)
          if (active !== null && active < rowCount) expect(rendered).toContain(active)
          for (let row = range.first; row < range.last; row++) expect(rendered).toContain(row)
        },
      ),
    )
    expect(windowLogic.renderPlan({ first: 10, last: 12 }, 100, 50)).toEqual([
      { kind: 'gap', rowCount: 10 },
      { kind: 'row', row: 10 },
      { kind: 'row', row: 11 },
      { kind: 'gap', rowCount: 38 },
      { kind: 'row', row: 50 },
      { kind: 'gap', rowCount: 49 },
    ])
  })

  it('scrolls as little as possible to reveal a row', () => {
    const view = { scrollTop: 300, bodyHeight: 300, rowHeight: 30 }
    expect(windowLogic.revealScrollTop({ ...view, row: 12 })).toBe(300)
    expect(windowLogic.revealScrollTop({ ...view, row: 5 })).toBe(150)
    expect(windowLogic.revealScrollTop({ ...view, row: 20 })).toBe(330)
    expect(windowLogic.revealScrollTop({ ...view, row: 0 })).toBe(0)
  })

  it('moves the active row with arrows, pages and Home/End, within the list', () => {
    const move = windowLogic.moveActiveRow
    expect(move('ArrowDown', 3, 10, 4)).toBe(4)
    expect(move('ArrowDown', 9, 10, 4)).toBe(9)
    expect(move('ArrowUp', 0, 10, 4)).toBe(0)
    expect(move('PageDown', 3, 10, 4)).toBe(7)
    expect(move('PageUp', 3, 10, 4)).toBe(0)
    expect(move('Home', 5, 10, 4)).toBe(0)
    expect(move('End', 5, 10, 4)).toBe(9)
    expect(move('Enter', 5, 10, 4)).toBeNull()
    expect(move('ArrowDown', 0, 0, 4)).toBeNull()
  })
})

describe('summary-rows', () => {
  const classes = [
    classEntry('Array', { count: 5, retainedSize: 500, selfSize: 50, distance: 3 }),
    classEntry('(string)', { count: 50, retainedSize: 300, selfSize: 300, distance: 2 }),
    classEntry('Map', { count: 1, retainedSize: 900, selfSize: 40, distance: null }),
    classEntry('ArrayBuffer', { count: 2, retainedSize: 300, selfSize: 20, distance: 1 }),
  ]
  const names = (list: ClassSummary[]): string[] => list.map((entry) => entry.className)

  it('filters by class name, ignoring case', () => {
    expect(names(summary.filterClasses(classes, 'array'))).toEqual(['Array', 'ArrayBuffer'])
    expect(summary.filterClasses(classes, '  ')).toHaveLength(4)
  })

  it('sorts by any column in either direction, with ties broken by class key', () => {
    const sort = summary.sortClasses
    expect(names(sort(classes, { column: 'retainedSize', direction: 'descending' }))).toEqual([
      'Map',
      'Array',
      '(string)',
      'ArrayBuffer',
    ])
    expect(names(sort(classes, { column: 'count', direction: 'ascending' }))).toEqual([
      'Map',
      'ArrayBuffer',
      'Array',
      '(string)',
    ])
    expect(names(sort(classes, { column: 'className', direction: 'ascending' }))).toEqual([
      '(string)',
      'Array',
      'ArrayBuffer',
      'Map',
    ])
    // Unreachable (null distance) sorts as the farthest.
    expect(names(sort(classes, { column: 'distance', direction: 'ascending' }))).toEqual([
      'ArrayBuffer',
      '(string)',
      'Array',
      'Map',
    ])
    expect(classes.map((entry) => entry.className)[0]).toBe('Array')
  })

  it('flips the direction on the same column and starts a new one large-first', () => {
    const start: summary.ClassSort = { column: 'retainedSize', direction: 'descending' }
    expect(summary.nextSort(start, 'retainedSize').direction).toBe('ascending')
    expect(summary.nextSort(start, 'count')).toEqual({ column: 'count', direction: 'descending' })
    expect(summary.nextSort(start, 'className').direction).toBe('ascending')
  })

  it('flattens expanded classes into member rows and a status row', () => {
    const list = classes.slice(0, 2)
    const expanded = new Set([',Array', ',(string)'])
    const members = new Map<string, summary.MemberList>([
      [',Array', { items: [object(1), object(2)], total: 5, loading: false, error: null }],
      [',(string)', { items: [], total: null, loading: true, error: null }],
    ])
    const rows = summary.flattenRows(list, expanded, members)
    expect(rows.map((row) => (row.kind === 'status' ? `status:${row.status}` : row.kind))).toEqual([
      'class',
      'member',
      'member',
      'status:more',
      'class',
      'status:loading',
    ])
    expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length)
    const complete = new Map(members).set(',Array', {
      items: [object(1), object(2)],
      total: 2,
      loading: false,
      error: null,
    })
    expect(summary.flattenRows(list, new Set([',Array']), complete).map((row) => row.kind)).toEqual(
      ['class', 'member', 'member', 'class'],
    )
  })
})

describe('find-results', () => {
  it('tells an @id from a name', () => {
    expect(find.isIdQuery('@123')).toBe(true)
    expect(find.isIdQuery(' 42 ')).toBe(true)
    expect(find.isIdQuery('Array')).toBe(false)
    expect(find.isIdQuery('@12a')).toBe(false)
  })

  it('lists the class named exactly as typed first, then objects', () => {
    const classes = [classEntry('(array)'), classEntry('ArrayBuffer'), classEntry('Array')]
    const ranked = (text: string): string[] =>
      find.rankClasses(classes, text).map((entry) => entry.className)
    expect(ranked('array')).toEqual(['Array', '(array)', 'ArrayBuffer'])
    expect(ranked('(ARRAY)')).toEqual(['(array)', 'ArrayBuffer', 'Array'])
    expect(ranked('rray')).toEqual(['(array)', 'ArrayBuffer', 'Array'])
    const options = find.buildOptions(classes, [object(7)], 'Array')
    expect(options.map((option) => option.kind)).toEqual(['class', 'class', 'class', 'object'])
    expect(options[0].key).toBe('class:,Array')
  })
})

describe('use-find-shortcut', () => {
  const keys = {
    key: 'f',
    code: 'KeyF',
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
  }
  it('is Ctrl+F or Cmd+F with no other modifier', () => {
    expect(shortcut.isFindShortcut({ ...keys, ctrlKey: true })).toBe(true)
    expect(shortcut.isFindShortcut({ ...keys, metaKey: true })).toBe(true)
    expect(shortcut.isFindShortcut({ ...keys, key: 'F', ctrlKey: true })).toBe(true)
    expect(shortcut.isFindShortcut(keys)).toBe(false)
    expect(shortcut.isFindShortcut({ ...keys, ctrlKey: true, shiftKey: true })).toBe(false)
    expect(shortcut.isFindShortcut({ ...keys, key: 'g', code: 'KeyG', ctrlKey: true })).toBe(false)
  })
})
