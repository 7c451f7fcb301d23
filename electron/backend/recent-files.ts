// The recent-files list behind the start page and File › Open Recent: the last ten snapshots
// opened, most recent first, kept as JSON in the config folder. A missing or unreadable list is
// an empty one; a failed write loses only the list, never the open.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { RecentFile } from '../../shared/protocol'

const LIMIT = 10

export function defaultConfigDir(): string {
  return process.env.HEAPGRAPH_CONFIG_DIR ?? join(homedir(), '.config', 'heapgraph')
}

function isRecentFile(value: unknown): value is RecentFile {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Record<string, unknown>
  return (
    typeof entry.file === 'string' &&
    typeof entry.openedAt === 'number' &&
    typeof entry.nodeCount === 'number' &&
    typeof entry.totalSize === 'number'
  )
}

export class RecentFiles {
  private readonly path: string
  /** Writes are chained so two opens never interleave their read-modify-write. */
  private writing: Promise<void> = Promise.resolve()

  constructor(private readonly dir: string) {
    this.path = join(dir, 'recent.json')
  }

  /** The list, without files that no longer exist. */
  async list(): Promise<RecentFile[]> {
    const entries = await this.read()
    const present = await Promise.all(
      entries.map((entry) =>
        stat(entry.file).then(
          () => true,
          () => false,
        ),
      ),
    )
    return entries.filter((_, index) => present[index])
  }

  add(entry: RecentFile): Promise<void> {
    this.writing = this.writing.then(async () => {
      const entries = [entry, ...(await this.read()).filter((item) => item.file !== entry.file)]
      try {
        await mkdir(this.dir, { recursive: true })
        const temporary = `${this.path}.${process.pid}.tmp`
        await writeFile(temporary, JSON.stringify(entries.slice(0, LIMIT), null, 2))
        await rename(temporary, this.path)
      } catch {
        // A read-only home must not stop anyone from opening a snapshot.
      }
    })
    return this.writing
  }

  private async read(): Promise<RecentFile[]> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'))
      return Array.isArray(parsed) ? parsed.filter(isRecentFile) : []
    } catch {
      return []
    }
  }
}
