// The allocation timeline of a snapshot recorded with "Allocations on timeline" (DevTools'
// bars): per interval between two samples, the bytes allocated in it that are still alive.
// Drag across the bars (or use the arrow keys, Shift to extend) to pick an interval: the
// Summary then counts only the objects allocated in it (DevTools' "Objects allocated
// between"); Esc or Clear shows every object again.
import { useState } from 'react'
import type { AllocationInterval, HeapgraphApi } from '../../../shared/protocol'
import { useQuery } from '../../components/use-query'
import { formatBytes } from '../../format'

export interface IntervalChoice {
  afterId: number
  upToId: number | null
  /** Says what was picked, for the Summary's line above its table. */
  text: string
}

const WIDTH = 600
const HEIGHT = 72
const GAP = 1

/** Seconds, as the chart's axis and the choice's text show them. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

/** Where each bar starts and ends on the time axis (the last one, open-ended, one step wide). */
function spans(intervals: readonly AllocationInterval[]): { start: number; end: number }[] {
  const closed = intervals.filter((interval) => interval.endMs !== null)
  const step =
    closed.length > 0
      ? closed.reduce((sum, interval) => sum + ((interval.endMs ?? 0) - interval.startMs), 0) /
        closed.length
      : 1
  return intervals.map((interval) => ({
    start: interval.startMs,
    end: interval.endMs ?? interval.startMs + step,
  }))
}

export function choiceOf(
  intervals: readonly AllocationInterval[],
  from: number,
  to: number,
): IntervalChoice {
  const [low, high] = from <= to ? [from, to] : [to, from]
  const first = intervals[low]
  const last = intervals[high]
  const count = intervals.slice(low, high + 1).reduce((sum, each) => sum + each.count, 0)
  const size = intervals.slice(low, high + 1).reduce((sum, each) => sum + each.size, 0)
  const end = last.endMs === null ? 'the snapshot' : seconds(last.endMs)
  return {
    afterId: first.afterId,
    upToId: last.upToId,
    text: `Objects allocated between ${seconds(first.startMs)} and ${end} and still alive: ${count.toLocaleString('en-US')} objects, ${formatBytes(size)}`,
  }
}

export function AllocationTimeline({
  api,
  snapshotId,
  onChoose,
}: {
  api: HeapgraphApi
  snapshotId: string
  onChoose: (choice: IntervalChoice | null) => void
}): React.JSX.Element | null {
  const timeline = useQuery(() => api.getAllocationTimeline({ snapshotId }), [api, snapshotId])
  const [range, setRange] = useState<{ from: number; to: number } | null>(null)
  const [dragging, setDragging] = useState(false)
  // The heap from before the recording is not part of the timeline (it would dwarf the bars).
  const intervals = (timeline.data ?? []).filter((interval) => !interval.beforeRecording)
  if (timeline.error)
    return (
      <p role="alert" className="error">
        The allocation timeline could not be read: {timeline.error}
      </p>
    )
  if (intervals.length === 0) return null
  const bars = spans(intervals)
  const startMs = bars[0].start
  const endMs = bars[bars.length - 1].end
  const x = (ms: number): number => ((ms - startMs) / Math.max(1e-9, endMs - startMs)) * WIDTH
  const largest = Math.max(1, ...intervals.map((interval) => interval.size))
  const choose = (next: { from: number; to: number } | null): void => {
    setRange(next)
    onChoose(next ? choiceOf(intervals, next.from, next.to) : null)
  }
  const barAt = (clientX: number, box: DOMRect): number => {
    const ms = startMs + ((clientX - box.left) / box.width) * (endMs - startMs)
    const found = bars.findIndex((bar) => ms < bar.end)
    return found === -1 ? bars.length - 1 : found
  }
  const [low, high] = range
    ? [Math.min(range.from, range.to), Math.max(range.from, range.to)]
    : [-1, -1]
  return (
    <figure className="allocation-timeline">
      <figcaption>
        Allocations on the timeline: bytes allocated in each interval that are still alive (largest{' '}
        {formatBytes(largest)}). Drag across the bars, or focus them and use ← → (Shift to extend),
        to count only the objects allocated then.
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="slider"
        tabIndex={0}
        aria-label="Allocation timeline"
        aria-valuemin={0}
        aria-valuemax={intervals.length - 1}
        aria-valuenow={range ? range.to : 0}
        aria-valuetext={range ? choiceOf(intervals, range.from, range.to).text : 'Every object'}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId)
          const at = barAt(event.clientX, event.currentTarget.getBoundingClientRect())
          setDragging(true)
          setRange({ from: at, to: at })
        }}
        onPointerMove={(event) => {
          if (!dragging || !range) return
          const at = barAt(event.clientX, event.currentTarget.getBoundingClientRect())
          if (at !== range.to) setRange({ ...range, to: at })
        }}
        onPointerUp={() => {
          setDragging(false)
          if (range) choose(range)
        }}
        onKeyDown={(event) => {
          const last = intervals.length - 1
          const current = range ?? { from: 0, to: 0 }
          const moves: Record<string, number> = {
            ArrowLeft: Math.max(0, current.to - 1),
            ArrowRight: Math.min(last, range ? current.to + 1 : 0),
            Home: 0,
            End: last,
          }
          if (event.key === 'Escape' && range) {
            event.preventDefault()
            event.stopPropagation()
            choose(null)
            return
          }
          if (!(event.key in moves)) return
          event.preventDefault()
          const to = moves[event.key]
          choose(event.shiftKey ? { from: current.from, to } : { from: to, to })
        }}
      >
        {intervals.map((interval, position) => {
          const left = x(bars[position].start)
          const width = Math.max(1, x(bars[position].end) - left - GAP)
          const height = (interval.size / largest) * (HEIGHT - 4)
          const picked = position >= low && position <= high
          return (
            <rect
              key={interval.index}
              className={picked ? 'bar picked' : 'bar'}
              x={left}
              y={HEIGHT - height}
              width={width}
              height={Math.max(height, interval.size > 0 ? 1 : 0)}
            >
              <title>
                {`${seconds(interval.startMs)}–${interval.endMs === null ? 'snapshot' : seconds(interval.endMs)}: ${interval.count.toLocaleString('en-US')} objects, ${formatBytes(interval.size)} still alive`}
              </title>
            </rect>
          )
        })}
      </svg>
      <div className="allocation-timeline-axis" aria-hidden="true">
        <span>{seconds(startMs)}</span>
        <span>{seconds(endMs)}</span>
      </div>
    </figure>
  )
}
