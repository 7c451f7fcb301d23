// Where the user is: the current snapshot, the main pane's view and the object selected in it,
// with a history that Back and Forward walk (Alt+←/→, the mouse's back and forward buttons).
// A place is plain data; the shell renders it (renderer/shell/use-navigation.ts).
/** The main pane's views. */
export type MainView =
  | 'start'
  | 'attach'
  | 'summary'
  | 'arrays'
  | 'diff'
  | 'leaks'
  | 'containment'
  | 'dominators'
  | 'insights'
  | 'allocations'

export interface Place {
  view: MainView
  /** The snapshot the view is about; null on the start and attach pages without one. */
  snapshotId: string | null
  /** The object shown in the details pane, by node ordinal, or null. */
  node: number | null
  /** Summary: the class to expand. */
  classKey?: string
  /** Diff: the base snapshot to start with. */
  baseId?: string
  /** Allocations: the open allocation profile shown. */
  profileId?: string
  /** Summary: only the objects allocated at this site (a function), and how to say it. */
  site?: { functionName: string; url: string; line: number | null; text: string }
}

export const START: Place = { view: 'start', snapshotId: null, node: null }

export interface History {
  entries: Place[]
  index: number
}

export type HistoryAction =
  | { type: 'go'; place: Place }
  | { type: 'back' }
  | { type: 'forward' }
  | { type: 'replace'; place: Place }
  | { type: 'forget'; snapshotId: string }

/** Entries kept: enough for any hunt, bounded for a day-long session. */
export const MAX_HISTORY = 200

export function samePlace(a: Place, b: Place): boolean {
  return (
    a.view === b.view &&
    a.snapshotId === b.snapshotId &&
    a.node === b.node &&
    a.classKey === b.classKey &&
    a.baseId === b.baseId &&
    a.profileId === b.profileId &&
    JSON.stringify(a.site ?? null) === JSON.stringify(b.site ?? null)
  )
}

export function reduceHistory({ entries, index }: History, action: HistoryAction): History {
  switch (action.type) {
    case 'go': {
      if (samePlace(entries[index], action.place)) return { entries, index }
      const kept = [...entries.slice(0, index + 1), action.place].slice(-MAX_HISTORY)
      return { entries: kept, index: kept.length - 1 }
    }
    case 'back':
      return { entries, index: Math.max(0, index - 1) }
    case 'forward':
      return { entries, index: Math.min(entries.length - 1, index + 1) }
    case 'replace':
      return {
        entries: entries.map((entry, position) => (position === index ? action.place : entry)),
        index,
      }
    case 'forget': {
      // Every entry about a snapshot (or profile) that is gone goes; the user lands where they
      // were before.
      const about = (entry: Place): boolean =>
        entry.snapshotId === action.snapshotId ||
        entry.baseId === action.snapshotId ||
        entry.profileId === action.snapshotId
      const kept: Place[] = []
      let landing = -1
      entries.forEach((entry, position) => {
        if (about(entry)) return
        // Adjacent duplicates left by the removal collapse into one.
        if (kept.length > 0 && samePlace(kept[kept.length - 1], entry)) {
          if (position <= index) landing = kept.length - 1
          return
        }
        kept.push(entry)
        if (position <= index) landing = kept.length - 1
      })
      if (kept.length === 0) return { entries: [START], index: 0 }
      return { entries: kept, index: Math.max(0, landing) }
    }
  }
}
