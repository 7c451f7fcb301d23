// The app shell: the open snapshots, the current screen (start, summary, arrays, object) and
// navigation between them. Holds only UI state; heap data is fetched per view through the API.
import { useEffect, useState } from 'react'
import type { HeapgraphApi, SnapshotInfo } from '../shared/protocol'
import { formatBytes } from './format'
import { ArraysView } from './views/arrays/arrays-view'
import { AttachView } from './views/attach/attach-view'
import { ObjectView } from './views/object/object-view'
import { StartView } from './views/start/start-view'
import { SummaryView } from './views/summary/summary-view'

export type Screen =
  | { name: 'start' }
  | { name: 'attach' }
  | { name: 'summary' }
  | { name: 'arrays' }
  | { name: 'object'; node: number; why: boolean }

export function App({ api }: { api: HeapgraphApi }): React.JSX.Element {
  const [snapshots, setSnapshots] = useState<SnapshotInfo[]>([])
  const [current, setCurrent] = useState<SnapshotInfo | null>(null)
  const [screen, setScreen] = useState<Screen>({ name: 'start' })
  const [history, setHistory] = useState<Screen[]>([])
  // Snapshots opened before the page (e.g. `heapgraph serve file.heapsnapshot`).
  useEffect(() => {
    const refresh = (): void => {
      api.listSnapshots({}).then(
        (list) =>
          setSnapshots((known) => [
            ...known,
            ...list.filter((info) => !known.some((item) => item.snapshotId === info.snapshotId)),
          ]),
        () => {},
      )
    }
    refresh()
    const timer = setInterval(refresh, 2000)
    return () => clearInterval(timer)
  }, [api])
  const go = (next: Screen): void => {
    setHistory((previous) => [...previous, screen])
    setScreen(next)
  }
  const back = (): void => {
    const previous = history.at(-1)
    if (!previous) return
    setHistory(history.slice(0, -1))
    setScreen(previous)
  }
  const opened = (info: SnapshotInfo): void => {
    setSnapshots((list) => [...list.filter((item) => item.snapshotId !== info.snapshotId), info])
    setCurrent(info)
    go({ name: 'summary' })
  }
  return (
    <div className="app" onKeyDown={(event) => event.key === 'Escape' && back()}>
      <header>
        <strong>Heapgraph</strong>
        <nav aria-label="Screens">
          <button onClick={() => go({ name: 'start' })}>Open…</button>
          <button onClick={() => go({ name: 'attach' })}>Attach…</button>
          {current && (
            <>
              <button
                aria-pressed={screen.name === 'summary'}
                onClick={() => go({ name: 'summary' })}
              >
                Summary
              </button>
              <button
                aria-pressed={screen.name === 'arrays'}
                onClick={() => go({ name: 'arrays' })}
              >
                Arrays
              </button>
            </>
          )}
          {history.length > 0 && <button onClick={back}>Back</button>}
        </nav>
        {current && (
          <span className="snapshot-title" title={current.file}>
            {current.file.split('/').pop()} · {current.nodeCount.toLocaleString('en-US')} objects ·{' '}
            {formatBytes(current.totalSize)}
          </span>
        )}
      </header>
      <main>
        {screen.name === 'start' && (
          <StartView
            api={api}
            snapshots={snapshots}
            onOpened={opened}
            onSelect={(info) => {
              setCurrent(info)
              go({ name: 'summary' })
            }}
          />
        )}
        {screen.name === 'attach' && <AttachView api={api} onOpened={opened} />}
        {current && screen.name === 'summary' && (
          <SummaryView
            api={api}
            snapshot={current}
            onObject={(node) => go({ name: 'object', node, why: false })}
          />
        )}
        {current && screen.name === 'arrays' && (
          <ArraysView
            api={api}
            snapshot={current}
            onWhy={(node) => go({ name: 'object', node, why: true })}
          />
        )}
        {current && screen.name === 'object' && (
          <ObjectView
            key={screen.node}
            api={api}
            snapshot={current}
            node={screen.node}
            onObject={(node) => go({ name: 'object', node, why: true })}
          />
        )}
      </main>
    </div>
  )
}
