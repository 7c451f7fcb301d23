// An open allocation profile (.heapprofile: where memory was allocated, by function and line,
// tracemalloc and memory_profiler for V8): bottom-up by site, top-down as a call tree, and as a
// flame chart.
import { useState } from 'react'
import type { HeapgraphApi, ProfileInfo, SnapshotInfo } from '../../../shared/protocol'
import { fileName, formatBytes } from '../../format'
import type { SiteChoice } from '../summary/summary-view'
import { CallTree } from './call-tree'
import { FlameChart } from './flame-chart'
import { SiteTable } from './site-table'

type Tab = 'sites' | 'tree' | 'flame'

const TABS: { id: Tab; label: string }[] = [
  { id: 'sites', label: 'Bottom-up' },
  { id: 'tree', label: 'Call tree' },
  { id: 'flame', label: 'Flame chart' },
]

export function AllocationsView({
  api,
  profile,
  profiles,
  snapshots,
  onSite,
}: {
  api: HeapgraphApi
  profile: ProfileInfo
  profiles: ProfileInfo[]
  snapshots: SnapshotInfo[]
  onSite: (snapshot: SnapshotInfo, site: SiteChoice) => void
}): React.JSX.Element {
  const [tab, setTab] = useState<Tab>('sites')
  return (
    <section className="allocations">
      <h1>Allocations</h1>
      <p className="muted">
        {fileName(profile.file)}: {formatBytes(profile.totalSize)} sampled in{' '}
        {profile.sampleCount.toLocaleString('en-US')} samples over{' '}
        {profile.nodeCount.toLocaleString('en-US')} calls. A sample stands for the bytes allocated
        since the previous one, whether they are alive now or not.
      </p>
      <div className="view-tabs" role="tablist" aria-label="Allocation views">
        {TABS.map((each) => (
          <button
            key={each.id}
            role="tab"
            aria-selected={tab === each.id}
            className={tab === each.id ? 'active' : undefined}
            onClick={() => setTab(each.id)}
          >
            {each.label}
          </button>
        ))}
      </div>
      {tab === 'sites' && (
        <SiteTable
          api={api}
          profile={profile}
          profiles={profiles}
          snapshots={snapshots}
          onSite={onSite}
        />
      )}
      {tab === 'tree' && <CallTree api={api} profile={profile} />}
      {tab === 'flame' && <FlameChart api={api} profile={profile} />}
    </section>
  )
}
