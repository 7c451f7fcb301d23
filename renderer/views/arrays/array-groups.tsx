// Arrays grouped by retainer path (as memlab clusters leaks): one row per group with its count,
// readable path and sums, expanding into its arrays a page at a time ("Show more"), in one
// virtualized table. Right/Left expand and collapse, Enter toggles a group or asks "Why alive?".
// One instance per sort and filter (the caller keys it): groups and their arrays start over.
import { useRef, useState } from 'react'
import type {
  ArrayEntry,
  ArrayGroup,
  ArrayKind,
  ArraySortKey,
  HeapgraphApi,
  Page,
} from '../../../shared/protocol'
import { usePages } from '../../components/use-pages'
import { MoreRow } from '../../components/more-row'
import {
  VirtualTable,
  type Column,
  type RowView,
  type SortState,
} from '../../components/virtual-rows'
import { formatBytes } from '../../format'
import { PageStatusCell } from '../../components/page-status-cell'
import { ArrayCells } from './array-cells'

/** Arrays fetched per "Show more" inside a group. */
const MEMBER_PAGE = 50
const GROUP_PAGE = 200

interface MemberList {
  items: ArrayEntry[]
  total: number | null
  loading: boolean
  error: string | null
}

type GroupRow =
  | { kind: 'group'; key: string; group: ArrayGroup; expanded: boolean }
  | { kind: 'member'; key: string; signature: string; entry: ArrayEntry }
  | {
      kind: 'status'
      key: string
      signature: string
      shown: number
      total: number
      error: string | null
      loading: boolean
    }

function flattenGroups(
  groups: readonly ArrayGroup[],
  expanded: ReadonlySet<string>,
  members: ReadonlyMap<string, MemberList>,
): GroupRow[] {
  const rows: GroupRow[] = []
  for (const group of groups) {
    const open = expanded.has(group.signature)
    rows.push({ kind: 'group', key: `g ${group.signature}`, group, expanded: open })
    if (!open) continue
    const list = members.get(group.signature)
    for (const entry of list?.items ?? []) {
      rows.push({
        kind: 'member',
        key: `m ${group.signature} ${entry.node}`,
        signature: group.signature,
        entry,
      })
    }
    const shown = list?.items.length ?? 0
    const total = list?.total ?? group.count
    if (!list || list.loading || list.error || shown < total) {
      rows.push({
        kind: 'status',
        key: `s ${group.signature}`,
        signature: group.signature,
        shown,
        total,
        error: list?.error ?? null,
        loading: !list || list.loading,
      })
    }
  }
  return rows
}

function GroupCells({ row }: { row: Extract<GroupRow, { kind: 'group' }> }): React.JSX.Element {
  const { group } = row
  return (
    <>
      {/* The path takes the Object and Held by columns: it says what holds them all. */}
      <td className="name group-path" colSpan={2} title={`${group.path}\n${group.signature}`}>
        <span className="twisty" aria-hidden="true">
          {row.expanded ? '▾' : '▸'}
        </span>{' '}
        <span className="retainer-path">{group.path}</span>
      </td>
      <td className="number">{formatBytes(group.retainedSize)}</td>
      <td className="number" title="Sum of the lengths the snapshot tells">
        {group.length.toLocaleString('en-US')}
      </td>
      <td className="number">{formatBytes(group.storeSize)}</td>
      {/* Where each array has its "Why alive?" button, the group has its count. */}
      <td className="group-count" title={`${group.count.toLocaleString('en-US')} arrays`}>
        ×{group.count.toLocaleString('en-US')}
      </td>
    </>
  )
}

export function GroupedArrays({
  api,
  snapshotId,
  kinds,
  filter,
  sort,
  columns,
  onSort,
  onWhy,
}: {
  api: HeapgraphApi
  snapshotId: string
  kinds: ArrayKind[]
  filter: string
  sort: SortState
  columns: readonly Column[]
  onSort: (column: string) => void
  onWhy: (node: number) => void
}): React.JSX.Element {
  const order = sort.direction
  const by = sort.column as ArraySortKey
  const groups = usePages(
    (start, count) =>
      api.getArrayGroups({
        snapshotId,
        start,
        count,
        kinds,
        sort: by,
        order,
        filter: filter || undefined,
      }),
    GROUP_PAGE,
    [snapshotId, by, order, filter],
  )
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set())
  const [members, setMembers] = useState<ReadonlyMap<string, MemberList>>(new Map())
  const [activeKey, setActiveKey] = useState<string | null>(null)
  // Mirrors `members` for the loader, which may run twice before a re-render.
  const latest = useRef(members)
  const update = (signature: string, change: (list: MemberList) => MemberList): void => {
    const empty: MemberList = { items: [], total: null, loading: false, error: null }
    const next = new Map(latest.current)
    next.set(signature, change(latest.current.get(signature) ?? empty))
    latest.current = next
    setMembers(next)
  }
  const loadMore = (signature: string): void => {
    const list = latest.current.get(signature)
    if (list?.loading) return
    if (list && list.total !== null && list.items.length >= list.total) return
    const start = list?.items.length ?? 0
    update(signature, (current) => ({ ...current, loading: true, error: null }))
    api
      .getArrays({
        snapshotId,
        start,
        count: MEMBER_PAGE,
        kinds,
        sort: by,
        order,
        filter: filter || undefined,
        signature,
        withHolders: true,
      })
      .then(
        (page: Page<ArrayEntry>) =>
          update(signature, (current) => ({
            items: [...current.items.slice(0, page.start), ...page.items],
            total: page.total,
            loading: false,
            error: null,
          })),
        (error: unknown) =>
          update(signature, (current) => ({
            ...current,
            loading: false,
            error: error instanceof Error ? error.message : String(error),
          })),
      )
  }
  const setGroupExpanded = (signature: string, open: boolean): void => {
    setExpanded((current) => {
      const next = new Set(current)
      if (open) next.add(signature)
      else next.delete(signature)
      return next
    })
    if (open && !latest.current.has(signature)) loadMore(signature)
  }

  const rows = flattenGroups(groups.items, expanded, members)
  const active = Math.max(
    0,
    rows.findIndex((row) => row.key === activeKey),
  )
  const activate = (position: number): void => {
    const row = rows[position]
    if (row?.kind === 'group') setGroupExpanded(row.group.signature, !row.expanded)
    else if (row?.kind === 'member') onWhy(row.entry.node)
    else if (row?.kind === 'status' && !row.loading) loadMore(row.signature)
  }
  const describe = (position: number): RowView => {
    const row = rows[position]
    if (row.kind === 'group')
      return {
        key: row.key,
        className: 'group',
        expanded: row.expanded,
        cells: <GroupCells row={row} />,
      }
    if (row.kind === 'member')
      return {
        key: row.key,
        className: 'member',
        cells: <ArrayCells entry={row.entry} onWhy={onWhy} nameClass="name member-name" />,
      }
    return {
      key: row.key,
      className: 'member status-row',
      cells: (
        <PageStatusCell
          state={{
            status: row.loading ? 'loading' : row.error ? 'error' : 'more',
            error: row.error,
            shown: row.shown,
            total: row.total,
          }}
          columns={columns.length}
          onMore={() => loadMore(row.signature)}
        />
      ),
    }
  }
  return (
    <>
      <p className="muted" aria-live="polite">
        {groups.total === null
          ? groups.error
            ? ''
            : 'Grouping arrays by retainer path…'
          : `${groups.total.toLocaleString('en-US')} retainer ${groups.total === 1 ? 'path' : 'paths'}; each group holds the arrays whose four nearest retainers have the same classes and references. Sizes are sums (an array inside another counts in both).`}
      </p>
      {groups.error && (
        <p role="alert" className="error">
          {groups.error}
        </p>
      )}
      <VirtualTable
        label="Array groups"
        columns={columns}
        rowCount={rows.length}
        row={describe}
        active={active}
        onActiveChange={(position) => setActiveKey(rows[position]?.key ?? null)}
        onActivate={activate}
        onRowClick={(position) => rows[position]?.kind === 'group' && activate(position)}
        onExpand={(position) => {
          const row = rows[position]
          if (row?.kind !== 'group') return
          if (!row.expanded) setGroupExpanded(row.group.signature, true)
          else if (rows[position + 1]?.kind === 'member') setActiveKey(rows[position + 1].key)
        }}
        onCollapse={(position) => {
          const row = rows[position]
          if (row?.kind === 'group') {
            if (row.expanded) setGroupExpanded(row.group.signature, false)
          } else if (row) setActiveKey(`g ${row.signature}`)
        }}
        sort={sort}
        onSort={(column) => {
          onSort(column)
          setActiveKey(null)
        }}
        scrollResetKey={`${by} ${order} ${filter}`}
        maxHeight="calc(100vh - 17rem)"
        empty={
          groups.total !== null && (
            <p className="muted">{filter ? `No array matches “${filter}”.` : 'No arrays.'}</p>
          )
        }
      />
      <MoreRow pages={groups} />
    </>
  )
}
