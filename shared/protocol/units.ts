// Units as people read them, for the engine's own words (labels, verdicts) and the views alike.

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

/** Bytes in decimal units, as DevTools shows them ("12.3 MB"). */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`
}
