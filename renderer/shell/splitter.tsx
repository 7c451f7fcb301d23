// A vertical splitter between two panes: drag it, or focus it and use ←/→ (Shift for larger
// steps, Home/End for the limits). The width it controls is a CSS custom property on the shell,
// so a resize re-lays out the grid without re-rendering the panes. Widths persist per splitter.
import { useEffect, useRef, useState } from 'react'

interface Props {
  /** Names the pane it resizes, for people ("Sidebar", "Object details"). */
  label: string
  /** The custom property set on the shell element (`--sidebar-width`). */
  property: string
  /** The shell element whose property is set. */
  target: React.RefObject<HTMLElement | null>
  min: number
  max: number
  initial: number
  /** +1 when dragging right widens the pane (a left pane), -1 when it narrows it (a right pane). */
  direction: 1 | -1
}

const STORAGE_PREFIX = 'heapgraph:pane:'

function stored(property: string, fallback: number, min: number, max: number): number {
  try {
    const value = Number(localStorage.getItem(STORAGE_PREFIX + property))
    return value >= min && value <= max ? value : fallback
  } catch {
    return fallback
  }
}

export function Splitter({
  label,
  property,
  target,
  min,
  max,
  initial,
  direction,
}: Props): React.JSX.Element {
  const [width, setWidth] = useState(() => stored(property, initial, min, max))
  const drag = useRef<{ startX: number; startWidth: number } | null>(null)
  useEffect(() => {
    target.current?.style.setProperty(property, `${width}px`)
    try {
      localStorage.setItem(STORAGE_PREFIX + property, String(width))
    } catch {
      // Storage may be unavailable (private profiles); the width then lasts for this page.
    }
  }, [width, property, target])
  const clamp = (value: number): number => Math.round(Math.min(max, Math.max(min, value)))
  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize ${label}`}
      aria-valuemin={min}
      aria-valuemax={max}
      aria-valuenow={width}
      tabIndex={0}
      onPointerDown={(event) => {
        event.preventDefault()
        event.currentTarget.setPointerCapture(event.pointerId)
        drag.current = { startX: event.clientX, startWidth: width }
      }}
      onPointerMove={(event) => {
        if (!drag.current) return
        setWidth(clamp(drag.current.startWidth + direction * (event.clientX - drag.current.startX)))
      }}
      onPointerUp={() => {
        drag.current = null
      }}
      onKeyDown={(event) => {
        const step = event.shiftKey ? 64 : 16
        const moves: Record<string, number> = {
          ArrowLeft: width - direction * step,
          ArrowRight: width + direction * step,
          Home: min,
          End: max,
        }
        if (!(event.key in moves)) return
        event.preventDefault()
        setWidth(clamp(moves[event.key]))
      }}
    />
  )
}
