// A vertical splitter between two panes: drag it, or focus it and use ←/→ (Shift for larger
// steps, Home/End for the limits). The width it controls is a CSS custom property on the shell,
// so a resize re-lays out the grid without re-rendering the panes. A width the user chose
// persists per splitter; until then the width follows the window's (`initial`).
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
  /** The width for a window this wide, until the user chooses one. */
  initial: (windowWidth: number) => number
  /** +1 when dragging right widens the pane (a left pane), -1 when it narrows it (a right pane). */
  direction: 1 | -1
}

const STORAGE_PREFIX = 'heapgraph:pane:'

function stored(property: string, min: number, max: number): number | null {
  try {
    const value = Number(localStorage.getItem(STORAGE_PREFIX + property))
    return value >= min && value <= max ? value : null
  } catch {
    return null
  }
}

/** The window's width, live. */
function useWindowWidth(): number {
  const [width, setWidth] = useState(() => window.innerWidth)
  useEffect(() => {
    const onResize = (): void => setWidth(window.innerWidth)
    window.addEventListener('resize', onResize)
    return () => window.removeEventListener('resize', onResize)
  }, [])
  return width
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
  const [chosen, setChosen] = useState(() => stored(property, min, max))
  const windowWidth = useWindowWidth()
  const clamp = (value: number): number => Math.round(Math.min(max, Math.max(min, value)))
  const width = chosen ?? clamp(initial(windowWidth))
  const drag = useRef<{ startX: number; startWidth: number } | null>(null)
  useEffect(() => {
    target.current?.style.setProperty(property, `${width}px`)
  }, [width, property, target])
  const setWidth = (value: number): void => {
    setChosen(value)
    try {
      localStorage.setItem(STORAGE_PREFIX + property, String(value))
    } catch {
      // Storage may be unavailable (private profiles); the width then lasts for this page.
    }
  }
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
