// An allocation profile bottom-up (tracemalloc's statistics()): its sites by function, line or
// file, largest self size first; compared with a base profile, each site's growth (its
// compare_to()). A site leads to the live objects its function allocated in a snapshot that
// has allocation stacks.
import { useState } from 'react'
import type {
  AllocationGrouping,
  AllocationSite,
  AllocationSiteChange,
  HeapgraphApi,
  ProfileInfo,
  SnapshotInfo,
} from '../../../shared/protocol'
import { MoreRow } from '../../components/more-row'
import { usePages } from '../../components/use-pages'
import { useActiveRow, VirtualTable, type Column } from '../../components/virtual-rows'
import { fileName, formatBytes } from '../../format'
import { siteKeyOf, siteLabel } from './site-label'
import type { SiteChoice } from '../summary/summary-view'

const PAGE = 200

const SITE_COLUMNS: readonly Column[] = [
  { id: 'site', label: 'Site' },
  { id: 'selfSize', label: 'Self', numeric: true, width: '6.5rem' },
  { id: 'share', label: '%', numeric: true, width: '4.5rem' },
  { id: 'count', label: 'Samples', numeric: true, width: '5.5rem' },
  { id: 'totalSize', label: 'Total', numeric: true, width: '6.5rem' },
  { id: 'live', label: '', width: '7.5rem' },
]

const CHANGE_COLUMNS: readonly Column[] = [
  { id: 'site', label: 'Site' },
  { id: 'selfSize', label: 'Self', numeric: true, width: '6.5rem' },
  { id: 'sizeDiff', label: 'Change', numeric: true, width: '6.5rem' },
  { id: 'count', label: 'Samples', numeric: true, width: '5.5rem' },
  { id: 'countDiff', label: 'Change', numeric: true, width: '5.5rem' },
  { id: 'live', label: '', width: '7.5rem' },
]

const signed = (value: number, format: (value: number) => string): string =>
  value > 0 ? `+${format(value)}` : value < 0 ? `−${format(-value)}` : '0'

export function SiteTable({
  api,
  profile,
  profiles,
  snapshots,
  onSite,
}: {
  api: HeapgraphApi
  profile: ProfileInfo
  /** Other open profiles, to compare with. */
  profiles: ProfileInfo[]
  /** Open snapshots; those with allocation stacks can show a site's live objects. */
  snapshots: SnapshotInfo[]
  onSite: (snapshot: SnapshotInfo, site: SiteChoice) => void
}): React.JSX.Element {
  const [by, setBy] = useState<AllocationGrouping>('function')
  const [baseId, setBaseId] = useState('')
  const bases = profiles.filter((each) => each.profileId !== profile.profileId)
  const base = bases.find((each) => each.profileId === baseId) ?? null
  const stacked = snapshots.filter((info) => info.allocationStacks)
  const [targetId, setTargetId] = useState('')
  const target = stacked.find((info) => info.snapshotId === targetId) ?? stacked.at(-1) ?? null
  const pages = usePages<AllocationSite | AllocationSiteChange>(
    (start, count) =>
      base
        ? api.compareAllocationSites({
            profileId: profile.profileId,
            baseProfileId: base.profileId,
            by,
            start,
            count,
          })
        : api.getAllocationSites({ profileId: profile.profileId, by, start, count }),
    PAGE,
    [profile.profileId, by, base?.profileId],
  )
  const [active, setActive] = useActiveRow(pages.items.length)
  const columns = base ? CHANGE_COLUMNS : SITE_COLUMNS
  const liveButton = (site: AllocationSite): React.ReactNode => {
    const key = siteKeyOf(site, by)
    if (!key || !target) return null
    const text = siteLabel(site, 'line', profile.scriptRoot)
    return (
      <button
        tabIndex={-1}
        title={`The objects ${site.functionName || 'this function'} allocated that are alive in ${fileName(target.file)}`}
        onClick={() => onSite(target, { ...key, text })}
      >
        Live objects
      </button>
    )
  }
  return (
    <>
      <div className="table-tools">
        <label>
          Group by{' '}
          <select value={by} onChange={(event) => setBy(event.target.value as AllocationGrouping)}>
            <option value="function">function</option>
            <option value="line">line</option>
            <option value="file">file</option>
          </select>
        </label>
        <label>
          Compare with{' '}
          <select value={base?.profileId ?? ''} onChange={(event) => setBaseId(event.target.value)}>
            <option value="">nothing</option>
            {bases.map((each) => (
              <option key={each.profileId} value={each.profileId}>
                {fileName(each.file)}
              </option>
            ))}
          </select>
        </label>
        {stacked.length > 1 && (
          <label>
            Live objects in{' '}
            <select
              value={target?.snapshotId ?? ''}
              onChange={(event) => setTargetId(event.target.value)}
            >
              {stacked.map((info) => (
                <option key={info.snapshotId} value={info.snapshotId}>
                  {fileName(info.file)}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p className="muted">
        {base
          ? `Growth of each site since ${fileName(base.file)} (${formatBytes(base.totalSize)} sampled there, ${formatBytes(profile.totalSize)} here), largest change first.`
          : `Sites by ${by}, largest self size first: bytes sampled as allocated in the site itself (self) and in what it called (total).`}{' '}
        {by === 'line' &&
          'A sampling profile records where each allocating function is defined, not the statement: “line” is the function’s line. '}
        {stacked.length === 0
          ? 'Open a snapshot taken with allocation stacks (heapgraph record --timeline) to see the live objects of a site.'
          : by === 'file'
            ? ''
            : `“Live objects” shows what a site allocated that is alive in ${fileName(target?.file ?? '')}.`}
      </p>
      {pages.error && (
        <p role="alert" className="error">
          {pages.error}
        </p>
      )}
      <VirtualTable
        label="Allocation sites"
        columns={columns}
        rowCount={pages.items.length}
        active={active}
        onActiveChange={setActive}
        maxHeight="calc(100vh - 18rem)"
        row={(position) => {
          const site = pages.items[position]
          const label = siteLabel(site, by, profile.scriptRoot)
          const change = 'sizeDiff' in site ? site : null
          return {
            key: `${position}:${label}`,
            cells: change ? (
              <>
                <td className="name" title={site.url}>
                  {label}
                </td>
                <td className="number">{formatBytes(site.selfSize)}</td>
                <td className="number">{signed(change.sizeDiff, formatBytes)}</td>
                <td className="number">{site.count.toLocaleString('en-US')}</td>
                <td className="number">
                  {signed(change.countDiff, (value) => value.toLocaleString('en-US'))}
                </td>
                <td>{liveButton(site)}</td>
              </>
            ) : (
              <>
                <td className="name" title={site.url}>
                  {label}
                </td>
                <td className="number">{formatBytes(site.selfSize)}</td>
                <td className="number">
                  {profile.totalSize > 0
                    ? `${((site.selfSize / profile.totalSize) * 100).toFixed(1)} %`
                    : '–'}
                </td>
                <td className="number">{site.count.toLocaleString('en-US')}</td>
                <td className="number">{formatBytes(site.totalSize)}</td>
                <td>{liveButton(site)}</td>
              </>
            ),
          }
        }}
        empty={pages.total === 0 && <p className="muted">No allocation was sampled.</p>}
      />
      <MoreRow pages={pages} />
    </>
  )
}
