// The attached target's heap over time, drawn by uPlot: used heap, total heap and, when the target
// reports them, ArrayBuffer backing stores against the time since attach, the last ten minutes
// scrolling by, with garbage collections and snapshots as labelled vertical lines. The canvas
// takes its colours from the page's CSS custom properties (styles.css, "Heap chart"), so it follows
// the light or dark theme with the HTML; its box has a fixed height, so nothing moves as data comes.
import { useEffect, useId, useMemo, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { HeapUsage } from '../../../shared/protocol'
import { useColorScheme } from '../../components/use-color-scheme'
import { formatBytes } from '../../format'
import { HISTORY_MS, type Marker } from './use-heap-timeline'

/** The widest time range shown: the newest readings, as much as the timeline keeps. */
const WINDOW_S = HISTORY_MS / 1000
/** The narrowest, so the first few readings do not stretch across the whole width. */
const MIN_SPAN_S = 10
/** Tick steps of the time axis in seconds, as a clock divides time. */
const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]
const FONT_FAMILY = 'system-ui, sans-serif'
/** Markers listed by name in the caption; older ones are counted. */
const CAPTION_MARKER_COUNT = 6

/** The canvas's colours, read from CSS custom properties of the chart's element. */
interface Palette {
  text: string
  grid: string
  paper: string
  used: string
  usedFill: string
  total: string
  backing: string
  gc: string
  snapshot: string
}

function readPalette(element: HTMLElement): Palette {
  const style = getComputedStyle(element)
  const read = (name: string): string => style.getPropertyValue(name).trim()
  return {
    text: read('--chart-text'),
    grid: read('--chart-grid'),
    paper: read('--chart-paper'),
    used: read('--chart-used'),
    usedFill: read('--chart-used-fill'),
    total: read('--chart-total'),
    backing: read('--chart-backing'),
    gc: read('--chart-gc'),
    snapshot: read('--chart-snapshot'),
  }
}

/** Seconds as a clock shows them: "0:05", "12:30", "1:02:03". */
function formatElapsed(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds))
  const hours = Math.floor(whole / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  const rest = String(whole % 60).padStart(2, '0')
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`
}

/** The newest value of a series that has one. */
function latest(values: uPlot.AlignedData[number]): number | null {
  for (let at = values.length - 1; at >= 0; at--) {
    const value = values[at]
    if (value !== null && value !== undefined) return value
  }
  return null
}

/** uPlot's columns: seconds since attach, used, total, and backing stores when reported. */
function toData(samples: readonly HeapUsage[], hasBacking: boolean): uPlot.AlignedData {
  const columns: uPlot.AlignedData = [
    samples.map((sample) => sample.timeMs / 1000),
    samples.map((sample) => sample.usedSize),
    samples.map((sample) => sample.totalSize),
  ]
  return hasBacking ? [...columns, samples.map((sample) => sample.backingStorageSize)] : columns
}

/** The legend's value: at the cursor while it is over the plot, otherwise the newest. */
function bytesValue(chart: uPlot, raw: number, series: number, at: number | null): string {
  const value = at === null ? latest(chart.data[series]) : raw
  return value === null || value === undefined ? '–' : formatBytes(value)
}

/**
 * Garbage collections (dashed) and snapshots (solid) as vertical lines across the plot, each
 * with its label at the top; labels that would overlap move down a row.
 */
function drawMarkers(chart: uPlot, markers: readonly Marker[], palette: Palette): void {
  const { ctx } = chart
  const { left, top, width, height } = chart.bbox
  const ratio = uPlot.pxRatio
  const pad = 3 * ratio
  const lineHeight = 16 * ratio
  const rowEnds: number[] = []
  ctx.save()
  ctx.font = `${Math.round(11 * ratio)}px ${FONT_FAMILY}`
  // uPlot leaves its own alignment of axis values on the context.
  ctx.textAlign = 'left'
  ctx.textBaseline = 'top'
  ctx.lineWidth = Math.max(1, Math.round(1.5 * ratio))
  for (const marker of markers) {
    const x = Math.round(chart.valToPos(marker.timeMs / 1000, 'x', true))
    if (x < left || x > left + width) continue
    const colour = marker.kind === 'gc' ? palette.gc : palette.snapshot
    ctx.strokeStyle = colour
    ctx.setLineDash(marker.kind === 'gc' ? [4 * ratio, 3 * ratio] : [])
    ctx.beginPath()
    ctx.moveTo(x, top)
    ctx.lineTo(x, top + height)
    ctx.stroke()
    const textWidth = ctx.measureText(marker.label).width
    let textX = x + pad
    if (textX + textWidth + pad > left + width) textX = x - pad - textWidth
    let row = rowEnds.findIndex((end) => textX - pad >= end)
    if (row === -1) row = Math.min(rowEnds.length, 2)
    rowEnds[row] = textX + textWidth + pad
    const textY = top + pad + row * lineHeight
    ctx.fillStyle = palette.paper
    ctx.fillRect(textX - pad / 2, textY - pad / 2, textWidth + pad, lineHeight - pad)
    ctx.fillStyle = colour
    ctx.fillText(marker.label, textX, textY)
  }
  ctx.restore()
}

function chartOptions(
  size: { width: number; height: number },
  palette: Palette,
  hasBacking: boolean,
  legendHost: HTMLElement,
  markers: () => readonly Marker[],
): uPlot.Options {
  const axis: uPlot.Axis = {
    stroke: palette.text,
    font: `12px ${FONT_FAMILY}`,
    labelFont: `12px ${FONT_FAMILY}`,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid, width: 1, size: 4 },
  }
  const series: uPlot.Series[] = [
    {
      label: 'Time',
      value: (chart, raw, _series, at) =>
        formatElapsed(at === null ? (latest(chart.data[0]) ?? 0) : raw),
    },
    {
      label: 'Used heap',
      scale: 'bytes',
      stroke: palette.used,
      fill: palette.usedFill,
      width: 2,
      points: { show: false },
      value: bytesValue,
    },
    {
      label: 'Total heap',
      scale: 'bytes',
      stroke: palette.total,
      width: 1.5,
      points: { show: false },
      value: bytesValue,
    },
  ]
  if (hasBacking) {
    series.push({
      label: 'ArrayBuffer backing stores',
      scale: 'bytes',
      stroke: palette.backing,
      width: 1.5,
      points: { show: false },
      value: bytesValue,
    })
  }
  return {
    ...size,
    series,
    scales: {
      x: {
        time: false,
        range: (_chart, min, max) => {
          if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, MIN_SPAN_S]
          const end = Math.max(max, min + MIN_SPAN_S)
          return [Math.max(Math.floor(min), end - WINDOW_S), end]
        },
      },
      bytes: {
        range: (_chart, _min, max) => [0, Number.isFinite(max) && max > 0 ? max * 1.1 : 1e6],
      },
    },
    axes: [
      {
        ...axis,
        scale: 'x',
        label: 'Time since attach (min:s)',
        size: 28,
        labelSize: 18,
        space: 60,
        incrs: TIME_STEPS_S,
        values: (_chart, splits) => splits.map(formatElapsed),
      },
      {
        ...axis,
        scale: 'bytes',
        size: 76,
        values: (_chart, splits) => splits.map(formatBytes),
      },
    ],
    legend: { show: true, live: true, mount: (_chart, table) => legendHost.appendChild(table) },
    cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 7 } },
    hooks: { draw: [(chart) => drawMarkers(chart, markers(), palette)] },
  }
}

/** The figure's caption: the newest reading in words, and the markers. */
function summary(samples: readonly HeapUsage[], markers: readonly Marker[]): string {
  const last = samples.at(-1)
  if (last === undefined) return 'Waiting for the first reading…'
  const parts = [`Used ${formatBytes(last.usedSize)} of ${formatBytes(last.totalSize)}`]
  if (last.backingStorageSize !== null) {
    parts.push(`backing stores ${formatBytes(last.backingStorageSize)}`)
  }
  if (markers.length > 0) {
    const named = markers
      .slice(-CAPTION_MARKER_COUNT)
      .map((marker) => `${marker.label} at ${formatElapsed(marker.timeMs / 1000)}`)
    const earlier = markers.length - named.length
    parts.push((earlier > 0 ? `${earlier} earlier markers, ` : '') + named.join(', '))
  }
  return parts.join(' · ')
}

export function HeapChart({
  samples,
  markers,
}: {
  samples: HeapUsage[]
  markers: Marker[]
}): React.JSX.Element {
  const scheme = useColorScheme()
  const captionId = useId()
  const plotRef = useRef<HTMLDivElement>(null)
  const legendRef = useRef<HTMLDivElement>(null)
  const chartRef = useRef<uPlot | null>(null)
  const hasBacking = samples.some((sample) => sample.backingStorageSize !== null)
  const data = useMemo(() => toData(samples, hasBacking), [samples, hasBacking])
  const dataRef = useRef(data)
  const markersRef = useRef(markers)

  // Hands new readings and markers to the chart. Declared first: when the chart is rebuilt below,
  // the old one is destroyed before this runs, and the new one starts from these refs.
  useEffect(() => {
    dataRef.current = data
    markersRef.current = markers
    chartRef.current?.setData(data)
  }, [data, markers])

  // The chart, built again when the theme changes (its colours are baked into the canvas) or when
  // the backing-store series appears; sized to its box, and following that box's size.
  useEffect(() => {
    const host = plotRef.current
    const legendHost = legendRef.current
    if (host === null || legendHost === null) return
    const size = (): { width: number; height: number } => ({
      width: Math.max(1, Math.floor(host.clientWidth)),
      height: Math.max(1, Math.floor(host.clientHeight)),
    })
    const chart = new uPlot(
      chartOptions(size(), readPalette(host), hasBacking, legendHost, () => markersRef.current),
      dataRef.current,
      host,
    )
    chartRef.current = chart
    const observer = new ResizeObserver(() => {
      const next = size()
      if (next.width !== chart.width || next.height !== chart.height) chart.setSize(next)
    })
    observer.observe(host)
    return () => {
      observer.disconnect()
      chart.destroy()
      chartRef.current = null
    }
  }, [scheme, hasBacking])

  const caption = summary(samples, markers)
  return (
    <figure className="heap-chart">
      <ul className="heap-chart-markers" aria-label="Markers">
        <li>
          <span className="heap-chart-swatch gc" aria-hidden="true" />
          GC: garbage collected
        </li>
        <li>
          <span className="heap-chart-swatch snapshot" aria-hidden="true" />
          Snapshot taken
        </li>
      </ul>
      <div className="heap-chart-frame">
        <div
          ref={plotRef}
          className="heap-chart-plot"
          role="img"
          aria-label="Heap usage over time"
          aria-describedby={captionId}
          data-color-scheme={scheme}
        />
        {samples.length === 0 && (
          <p className="heap-chart-waiting" aria-hidden="true">
            Waiting for the first reading…
          </p>
        )}
      </div>
      <div ref={legendRef} className="heap-chart-legend" />
      <figcaption id={captionId} title={caption}>
        {caption}
      </figcaption>
    </figure>
  )
}
