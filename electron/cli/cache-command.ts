// `heapgraph cache [ls|clear]`: what the index cache holds (each cached snapshot, its size, when
// it was last used and whether the snapshot is still as it was), and emptying it.
import { cacheDirectory, clearCache, listCache } from '../backend/index-cache/index-cache'
import { formatBytes } from './format'

type Values = Record<string, string | boolean | undefined>

/** Runs the cache command; returns the exit code. */
export async function runCache(positionals: string[], values: Values): Promise<number> {
  const action = positionals[0] ?? 'ls'
  const out = (text: string): void => {
    process.stdout.write(text + '\n')
  }
  if (action === 'clear') {
    const { files, bytes } = await clearCache()
    if (values.json === true) out(JSON.stringify({ directory: cacheDirectory(), files, bytes }))
    else
      out(
        `removed ${files} ${files === 1 ? 'file' : 'files'} (${formatBytes(bytes)}) from ${cacheDirectory()}`,
      )
    return 0
  }
  if (action !== 'ls') {
    process.stderr.write(`heapgraph: cache takes ls or clear, not "${action}"\n`)
    return 2
  }
  const entries = await listCache()
  if (values.json === true) {
    out(
      JSON.stringify({
        directory: cacheDirectory(),
        entries: entries.map((entry) => ({ ...entry, lastUsed: entry.lastUsed.toISOString() })),
      }),
    )
    return 0
  }
  const total = entries.reduce((sum, entry) => sum + entry.bytes, 0)
  out(
    `${cacheDirectory()}: ${entries.length} cached ${entries.length === 1 ? 'snapshot' : 'snapshots'}, ${formatBytes(total)}`,
  )
  for (const entry of entries) {
    const state =
      entry.snapshot === null
        ? 'unreadable'
        : entry.current
          ? ''
          : ' (stale: the file changed or is gone)'
    out(
      `  ${formatBytes(entry.bytes).padStart(9)}  ${entry.lastUsed.toISOString().slice(0, 16).replace('T', ' ')}  ${entry.snapshot ?? entry.cacheFile}${state}`,
    )
  }
  return 0
}
