// An allocation profile as a flame chart (an icicle: V8's head on top, each call below its
// caller, as wide as the bytes sampled in it and in what it called). Hover a bar for its
// numbers; click it to zoom in (it fills the width); Esc or "Reset zoom" zooms out. The call
// tree tab says the same in text.
import { useEffect, useMemo, useRef, useState } from 'react'
import type {
  FlameChart as FlameChartData,
  HeapgraphApi,
  ProfileInfo,
} from '../../../shared/protocol'
import { useQuery } from '../../components/use-query'
import { formatBytes } from '../../format'
import { siteLabel } from './site-label'

const ROW = 20
const MIN_LABEL_WIDTH = 36

/** A stable hue per script, so one file's functions share a colour family. */
function hueOf(text: string): number {
  let hash = 0
  for (let k = 0; k < text.length; k++) hash = (Math.imul(hash, 31) + text.charCodeAt(k)) | 0
  return Math.abs(hash) % 360
}

function useWidth(element: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0)
  useEffect(() => {
    const target = element.current
    if (!target) return
    const observer = new ResizeObserver(() => setWidth(target.clientWidth))
    observer.observe(target)
    setWidth(target.clientWidth)
    return () => observer.disconnect()
  }, [element])
  return width
}

function draw(
  canvas: HTMLCanvasElement,
  chart: FlameChartData,
  width: number,
  view: { start: number; width: number },
  labels: string[],
  hovered: number | null,
): void {
  const ratio = window.devicePixelRatio || 1
  const height = (chart.maxDepth + 1) * ROW
  canvas.width = Math.max(1, Math.round(width * ratio))
  canvas.height = Math.max(1, Math.round(height * ratio))
  canvas.style.width = `${width}px`
  canvas.style.height = `${height}px`
  const context = canvas.getContext('2d')
  if (!context) return
  context.scale(ratio, ratio)
  context.clearRect(0, 0, width, height)
  const dark = window.matchMedia('(prefers-color-scheme: dark)').matches
  const style = getComputedStyle(canvas)
  context.font = `12px ${style.fontFamily}`
  context.textBaseline = 'middle'
  const scale = width / Math.max(1, view.width)
  for (let bar = 0; bar < chart.nodeId.length; bar++) {
    const left = (chart.start[bar] - view.start) * scale
    const barWidth = chart.width[bar] * scale
    if (left + barWidth <= 0 || left >= width || barWidth < 0.5) continue
    const x = Math.max(0, left)
    const w = Math.min(width, left + barWidth) - x
    const y = chart.depth[bar] * ROW
    const frame = chart.frames[chart.frame[bar]]
    const hue = hueOf(frame.url || frame.functionName)
    context.fillStyle =
      bar === hovered
        ? dark
          ? 'hsl(210 90% 65%)'
          : 'hsl(210 90% 45%)'
        : dark
          ? `hsl(${hue} 45% 32%)`
          : `hsl(${hue} 70% 80%)`
    context.fillRect(x, y, Math.max(0.5, w - 1), ROW - 1)
    if (w >= MIN_LABEL_WIDTH) {
      context.fillStyle = bar === hovered ? '#ffffff' : dark ? '#e6edf3' : '#1f2328'
      context.save()
      context.beginPath()
      context.rect(x + 3, y, w - 6, ROW)
      context.clip()
      context.fillText(labels[bar], x + 4, y + ROW / 2)
      context.restore()
    }
  }
}

export function FlameChart({
  api,
  profile,
}: {
  api: HeapgraphApi
  profile: ProfileInfo
}): React.JSX.Element {
  const chart = useQuery(
    () => api.getFlameChart({ profileId: profile.profileId }),
    [profile.profileId],
  )
  const box = useRef<HTMLDivElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const width = useWidth(box)
  const [zoom, setZoom] = useState<number | null>(null)
  const [hovered, setHovered] = useState<number | null>(null)
  const data = chart.data
  const labels = useMemo(
    () =>
      data
        ? data.frame.map((frame, bar) =>
            bar === 0
              ? '(all allocations)'
              : siteLabel(data.frames[frame], 'function', profile.scriptRoot),
          )
        : [],
    [data, profile.scriptRoot],
  )
  const view =
    data && zoom !== null
      ? { start: data.start[zoom], width: data.width[zoom] }
      : { start: 0, width: data?.totalSize ?? 1 }
  useEffect(() => {
    if (data && canvas.current && width > 0)
      draw(canvas.current, data, width, view, labels, hovered)
  })
  const barAt = (event: React.PointerEvent<HTMLCanvasElement>): number | null => {
    if (!data) return null
    const rect = event.currentTarget.getBoundingClientRect()
    const depth = Math.floor((event.clientY - rect.top) / ROW)
    const bytes = view.start + ((event.clientX - rect.left) / rect.width) * view.width
    for (let bar = 0; bar < data.nodeId.length; bar++) {
      if (data.depth[bar] !== depth) continue
      if (bytes >= data.start[bar] && bytes < data.start[bar] + data.width[bar]) return bar
    }
    return null
  }
  const shown = hovered ?? zoom
  const describe = (bar: number): string =>
    data
      ? `${labels[bar]}: ${formatBytes(data.width[bar])} (${((data.width[bar] / Math.max(1, data.totalSize)) * 100).toFixed(1)} % of all sampled)`
      : ''
  // The box is there from the start, so its width is known when the chart's data arrives.
  return (
    <div className="flame">
      {chart.error && (
        <p role="alert" className="error">
          {chart.error}
        </p>
      )}
      {!data && !chart.error && <p className="muted">Laying out the flame chart…</p>}
      <div className="table-tools" hidden={!data}>
        <button type="button" disabled={zoom === null} onClick={() => setZoom(null)}>
          Reset zoom
        </button>
        <span className="muted" role="status">
          {shown === null ? 'Hover a bar for its bytes; click it to zoom in.' : describe(shown)}
        </span>
      </div>
      <div className="flame-box" ref={box}>
        <canvas
          ref={canvas}
          role="img"
          tabIndex={0}
          hidden={!data}
          aria-label={
            data
              ? `Flame chart of ${formatBytes(data.totalSize)} sampled: ${data.nodeId.length.toLocaleString('en-US')} calls, ${data.maxDepth} deep. The call tree tab lists the same calls as text.`
              : 'Flame chart'
          }
          onPointerMove={(event) => setHovered(barAt(event))}
          onPointerLeave={() => setHovered(null)}
          onClick={(event) => {
            const bar = barAt(event as unknown as React.PointerEvent<HTMLCanvasElement>)
            if (bar !== null) setZoom(bar === 0 ? null : bar)
          }}
          onKeyDown={(event) => {
            if (event.key === 'Escape' && zoom !== null) {
              event.preventDefault()
              event.stopPropagation()
              setZoom(null)
            }
          }}
        />
      </div>
    </div>
  )
}
