// The OS's light or dark theme, followed live: what the page's CSS does with
// prefers-color-scheme, for the parts drawn by script (the retainer graph's canvas).
import { useEffect, useState } from 'react'
import type { ColorScheme } from '../../shared/view/graph-model'

const DARK_QUERY = '(prefers-color-scheme: dark)'

const current = (): ColorScheme => (window.matchMedia(DARK_QUERY).matches ? 'dark' : 'light')

export function useColorScheme(): ColorScheme {
  const [scheme, setScheme] = useState<ColorScheme>(current)
  useEffect(() => {
    const query = window.matchMedia(DARK_QUERY)
    const update = (): void => setScheme(current())
    query.addEventListener('change', update)
    update()
    return () => query.removeEventListener('change', update)
  }, [])
  return scheme
}
