// Ctrl+F (Cmd+F on macOS) anywhere in the window: calls back instead of opening the browser's
// own find bar. Listens in the capture phase so text fields and tables cannot swallow it.
import { useEffect, useLayoutEffect, useRef } from 'react'
import { isFindShortcut } from '../../../shared/view/shortcuts'

/** Calls `onFind` on the find shortcut while `enabled`, preventing the default find. */
export function useFindShortcut(enabled: boolean, onFind: () => void): void {
  const latest = useRef(onFind)
  useLayoutEffect(() => {
    latest.current = onFind
  })
  useEffect(() => {
    if (!enabled) return
    const listener = (event: KeyboardEvent): void => {
      if (!isFindShortcut(event)) return
      event.preventDefault()
      latest.current()
    }
    window.addEventListener('keydown', listener, true)
    return () => window.removeEventListener('keydown', listener, true)
  }, [enabled])
}
