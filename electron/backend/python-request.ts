// A request for a heap snapshot to a Python process, and its answer, as files (see
// python/heapgraph_py/_capture.py): shared by the signal handler's path (python-capture.ts) and
// sys.remote_exec's (python-remote.ts).
import { lstat, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { AttachError } from './cdp/endpoint'

/** What the caller asks of a capture. */
export interface RequestOptions {
  /** The snapshot file to write (made absolute: the process has its own working folder). */
  file: string
  /** gc.collect() first. */
  collect?: boolean
  /** How long to wait for the answer (default 120 s). */
  timeoutMs?: number
  signal?: AbortSignal
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Writes a request for a snapshot (heapgraph_py reads it), atomically and private. */
export async function writeRequest(
  request: string,
  options: RequestOptions,
  token: string,
): Promise<void> {
  const output = resolve(options.file)
  const partial = `${request}.${process.pid}.partial`
  const handle = await open(partial, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify({ output, collect: options.collect === true, token }))
  } finally {
    await handle.close()
  }
  await rename(partial, request)
}

/** Waits for the process's answer file; resolves with the snapshot's path. */
export async function awaitAnswer(
  pid: number,
  answer: string,
  options: RequestOptions,
  whySlow: string,
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 120_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = await readFile(answer, 'utf8').catch(() => null)
    if (text !== null) {
      await rm(answer, { force: true })
      const result = JSON.parse(text) as { ok?: boolean; path?: string; error?: string }
      if (result.ok && typeof result.path === 'string') return result.path
      throw new AttachError(
        'protocol',
        `process ${pid} could not write its snapshot: ${result.error ?? 'no reason given'}`,
      )
    }
    if (!isAlive(pid))
      throw new AttachError('disconnected', `process ${pid} exited before answering`)
    if (options.signal?.aborted) throw new AttachError('disconnected', 'capture cancelled')
    if (Date.now() > deadline) {
      throw new AttachError(
        'timeout',
        `process ${pid} did not answer within ${Math.round(timeoutMs / 1000)} s (${whySlow})`,
      )
    }
    await new Promise((done) => setTimeout(done, 50))
  }
}

/**
 * The folder must be this user's own, not a symbolic link nor writable by others; its parent
 * this user's or root's, and sticky where others may write in it: whoever could swap the
 * folder would steer the request (and the script a process runs).
 */
export async function checkPrivate(folder: string): Promise<void> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined
  const refuse = (path: string): AttachError =>
    new AttachError('pid', `${path} is not this user's own folder; not using it`)
  const own = await lstat(folder)
  if (own.isSymbolicLink() || (uid !== undefined && own.uid !== uid) || (own.mode & 0o022) !== 0)
    throw refuse(folder)
  const parent = await lstat(dirname(folder))
  const othersWrite = (parent.mode & 0o022) !== 0 && (parent.mode & 0o1000) === 0
  if (uid !== undefined && ((parent.uid !== uid && parent.uid !== 0) || othersWrite))
    throw refuse(dirname(folder))
}
