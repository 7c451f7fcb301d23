// Summary: every class of the snapshot in a virtualized table, sortable by any column and
// filterable by name; a class expands into its members, largest retained size first, one page
// at a time ("Show more"), each with its own properties in one muted line after its label
// (`{id: 3, name: "x", items: Array(50000)}`). Arrow keys move between rows, Right/Left expand
// and collapse, Enter opens an object or toggles a class.
import { useEffect, useMemo, useRef, useState } from 'react'
import type {
  AllocationSiteKey,
  ClassSummary,
  HeapgraphApi,
  ObjectSummary,
  Page,
  SnapshotInfo,
  SummaryFilter,
} from '../../../shared/protocol'
import { AllocationTimeline, type IntervalChoice } from './allocation-timeline'
import { ObjectNameCell, ObjectSizeCells } from '../../components/object-cells'
import { useQuery } from '../../components/use-query'
import { VirtualTable, type Column, type RowView } from '../../components/virtual-rows'
import { PageStatusCell } from '../../components/page-status-cell'
import { formatBytes, formatDistance } from '../../format'
import {
  classRowKey,
  DEFAULT_SORT,
  filterClasses,
  flattenRows,
  memberRowKey,
  nextSort,
  sortClasses,
  statusRowKey,
  type ClassSort,
  type MemberList,
  type SummaryColumn,
  type SummaryRow,
} from '../../../shared/view/summary-rows'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onObject: (node: number) => void
  /** A class to show expanded and active (from the find box). */
  classKey?: string
  /** Only the objects allocated at this site (from an allocation profile or a stack). */
  site?: SiteChoice | null
  /** Shows every object again after `site`. */
  onClearSite?: () => void
}

/** A site the Summary is limited to, and how to say it. */
export interface SiteChoice extends AllocationSiteKey {
  text: string
}

interface TableProps extends Omit<Props, 'site' | 'onClearSite'> {
  only?: SummaryFilter
}

/** Members fetched per "Show more". */
export const MEMBER_PAGE = 50
/** The API's largest page. */
const CLASS_PAGE = 10_000

const COLUMNS: readonly (Column & { id: SummaryColumn })[] = [
  { id: 'className', label: 'Class', sortable: true },
  { id: 'count', label: 'Count', numeric: true, sortable: true, width: '7rem' },
  { id: 'distance', label: 'Distance', numeric: true, sortable: true, width: '6rem' },
  { id: 'selfSize', label: 'Self', numeric: true, sortable: true, width: '7rem' },
  { id: 'retainedSize', label: 'Retained', numeric: true, sortable: true, width: '7rem' },
]

/** Every class, in pages (a Chromium heap has about ten thousand). */
async function loadAllClasses(
  api: HeapgraphApi,
  snapshotId: string,
  only: SummaryFilter | undefined,
): Promise<ClassSummary[]> {
  const classes: ClassSummary[] = []
  for (;;) {
    const page = await api.getSummary({
      snapshotId,
      start: classes.length,
      count: CLASS_PAGE,
      ...(only ? { only } : {}),
    })
    classes.push(...page.items)
    if (page.items.length === 0 || classes.length >= page.total) return classes
  }
}

/** Loaded members per class, and a loader that appends the next page of one class. */
function useMembers(
  api: HeapgraphApi,
  snapshotId: string,
  only: SummaryFilter | undefined,
  onPage: (classKey: string, page: Page<ObjectSummary>) => void,
): { members: ReadonlyMap<string, MemberList>; loadMore: (classKey: string) => void } {
  const [members, setMembers] = useState<ReadonlyMap<string, MemberList>>(new Map())
  // Mirrors `members` for the loader, which may run twice before a re-render.
  const latest = useRef(members)
  const update = (classKey: string, change: (list: MemberList) => MemberList): void => {
    const empty: MemberList = { items: [], total: null, loading: false, error: null }
    const next = new Map(latest.current)
    next.set(classKey, change(latest.current.get(classKey) ?? empty))
    latest.current = next
    setMembers(next)
  }
  const loadMore = (classKey: string): void => {
    const list = latest.current.get(classKey)
    if (list?.loading) return
    if (list && list.total !== null && list.items.length >= list.total) return
    const start = list?.items.length ?? 0
    update(classKey, (current) => ({ ...current, loading: true, error: null }))
    api
      .getClassMembers({
        snapshotId,
        classKey,
        start,
        count: MEMBER_PAGE,
        withPreview: true,
        ...(only ? { only } : {}),
      })
      .then(
        (page) => {
          update(classKey, (current) => ({
            items: [...current.items.slice(0, page.start), ...page.items],
            total: page.total,
            loading: false,
            error: null,
          }))
          onPage(classKey, page)
        },
        (error: unknown) =>
          update(classKey, (current) => ({
            ...current,
            loading: false,
            error: error instanceof Error ? error.message : String(error),
          })),
      )
  }
  return { members, loadMore }
}

function ClassCells({ row }: { row: Extract<SummaryRow, { kind: 'class' }> }): React.JSX.Element {
  const { entry } = row
  return (
    <>
      <td className="name" title={entry.className}>
        <span className="twisty" aria-hidden="true">
          {row.expanded ? '▾' : '▸'}
        </span>{' '}
        {entry.className}
      </td>
      <td className="number">{entry.count.toLocaleString('en-US')}</td>
      <td className="number">{formatDistance(entry.distance)}</td>
      <td className="number">{formatBytes(entry.selfSize)}</td>
      <td className="number">{formatBytes(entry.retainedSize)}</td>
    </>
  )
}

function SummaryTable({ api, snapshot, onObject, classKey, only }: TableProps): React.JSX.Element {
  const snapshotId = snapshot.snapshotId
  const [filter, setFilter] = useState('')
  const [sort, setSort] = useState<ClassSort>(DEFAULT_SORT)
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set())
  const [activeKey, setActiveKey] = useState<string | null>(null)
  const [focusRequest, setFocusRequest] = useState(0)
  const classes = useQuery(() => loadAllClasses(api, snapshotId, only), [api, snapshotId])
  // After "Show more" the first new member becomes active instead of the moved status row.
  const { members, loadMore } = useMembers(api, snapshotId, only, (key, page) => {
    const first = page.items[0]
    if (!first || page.start === 0) return
    setActiveKey((current) =>
      current === statusRowKey(key) ? memberRowKey(key, first.node) : current,
    )
  })

  const shownClasses = useMemo(
    () => sortClasses(filterClasses(classes.data ?? [], filter), sort),
    [classes.data, filter, sort],
  )
  const rows = useMemo(
    () => flattenRows(shownClasses, expanded, members),
    [shownClasses, expanded, members],
  )
  const active = Math.max(
    0,
    rows.findIndex((row) => row.key === activeKey),
  )

  const setClassExpanded = (key: string, open: boolean): void => {
    setExpanded((current) => {
      const next = new Set(current)
      if (open) next.add(key)
      else next.delete(key)
      return next
    })
    if (open && !members.has(key)) loadMore(key)
  }

  // A class chosen in the find box: show it expanded, active and focused.
  const revealed = useRef<string | undefined>(undefined)
  useEffect(() => {
    if (!classes.data || !classKey || revealed.current === classKey) return
    revealed.current = classKey
    if (!classes.data.some((entry) => entry.classKey === classKey)) return
    setFilter('')
    setClassExpanded(classKey, true)
    setActiveKey(classRowKey(classKey))
    setFocusRequest((count) => count + 1)
    // Runs once per requested class, when the classes are there.
  }, [classes.data, classKey])

  const activate = (position: number): void => {
    const row = rows[position]
    if (row?.kind === 'class') setClassExpanded(row.entry.classKey, !row.expanded)
    else if (row?.kind === 'member') onObject(row.object.node)
    else if (row?.kind === 'status' && row.status !== 'loading') loadMore(row.classKey)
  }
  const expand = (position: number): void => {
    const row = rows[position]
    if (row?.kind !== 'class') return
    if (!row.expanded) setClassExpanded(row.entry.classKey, true)
    else if (rows[position + 1] && rows[position + 1].kind !== 'class')
      setActiveKey(rows[position + 1].key)
  }
  const collapse = (position: number): void => {
    const row = rows[position]
    if (row?.kind === 'class') {
      if (row.expanded) setClassExpanded(row.entry.classKey, false)
    } else if (row) setActiveKey(classRowKey(row.classKey))
  }

  const describe = (position: number): RowView => {
    const row = rows[position]
    if (row.kind === 'class')
      return {
        key: row.key,
        className: 'class',
        expanded: row.expanded,
        cells: <ClassCells row={row} />,
      }
    if (row.kind === 'member') {
      const cells = (
        <>
          <ObjectNameCell object={row.object} className="name member-name" />
          <td />
          <ObjectSizeCells object={row.object} />
        </>
      )
      return { key: row.key, className: 'member', cells }
    }
    return {
      key: row.key,
      className: 'member status-row',
      cells: (
        <PageStatusCell
          state={row}
          columns={COLUMNS.length}
          onMore={() => loadMore(row.classKey)}
        />
      ),
    }
  }

  const total = classes.data?.length ?? 0
  return (
    <>
      <div className="table-tools">
        <input
          aria-label="Filter classes"
          placeholder="Filter by class name"
          value={filter}
          onChange={(event) => {
            setFilter(event.target.value)
            setActiveKey(null)
          }}
          onKeyDown={(event) => {
            // Down from the filter goes into the table.
            if (event.key !== 'ArrowDown' || rows.length === 0) return
            event.preventDefault()
            setFocusRequest((count) => count + 1)
          }}
        />
        <span className="muted" aria-live="polite">
          {classes.data === null
            ? classes.error
              ? ''
              : 'Loading classes…'
            : shownClasses.length === total
              ? `${total.toLocaleString('en-US')} classes`
              : `${shownClasses.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} classes`}
        </span>
      </div>
      {classes.error && (
        <p role="alert" className="error">
          {classes.error}
        </p>
      )}
      <VirtualTable
        label="Classes"
        columns={COLUMNS}
        rowCount={rows.length}
        row={describe}
        active={active}
        onActiveChange={(position) => setActiveKey(rows[position]?.key ?? null)}
        onActivate={activate}
        onRowClick={(position) => rows[position]?.kind !== 'status' && activate(position)}
        onExpand={expand}
        onCollapse={collapse}
        sort={sort}
        onSort={(column) => {
          setSort((current) => nextSort(current, column as SummaryColumn))
          setActiveKey(null)
        }}
        focusRequest={focusRequest}
        scrollResetKey={`${sort.column} ${sort.direction} ${filter}`}
        maxHeight="calc(100vh - 14rem)"
        empty={
          classes.data && (
            <p className="muted">
              {filter
                ? `No class matches “${filter}”.`
                : only
                  ? 'No object is left from there.'
                  : 'No classes.'}
            </p>
          )
        }
      />
    </>
  )
}

/**
 * The Summary of a snapshot: its allocation timeline where it has one, the line saying which
 * objects are counted when they are limited (to an interval, to a site), and the table. One
 * table per snapshot and filter: sort, filter, expansion and loaded members reset with them.
 */
export function SummaryView(props: Props): React.JSX.Element {
  const { api, snapshot, site, onClearSite } = props
  const [interval, setChosenInterval] = useState<IntervalChoice | null>(null)
  const only: SummaryFilter | undefined =
    interval || site
      ? {
          ...(interval
            ? { allocatedBetween: { afterId: interval.afterId, upToId: interval.upToId } }
            : {}),
          ...(site
            ? { allocatedAt: { functionName: site.functionName, url: site.url, line: site.line } }
            : {}),
        }
      : undefined
  const key = `${snapshot.snapshotId} ${JSON.stringify(only ?? null)}`
  return (
    <section className="summary">
      <h1>Summary</h1>
      {snapshot.allocationTimeline && (
        <AllocationTimeline
          key={snapshot.snapshotId}
          api={api}
          snapshotId={snapshot.snapshotId}
          onChoose={setChosenInterval}
        />
      )}
      {interval && (
        <p className="summary-only" role="status">
          {interval.text}
        </p>
      )}
      {site && (
        <p className="summary-only" role="status">
          Objects allocated in {site.text} and still alive{' '}
          {onClearSite && (
            <button type="button" onClick={onClearSite}>
              Show every object
            </button>
          )}
        </p>
      )}
      <SummaryTable key={key} {...props} only={only} />
    </section>
  )
}
