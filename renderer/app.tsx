// The app shell: the open snapshots, the current screen (start, summary, arrays, object) and
// navigation between them. Holds only UI state; heap data is fetched per view through the API.
import { useEffect, useRef, useState } from 'react'
import type { AttachInfo, HeapgraphApi, MenuCommand, SnapshotInfo } from '../shared/protocol'
import { desktopBridge } from './api/connect'
import { EXPORT_EVENT } from './components/events'
import { useOpener } from './components/use-opener'
import { fileName, formatBytes } from './format'
import { ArraysView } from './views/arrays/arrays-view'
import { AttachView } from './views/attach/attach-view'
import { DiffView } from './views/diff/diff-view'
import { LeaksView } from './views/leaks/leaks-view'
import { useHeapTimeline } from './views/attach/use-heap-timeline'
import { DemoGuide, demoStep } from './views/demo/demo-guide'
import { FindBox } from './views/find/find-box'
import { useFindShortcut } from './views/find/use-find-shortcut'
import { ObjectView } from './views/object/object-view'
import { StartView } from './views/start/start-view'
import { SummaryView } from './views/summary/summary-view'

export type Screen =
  | { name: 'start' }
  | { name: 'attach' }
  | { name: 'summary'; classKey?: string }
  | { name: 'arrays' }
  | { name: 'diff'; baseId?: string }
  | { name: 'leaks' }
  | { name: 'object'; node: number; why: boolean }

export function App({ api }: { api: HeapgraphApi }): React.JSX.Element {
  const [snapshots, setSnapshots] = useState<SnapshotInfo[]>([])
  const [current, setCurrent] = useState<SnapshotInfo | null>(null)
  const [screen, setScreen] = useState<Screen>({ name: 'start' })
  const [history, setHistory] = useState<Screen[]>([])
  // The attached target (one at a time) and, when it is the demo, its id.
  const [attached, setAttached] = useState<AttachInfo | null>(null)
  const [demoId, setDemoId] = useState<string | null>(null)
  const timeline = useHeapTimeline(api, attached?.attachId ?? null)
  // Set when a snapshot's engine went away (killed, out of memory).
  const [lostNotice, setLostNotice] = useState<string | null>(null)
  // The find box (Ctrl/Cmd+F), only while a snapshot is current.
  const [finding, setFinding] = useState(false)
  useFindShortcut(current !== null, () => setFinding(true))
  // Snapshots opened before the page (e.g. `heapgraph serve file.heapsnapshot`), once; then the
  // backend pushes each snapshot whose engine went away.
  useEffect(() => {
    api.listSnapshots({}).then(
      (list) =>
        setSnapshots((known) => [
          ...known,
          ...list.filter((info) => !known.some((item) => item.snapshotId === info.snapshotId)),
        ]),
      () => {},
    )
    return api.onSnapshotLost((lost) => {
      setLostNotice(
        `${fileName(lost.file)}: its engine stopped (${lost.reason}), so it was closed. Other snapshots are still open.`,
      )
      setSnapshots((known) => known.filter((info) => info.snapshotId !== lost.snapshotId))
      setCurrent((now) => (now?.snapshotId === lost.snapshotId ? null : now))
    })
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
    setLostNotice(null)
    go({ name: 'summary' })
  }
  const opener = useOpener(api, opened)
  const startDemo = async (): Promise<void> => {
    // One attached target at a time: a previous one (or demo) is let go first.
    if (attached) await api.detach({ attachId: attached.attachId }).catch(() => {})
    const demo = await api.startDemo({})
    setAttached(demo)
    setDemoId(demo.attachId)
    go({ name: 'attach' })
  }
  const endDemo = (): void => {
    if (demoId) void api.detach({ attachId: demoId }).catch(() => {})
    if (attached?.attachId === demoId) setAttached(null)
    setDemoId(null)
  }
  // The desktop app's menus (File › Open…, Open Recent, Attach…, Export…) and command line.
  const onMenu = useRef<(command: MenuCommand) => void>(() => {})
  onMenu.current = (command) => {
    if (command.type === 'open-path') {
      if (screen.name !== 'start') go({ name: 'start' })
      void opener.openPath(command.path)
    } else if (command.type === 'attach') {
      go({ name: 'attach' })
    } else {
      // The retainer graph on screen, if any, exports itself.
      window.dispatchEvent(new CustomEvent(EXPORT_EVENT))
    }
  }
  useEffect(() => desktopBridge()?.onMenu((command) => onMenu.current(command)), [])
  const taken = snapshots.filter((info) => attached && info.attachId === attached.attachId)
  return (
    <div
      className="app"
      onKeyDown={(event) => event.key === 'Escape' && back()}
      onDragOver={(event) => {
        // Accepting the drag is what lets a file be dropped on the window.
        if (event.dataTransfer.types.includes('Files')) event.preventDefault()
      }}
      onDrop={(event) => {
        const files = [...event.dataTransfer.files]
        if (files.length === 0) return
        event.preventDefault()
        if (screen.name !== 'start') go({ name: 'start' })
        for (const file of files) void opener.openFile(file)
      }}
    >
      <header>
        <strong>Heapgraph</strong>
        <nav aria-label="Screens">
          <button onClick={() => go({ name: 'start' })}>Open…</button>
          <button onClick={() => go({ name: 'attach' })}>
            {attached ? `Attached: ${attached.title}` : 'Attach…'}
          </button>
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
              <button aria-pressed={screen.name === 'diff'} onClick={() => go({ name: 'diff' })}>
                Diff
              </button>
              <button aria-pressed={screen.name === 'leaks'} onClick={() => go({ name: 'leaks' })}>
                Leaks
              </button>
            </>
          )}
          {history.length > 0 && <button onClick={back}>Back</button>}
        </nav>
        {current && (
          <span className="snapshot-title" title={current.file}>
            {fileName(current.file)} · {current.nodeCount.toLocaleString('en-US')} objects ·{' '}
            {formatBytes(current.totalSize)}
          </span>
        )}
      </header>
      <main>
        {lostNotice && (
          <p role="alert" className="error notice">
            {lostNotice} <button onClick={() => setLostNotice(null)}>Dismiss</button>
          </p>
        )}
        {demoId && (
          <DemoGuide
            step={demoStep(
              screen,
              snapshots.some((info) => info.attachId === demoId),
            )}
            onShowAttach={() => go({ name: 'attach' })}
            onShowArrays={() => go({ name: 'arrays' })}
            onEnd={endDemo}
          />
        )}
        {screen.name === 'start' && (
          <StartView
            api={api}
            opener={opener}
            snapshots={snapshots}
            onSelect={(info) => {
              setCurrent(info)
              go({ name: 'summary' })
            }}
            onAttach={() => go({ name: 'attach' })}
            onDemo={startDemo}
          />
        )}
        {screen.name === 'attach' && (
          <AttachView
            api={api}
            onOpened={opened}
            attached={attached}
            onAttached={(info) => {
              if (info === null && attached?.attachId === demoId) setDemoId(null)
              setAttached(info)
            }}
            timeline={timeline}
            taken={taken}
            onSelect={(info) => {
              setCurrent(info)
              go({ name: 'summary' })
            }}
            onGrowth={(info, previous) => {
              setSnapshots((list) => [
                ...list.filter((item) => item.snapshotId !== info.snapshotId),
                info,
              ])
              setCurrent(info)
              go({ name: 'diff', baseId: previous.snapshotId })
            }}
          />
        )}
        {current && screen.name === 'diff' && (
          <DiffView
            key={`${current.snapshotId}:${screen.baseId ?? ''}`}
            api={api}
            snapshot={current}
            snapshots={snapshots}
            initialBase={screen.baseId}
            onObject={(node) => go({ name: 'object', node, why: true })}
          />
        )}
        {current && screen.name === 'leaks' && (
          <LeaksView
            key={current.snapshotId}
            api={api}
            snapshot={current}
            snapshots={snapshots}
            onObject={(node) => go({ name: 'object', node, why: true })}
          />
        )}
        {current && screen.name === 'summary' && (
          <SummaryView
            api={api}
            snapshot={current}
            classKey={screen.classKey}
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
      {current && finding && (
        <FindBox
          api={api}
          snapshot={current}
          onObject={(node) => go({ name: 'object', node, why: false })}
          onClass={(classKey) => go({ name: 'summary', classKey })}
          onClose={() => setFinding(false)}
        />
      )}
    </div>
  )
}
