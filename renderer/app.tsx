// The workbench: one window of panes. The sidebar lists the open snapshots (and the ones being
// opened) and the attached target; the main pane shows a view of the current snapshot (Summary,
// Arrays, Diff, Leaks) or the start and attach pages; the details pane shows the selected
// object: why it is alive, its retainer graph, its retainers and references. Selecting in one
// pane drives the others; Back and Forward walk the selections (Alt+←/→, the mouse's side
// buttons); Esc closes the innermost thing. Holds only UI state; heap data is fetched per view.
import { useCallback, useEffect, useRef, useState } from 'react'
import type {
  AttachInfo,
  HeapgraphApi,
  MenuCommand,
  OpeningSnapshot,
  ProfileInfo,
  ProgressEvent,
  SnapshotInfo,
} from '../shared/protocol'
import { START, type MainView, type Place } from '../shared/view/navigation'
import { desktopBridge } from './api/connect'
import { EXPORT_EVENT } from './components/events'
import { useOpener } from './components/use-opener'
import { fileName, formatBytes } from './format'
import { Sidebar, type OpeningEntry } from './shell/sidebar'
import { Splitter } from './shell/splitter'
import { useNavigation } from './shell/use-navigation'
import { ArraysView } from './views/arrays/arrays-view'
import { AttachView } from './views/attach/attach-view'
import { useHeapTimeline } from './views/attach/use-heap-timeline'
import { DemoGuide, demoStep } from './views/demo/demo-guide'
import { DiffView } from './views/diff/diff-view'
import { FindBox } from './views/find/find-box'
import { useFindShortcut } from './views/find/use-find-shortcut'
import { LeaksView } from './views/leaks/leaks-view'
import { ObjectView } from './views/object/object-view'
import { StartView } from './views/start/start-view'
import { SummaryView } from './views/summary/summary-view'
import { AllocationsView } from './views/allocations/allocations-view'
import { InsightsView } from './views/insights/insights-view'
import { ContainmentView } from './views/trees/containment-view'
import { DominatorsView } from './views/trees/dominators-view'

/** The views of an open snapshot, as the main pane's tabs. */
const SNAPSHOT_VIEWS: ReadonlyArray<{ view: MainView; label: string }> = [
  { view: 'summary', label: 'Summary' },
  { view: 'arrays', label: 'Arrays' },
  { view: 'diff', label: 'Diff' },
  { view: 'leaks', label: 'Leaks' },
  { view: 'containment', label: 'Containment' },
  { view: 'dominators', label: 'Dominators' },
  { view: 'insights', label: 'Insights' },
]

/**
 * Focuses a pane's heading once it has rendered, unless focus is already inside the pane (a view
 * that focuses a row of its own, as Summary does for a class chosen in the find box).
 */
function focusPane(pane: HTMLElement | null): void {
  if (!pane || pane.contains(document.activeElement)) return
  const target = pane.querySelector<HTMLElement>('h1, [data-pane-focus]')
  if (!target) return
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
  target.focus({ preventScroll: true })
}

export function App({ api }: { api: HeapgraphApi }): React.JSX.Element {
  const navigation = useNavigation()
  const { place, go } = navigation
  const [snapshots, setSnapshots] = useState<SnapshotInfo[]>([])
  const [profiles, setProfiles] = useState<ProfileInfo[]>([])
  const [opening, setOpening] = useState<OpeningEntry[]>([])
  // The attached target (one at a time) and, when it is the demo, its id.
  const [attached, setAttached] = useState<AttachInfo | null>(null)
  const [demoId, setDemoId] = useState<string | null>(null)
  const timeline = useHeapTimeline(api, attached?.attachId ?? null)
  // Set when a snapshot's engine went away (killed, out of memory).
  const [notice, setNotice] = useState<string | null>(null)
  // The find box (Ctrl/Cmd+F), only while a snapshot is current.
  const [finding, setFinding] = useState(false)
  const current = snapshots.find((info) => info.snapshotId === place.snapshotId) ?? null
  const currentProfile =
    place.view === 'allocations'
      ? (profiles.find((info) => info.profileId === place.profileId) ?? null)
      : null
  useFindShortcut(current !== null, () => setFinding(true))
  const shell = useRef<HTMLDivElement>(null)
  const mainPane = useRef<HTMLElement>(null)
  const detailsPane = useRef<HTMLElement>(null)
  // Operations this window started itself: their snapshots open where the user asked.
  const ownOperations = useRef(new Set<string>())
  const placeRef = useRef(place)
  placeRef.current = place

  const show = useCallback(
    (info: SnapshotInfo, view: MainView = 'summary') =>
      go({ view, snapshotId: info.snapshotId, node: null }),
    [go],
  )
  const addSnapshot = useCallback((info: SnapshotInfo) => {
    setSnapshots((list) =>
      list.some((item) => item.snapshotId === info.snapshotId) ? list : [...list, info],
    )
  }, [])

  // The snapshots the backend already has (`heapgraph serve FILE`, another window) and the
  // ones it is opening, once; then every change is pushed.
  useEffect(() => {
    const progress = (event: ProgressEvent): void =>
      setOpening((list) =>
        list.map((entry) =>
          entry.operationId === event.operationId ? { ...entry, progress: event } : entry,
        ),
      )
    const startOpening = ({ operationId, file }: OpeningSnapshot): void =>
      setOpening((list) =>
        list.some((entry) => entry.operationId === operationId)
          ? list
          : [...list, { operationId, file, progress: null }],
      )
    const stopOpening = (operationId: string): void =>
      setOpening((list) => list.filter((entry) => entry.operationId !== operationId))
    const unsubscribe = [
      api.onProgress(progress),
      api.onSnapshot((event) => {
        if (event.type === 'opening') startOpening(event)
        else if (event.type === 'opened') {
          stopOpening(event.operationId)
          addSnapshot(event.snapshot)
          // Opened from elsewhere while the user is on the start page: show it.
          if (!ownOperations.current.has(event.operationId) && placeRef.current.view === 'start') {
            show(event.snapshot)
          }
        } else if (event.type === 'failed') {
          stopOpening(event.operationId)
          if (!ownOperations.current.has(event.operationId)) {
            setNotice(`${fileName(event.file)} did not open: ${event.message}`)
          }
        } else if (event.type === 'closed' || event.type === 'lost') {
          setSnapshots((list) => list.filter((info) => info.snapshotId !== event.snapshotId))
          navigation.forget(event.snapshotId)
          if (event.type === 'lost') {
            setNotice(
              `${fileName(event.file)}: its engine stopped (${event.reason}), so it was closed. Other snapshots are still open.`,
            )
          }
        }
      }),
    ]
    api.listSnapshots({}).then(
      (list) => {
        for (const info of list) addSnapshot(info)
        // `heapgraph serve FILE`: straight into that snapshot.
        const last = list.at(-1)
        if (last && placeRef.current.view === 'start') show(last)
      },
      () => {},
    )
    api.listOpening({}).then(
      (list) => list.forEach(startOpening),
      () => {},
    )
    api.listProfiles({}).then(
      (list) =>
        setProfiles((known) => [
          ...known,
          ...list.filter((info) => !known.some((each) => each.profileId === info.profileId)),
        ]),
      () => {},
    )
    return () => unsubscribe.forEach((stop) => stop())
  }, [api, addSnapshot, show, navigation.forget])

  const opened = (info: SnapshotInfo): void => {
    addSnapshot(info)
    setNotice(null)
    show(info)
  }
  const showProfile = (info: ProfileInfo): void =>
    go({ view: 'allocations', snapshotId: null, node: null, profileId: info.profileId })
  const openedProfile = (info: ProfileInfo): void => {
    setProfiles((list) =>
      list.some((item) => item.profileId === info.profileId) ? list : [...list, info],
    )
    setNotice(null)
    showProfile(info)
  }
  const opener = useOpener(api, opened, {
    // A file that is open already is selected, not opened twice.
    findOpen: (path) => snapshots.find((info) => info.file === path) ?? null,
    onStart: (operationId) => ownOperations.current.add(operationId),
    onOpenedProfile: openedProfile,
  })
  const closeProfile = (info: ProfileInfo): void => {
    void api.closeProfile({ profileId: info.profileId }).catch(() => {})
    setProfiles((list) => list.filter((item) => item.profileId !== info.profileId))
    navigation.forget(info.profileId)
  }

  const closeSnapshot = (info: SnapshotInfo): void => {
    void api.closeSnapshot({ snapshotId: info.snapshotId }).catch(() => {})
    setSnapshots((list) => list.filter((item) => item.snapshotId !== info.snapshotId))
    navigation.forget(info.snapshotId)
  }
  const startDemo = async (): Promise<void> => {
    // One attached target at a time: a previous one (or demo) is let go first.
    if (attached) await api.detach({ attachId: attached.attachId }).catch(() => {})
    const demo = await api.startDemo({})
    setAttached(demo)
    setDemoId(demo.attachId)
    go({ view: 'attach', snapshotId: null, node: null })
  }
  const endDemo = (): void => {
    if (demoId) void api.detach({ attachId: demoId }).catch(() => {})
    if (attached?.attachId === demoId) setAttached(null)
    setDemoId(null)
  }
  const detach = (): void => {
    if (!attached) return
    void api.detach({ attachId: attached.attachId }).catch(() => {})
    if (attached.attachId === demoId) setDemoId(null)
    setAttached(null)
  }
  const selectObject = (node: number): void => go({ ...place, node })

  // The desktop app's menus (File › Open…, Open Recent, Attach…, Export…) and command line.
  const onMenu = useRef<(command: MenuCommand) => void>(() => {})
  onMenu.current = (command) => {
    if (command.type === 'open-path') void opener.openPath(command.path)
    else if (command.type === 'attach') go({ view: 'attach', snapshotId: null, node: null })
    // The retainer graph on screen, if any, exports itself.
    else window.dispatchEvent(new CustomEvent(EXPORT_EVENT))
  }
  useEffect(() => desktopBridge()?.onMenu((command) => onMenu.current(command)), [])

  // Back and Forward: Alt+←/→ and the mouse's side buttons.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return
      if (event.key === 'ArrowLeft') navigation.back()
      else if (event.key === 'ArrowRight') navigation.forward()
      else return
      event.preventDefault()
    }
    const onMouse = (event: MouseEvent): void => {
      if (event.button === 3) navigation.back()
      else if (event.button === 4) navigation.forward()
      else return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    window.addEventListener('mouseup', onMouse)
    return () => {
      window.removeEventListener('keydown', onKey)
      window.removeEventListener('mouseup', onMouse)
    }
  }, [navigation.back, navigation.forward])

  // Focus follows navigation: a new object focuses the details pane, a new view the main pane.
  const previous = useRef<Place>(START)
  useEffect(() => {
    const before = previous.current
    previous.current = place
    if (before === place) return
    // A class chosen in the find box: the Summary focuses its row itself.
    if (place.classKey !== undefined && place.node === null) return
    const pane =
      place.node !== null && place.node !== before.node ? detailsPane.current : mainPane.current
    // After the pane's content has rendered (and its data, for a heading that waits on it).
    const handle = window.setTimeout(() => focusPane(pane), 0)
    return () => window.clearTimeout(handle)
  }, [place])

  const taken = snapshots.filter((info) => attached && info.attachId === attached.attachId)
  const showDetails = current !== null
  return (
    <div
      ref={shell}
      className={`workbench${showDetails ? '' : ' no-details'}`}
      onKeyDown={(event) => {
        // Esc closes the innermost thing: components that close something stop it first.
        if (event.key !== 'Escape' || event.defaultPrevented) return
        if (place.node !== null) {
          event.preventDefault()
          go({ ...place, node: null })
        }
      }}
      onDragOver={(event) => {
        // Accepting the drag is what lets a file be dropped on the window.
        if (event.dataTransfer.types.includes('Files')) event.preventDefault()
      }}
      onDrop={(event) => {
        const files = [...event.dataTransfer.files]
        if (files.length === 0) return
        event.preventDefault()
        for (const file of files) void opener.openFile(file)
      }}
    >
      <a className="skip-link" href="#main-pane">
        Skip to the main view
      </a>
      {showDetails && (
        <a className="skip-link" href="#details-pane">
          Skip to the object details
        </a>
      )}
      <header className="toolbar">
        <strong className="brand">Heapgraph</strong>
        <div className="history-buttons" role="group" aria-label="History">
          <button
            className="icon-button"
            onClick={navigation.back}
            disabled={!navigation.canGoBack}
            aria-label="Back"
            title="Back (Alt+←)"
          >
            ←
          </button>
          <button
            className="icon-button"
            onClick={navigation.forward}
            disabled={!navigation.canGoForward}
            aria-label="Forward"
            title="Forward (Alt+→)"
          >
            →
          </button>
        </div>
        {current && (
          <span className="snapshot-title" title={current.file}>
            {fileName(current.file)} · {current.nodeCount.toLocaleString('en-US')} objects ·{' '}
            {formatBytes(current.totalSize)}
          </span>
        )}
        {current && (
          <button className="find-button" onClick={() => setFinding(true)} title="Ctrl/Cmd+F">
            Find…
          </button>
        )}
      </header>
      <Sidebar
        profiles={profiles}
        currentProfileId={currentProfile?.profileId ?? null}
        onSelectProfile={showProfile}
        onCloseProfile={closeProfile}
        snapshots={snapshots}
        opening={opening}
        currentId={current?.snapshotId ?? null}
        attached={attached}
        onSelect={(info) => show(info, place.snapshotId === null ? 'summary' : place.view)}
        onClose={closeSnapshot}
        onCancel={(operationId) => void api.cancel({ operationId }).catch(() => {})}
        onOpen={() => go({ view: 'start', snapshotId: null, node: null })}
        onAttach={() => go({ view: 'attach', snapshotId: null, node: null })}
        onDetach={detach}
      />
      <Splitter
        label="Sidebar"
        property="--sidebar-width"
        target={shell}
        min={160}
        max={420}
        // Narrower on a small screen, where the main view and the details share less.
        initial={(windowWidth) => Math.min(232, Math.max(180, windowWidth * 0.15))}
        direction={1}
      />
      <main className="pane main-pane" id="main-pane" ref={mainPane} aria-label="Main view">
        {notice && (
          <p role="alert" className="error notice">
            {notice} <button onClick={() => setNotice(null)}>Dismiss</button>
          </p>
        )}
        {demoId && (
          <DemoGuide
            step={demoStep(
              place,
              snapshots.some((info) => info.attachId === demoId),
            )}
            onShowAttach={() => go({ view: 'attach', snapshotId: null, node: null })}
            onShowArrays={() => {
              const captured = snapshots.filter((info) => info.attachId === demoId).at(-1)
              if (captured) show(captured, 'arrays')
            }}
            onEnd={endDemo}
          />
        )}
        {current && place.view !== 'start' && place.view !== 'attach' && (
          <div className="view-tabs" role="tablist" aria-label="Views of this snapshot">
            {SNAPSHOT_VIEWS.map(({ view, label }) => (
              <button
                key={view}
                role="tab"
                aria-selected={place.view === view}
                tabIndex={place.view === view ? 0 : -1}
                onClick={() =>
                  go({ ...place, view, classKey: undefined, baseId: undefined, site: undefined })
                }
                onKeyDown={(event) => {
                  const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
                  if (step === 0 || event.altKey) return
                  event.preventDefault()
                  const position = SNAPSHOT_VIEWS.findIndex((entry) => entry.view === view)
                  const next =
                    SNAPSHOT_VIEWS[
                      (position + step + SNAPSHOT_VIEWS.length) % SNAPSHOT_VIEWS.length
                    ]
                  go({
                    ...place,
                    view: next.view,
                    classKey: undefined,
                    baseId: undefined,
                    site: undefined,
                  })
                  const tabs = event.currentTarget.parentElement
                  window.setTimeout(() =>
                    tabs?.querySelector<HTMLElement>('[aria-selected="true"]')?.focus(),
                  )
                }}
              >
                {label}
              </button>
            ))}
          </div>
        )}
        <div className="pane-body">
          {(place.view === 'start' || (!current && place.view !== 'attach' && !currentProfile)) && (
            <StartView
              api={api}
              opener={opener}
              snapshots={snapshots}
              onSelect={(info) => show(info)}
              onAttach={() => go({ view: 'attach', snapshotId: null, node: null })}
              onDemo={startDemo}
            />
          )}
          {place.view === 'attach' && (
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
              onSelect={(info) => show(info)}
              onOpenedProfile={openedProfile}
              onGrowth={(info, before) => {
                addSnapshot(info)
                go({
                  view: 'diff',
                  snapshotId: info.snapshotId,
                  node: null,
                  baseId: before.snapshotId,
                })
              }}
            />
          )}
          {currentProfile && (
            <AllocationsView
              key={currentProfile.profileId}
              api={api}
              profile={currentProfile}
              profiles={profiles}
              snapshots={snapshots}
              onSite={(info, site) =>
                go({ view: 'summary', snapshotId: info.snapshotId, node: null, site })
              }
            />
          )}
          {current && place.view === 'summary' && (
            <SummaryView
              key={current.snapshotId}
              api={api}
              snapshot={current}
              classKey={place.classKey}
              onObject={selectObject}
              site={place.site ?? null}
              onClearSite={() => go({ ...place, site: undefined })}
            />
          )}
          {current && place.view === 'arrays' && (
            <ArraysView
              key={current.snapshotId}
              api={api}
              snapshot={current}
              onWhy={selectObject}
            />
          )}
          {current && place.view === 'diff' && (
            <DiffView
              key={`${current.snapshotId}:${place.baseId ?? ''}`}
              api={api}
              snapshot={current}
              snapshots={snapshots}
              initialBase={place.baseId}
              onObject={selectObject}
            />
          )}
          {current && place.view === 'leaks' && (
            <LeaksView
              key={current.snapshotId}
              api={api}
              snapshot={current}
              snapshots={snapshots}
              onObject={selectObject}
            />
          )}
          {current && place.view === 'containment' && (
            <ContainmentView
              key={current.snapshotId}
              api={api}
              snapshot={current}
              onObject={selectObject}
            />
          )}
          {current && place.view === 'insights' && (
            <InsightsView
              key={current.snapshotId}
              api={api}
              snapshot={current}
              onObject={selectObject}
            />
          )}
          {current && place.view === 'dominators' && (
            <DominatorsView
              key={current.snapshotId}
              api={api}
              snapshot={current}
              onObject={selectObject}
            />
          )}
        </div>
      </main>
      {showDetails && (
        <>
          <Splitter
            label="Object details"
            property="--details-width"
            target={shell}
            min={360}
            max={1100}
            initial={(windowWidth) => Math.min(640, Math.max(420, windowWidth * 0.36))}
            direction={-1}
          />
          <aside
            className="pane details-pane"
            id="details-pane"
            ref={detailsPane}
            aria-label="Object details"
          >
            {current && place.node !== null ? (
              <ObjectView
                key={`${current.snapshotId}:${place.node}`}
                api={api}
                snapshot={current}
                node={place.node}
                onObject={selectObject}
                onClose={() => go({ ...place, node: null })}
                onSite={(site) => go({ ...place, view: 'summary', site })}
              />
            ) : (
              <div className="details-empty">
                <h2>No object selected</h2>
                <p>
                  Pick an object in the view on the left (or press <em>Why alive?</em> on an array):
                  why it is alive, its retainer graph and its references show here.
                </p>
              </div>
            )}
          </aside>
        </>
      )}
      {current && finding && (
        <FindBox
          api={api}
          snapshot={current}
          onObject={selectObject}
          onClass={(classKey) =>
            go({ view: 'summary', snapshotId: current.snapshotId, node: null, classKey })
          }
          onClose={() => setFinding(false)}
        />
      )}
    </div>
  )
}
