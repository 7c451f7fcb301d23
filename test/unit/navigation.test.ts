// The workbench's history (shared/view/navigation.ts) against a plain-list model: Back and
// Forward walk the places, a new place drops the forward ones, repeating a place adds nothing,
// and forgetting a closed snapshot removes its places and lands where the user was before.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  reduceHistory,
  START,
  type History,
  type HistoryAction,
  type Place,
} from '../../shared/view/navigation'

const place = (snapshotId: string | null, node: number | null = null): Place => ({
  view: snapshotId === null ? 'start' : 'summary',
  snapshotId,
  node,
})

function run(actions: HistoryAction[]): History {
  return actions.reduce(reduceHistory, { entries: [START], index: 0 })
}

describe('the history', () => {
  it('walks back and forward, and a new place drops the forward ones', () => {
    const a = place('a')
    const b = place('a', 7)
    const c = place('b')
    let history = run([
      { type: 'go', place: a },
      { type: 'go', place: b },
      { type: 'go', place: b },
    ])
    expect(history.entries).toEqual([START, a, b])
    history = reduceHistory(history, { type: 'back' })
    expect(history.entries[history.index]).toBe(a)
    history = reduceHistory(history, { type: 'forward' })
    expect(history.entries[history.index]).toBe(b)
    history = reduceHistory(history, { type: 'back' })
    history = reduceHistory(history, { type: 'go', place: c })
    expect(history.entries).toEqual([START, a, c])
    expect(
      reduceHistory(reduceHistory(history, { type: 'forward' }), { type: 'forward' }).index,
    ).toBe(2)
  })

  it('forgets a closed snapshot and lands on the place before it', () => {
    const history = run([
      { type: 'go', place: place('a') },
      { type: 'go', place: place('b') },
      { type: 'go', place: place('a', 3) },
      { type: 'go', place: place('b', 4) },
    ])
    const forgotten = reduceHistory(history, { type: 'forget', snapshotId: 'b' })
    expect(forgotten.entries).toEqual([START, place('a'), place('a', 3)])
    expect(forgotten.entries[forgotten.index]).toEqual(place('a', 3))
    const all = reduceHistory(forgotten, { type: 'forget', snapshotId: 'a' })
    expect(all).toEqual({ entries: [START], index: 0 })
  })

  it('keeps its invariants under any sequence of actions', () => {
    const snapshotIds = ['a', 'b', 'c']
    const anyPlace = fc
      .tuple(fc.constantFrom(null, ...snapshotIds), fc.option(fc.integer({ min: 0, max: 3 })))
      .map(([id, node]) => place(id, id === null ? null : node))
    const action: fc.Arbitrary<HistoryAction> = fc.oneof(
      anyPlace.map((next) => ({ type: 'go' as const, place: next })),
      fc.constant({ type: 'back' as const }),
      fc.constant({ type: 'forward' as const }),
      fc.constantFrom(...snapshotIds).map((id) => ({ type: 'forget' as const, snapshotId: id })),
    )
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        let history: History = { entries: [START], index: 0 }
        const closed = new Set<string>()
        for (const next of actions) {
          if (next.type === 'go' && next.place.snapshotId && closed.has(next.place.snapshotId)) {
            closed.delete(next.place.snapshotId)
          }
          history = reduceHistory(history, next)
          if (next.type === 'forget') closed.add(next.snapshotId)
          expect(history.entries.length).toBeGreaterThan(0)
          expect(history.index).toBeGreaterThanOrEqual(0)
          expect(history.index).toBeLessThan(history.entries.length)
          // No place of a closed snapshot stays, and no place follows an identical one.
          for (const entry of history.entries) {
            if (entry.snapshotId) expect(closed.has(entry.snapshotId)).toBe(false)
          }
          history.entries.forEach((entry, position) => {
            if (position > 0) expect(entry).not.toEqual(history.entries[position - 1])
          })
        }
      }),
    )
  })
})
