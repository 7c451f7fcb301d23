// Where snapshots captured from the UI are saved: a folder the user can see and change (kept in
// the config folder's settings.json), by default `heapgraph-captures` in the home folder
// (HEAPGRAPH_CAPTURE_DIR overrides the default). A folder is checked before it is kept: it must
// be an absolute path that can be created and written.
import { constants } from 'node:fs'
import { access, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { ApiError } from '../../shared/protocol'

export function defaultCaptureFolder(): string {
  return process.env.HEAPGRAPH_CAPTURE_DIR ?? join(homedir(), 'heapgraph-captures')
}

interface Settings {
  captureFolder?: string
}

/**
 * Creates a folder and its missing parents one level at a time. (Node's recursive mkdir never
 * returns for some paths, such as one under /proc, where each level answers ENOENT.)
 */
async function makeFolder(path: string): Promise<void> {
  const missing: string[] = []
  let at = path
  while (
    !(await stat(at).then(
      () => true,
      () => false,
    ))
  ) {
    missing.unshift(at)
    const parent = dirname(at)
    if (parent === at) break
    at = parent
  }
  for (const level of missing) await mkdir(level)
}

export class CaptureFolder {
  private readonly path: string

  constructor(
    configDir: string,
    private readonly fallback: string = defaultCaptureFolder(),
  ) {
    this.path = join(configDir, 'settings.json')
  }

  private async read(): Promise<Settings> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'))
      return typeof parsed === 'object' && parsed !== null ? (parsed as Settings) : {}
    } catch {
      return {}
    }
  }

  /** The folder captures go to, and whether it is the default one. */
  async get(): Promise<{ folder: string; isDefault: boolean }> {
    const chosen = (await this.read()).captureFolder
    return typeof chosen === 'string' && isAbsolute(chosen)
      ? { folder: chosen, isDefault: false }
      : { folder: this.fallback, isDefault: true }
  }

  /** Checks and keeps a new folder (created if missing); throws ApiError('bad-folder'). */
  async set(folder: string): Promise<{ folder: string; isDefault: boolean }> {
    if (!isAbsolute(folder)) {
      throw new ApiError('bad-folder', `"${folder}" is not an absolute path`)
    }
    const path = resolve(folder)
    try {
      await makeFolder(path)
      await access(path, constants.W_OK)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new ApiError('bad-folder', `cannot save snapshots in ${path}: ${reason}`)
    }
    const settings = { ...(await this.read()), captureFolder: path }
    await mkdir(join(this.path, '..'), { recursive: true })
    const partial = `${this.path}.${process.pid}.partial`
    await writeFile(partial, JSON.stringify(settings, null, 2) + '\n')
    await rename(partial, this.path)
    return { folder: path, isDefault: false }
  }
}
