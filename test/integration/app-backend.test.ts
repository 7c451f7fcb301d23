// The backend features behind the app's start page and object panel, against real processes:
// Try the demo (a real leaky Node child, attached), captures streamed straight into an engine
// host, live previews of a captured object, the recent-files list, web mode's upload for dropped
// files, and `heapgraph open` falling back to web mode where Electron's runtime is missing.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { getPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { startWebServer, type WebServer } from '../../electron/web-server'
import {
  ApiError,
  type DemoInfo,
  type SnapshotEvent,
  type SnapshotInfo,
} from '../../shared/protocol'
import { connectWebSocketApi, type WebSocketLike } from '../../shared/rpc/websocket-channel'
import { isAlive } from '../helpers/inspect-target'
import { fixture, REPO_ROOT } from '../helpers/fixtures'

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let configDir: string
let backend: Backend

beforeAll(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'heapgraph-config-'))
  backend = createBackend({ configDir })
})

afterAll(async () => {
  await backend?.dispose()
  await rm(configDir, { recursive: true, force: true })
})

describe('Try the demo', () => {
  let demo: DemoInfo
  let captured: SnapshotInfo

  it('starts the shipped leaky program and attaches to it', async () => {
    demo = await backend.startDemo({})
    expect(isAlive(demo.pid)).toBe(true)
    const usage = await backend.getHeapUsage({ attachId: demo.attachId })
    expect(usage.usedSize).toBeGreaterThan(1_000_000)
  }, 60_000)

  it('streams a capture into an engine host, which finds the leaked arrays and why', async () => {
    const phases = new Set<string>()
    const stop = backend.onProgress((event) => {
      if (event.operationId === 'demo-capture') phases.add(event.phase)
    })
    captured = await backend.captureSnapshot({
      attachId: demo.attachId,
      operationId: 'demo-capture',
    })
    stop()
    expect(phases).toContain('Taking snapshot')
    expect(phases).toContain('Receiving snapshot')
    expect(phases).toContain('Building dominator tree')
    expect(captured.attachId).toBe(demo.attachId)
    const arrays = await backend.getArrays({ snapshotId: captured.snapshotId, count: 5 })
    const leaked = arrays.items.find((entry) => entry.length === 20_000)
    expect(leaked).toBeDefined()
    const paths = await backend.findRetainerPaths({
      snapshotId: captured.snapshotId,
      node: leaked?.node ?? 0,
    })
    const names = paths.paths[0]?.map((step) => step.edge?.name ?? '').join(' ')
    expect(names).toContain('sessionCache')
    expect(names).toContain('latencies')
  }, 120_000)

  it('previews the live object behind a snapshot node while attached', async () => {
    const found = await backend.search({ snapshotId: captured.snapshotId, text: 'RequestSamples' })
    const instance = found.items.find((item) => item.className === 'RequestSamples')
    expect(instance).toBeDefined()
    const properties = await backend.previewObject({
      attachId: demo.attachId,
      objectId: instance?.id ?? 0,
    })
    const byName = new Map(properties.map((property) => [property.name, property]))
    expect(byName.get('latencies')?.description).toBe('Array(20000)')
    expect(byName.get('id')?.type).toBe('number')
  }, 60_000)

  it('lists the capture first among recent files', async () => {
    const recent = await backend.listRecent({})
    expect(recent[0]?.file).toBe(captured.file)
    expect(recent[0]?.nodeCount).toBe(captured.nodeCount)
  })

  it('stops the demo when it is detached, and then refuses its session', async () => {
    await backend.detach({ attachId: demo.attachId })
    await until(() => !isAlive(demo.pid), 'the demo has exited')
    await expect(backend.getHeapUsage({ attachId: demo.attachId })).rejects.toMatchObject({
      code: 'disconnected',
    })
  }, 30_000)

  it('fails a capture whose target dies, leaving no engine host behind', async () => {
    const second = await backend.startDemo({})
    const before = (await backend.listSnapshots({})).length
    let killed = false
    let hostPid: number | undefined
    const stop = backend.onProgress((event) => {
      if (event.operationId !== 'doomed' || killed) return
      killed = true
      hostPid = backend.hostProcessId('doomed')
      process.kill(second.pid, 'SIGKILL')
    })
    const error = await backend
      .captureSnapshot({ attachId: second.attachId, operationId: 'doomed' })
      .then(
        () => null,
        (failure: unknown) => failure,
      )
    stop()
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('disconnected')
    expect((await backend.listSnapshots({})).length).toBe(before)
    expect(backend.hostProcessId('doomed')).toBeUndefined()
    // The engine host that was receiving the capture is gone too.
    expect(hostPid).toBeGreaterThan(0)
    await until(() => !isAlive(hostPid ?? 0), 'the engine host of the capture has exited')
  }, 60_000)
})

describe('snapshot life cycle', () => {
  it('pushes opening, opened and closed to every window over WebSocket, and lists what is opening', async () => {
    const server = await startWebServer(backend)
    const socket = new WebSocket(server.apiUrl)
    const api = await connectWebSocketApi(socket as unknown as WebSocketLike)
    const events: SnapshotEvent[] = []
    const stop = api.onSnapshot((event) => events.push(event))
    try {
      const file = await fixture('map-cache')
      // Opened by someone else (as `heapgraph serve FILE` does): the window is told.
      const opening = backend.openSnapshot({ file })
      await until(() => events.some((event) => event.type === 'opening'), 'opening is pushed')
      const [listed] = await api.listOpening({})
      expect(listed).toEqual({ operationId: expect.any(String), file })
      const info = await opening
      await until(() => events.some((event) => event.type === 'opened'), 'opened is pushed')
      // The engine host runs below normal priority (at least; lower if this process already
      // was), so a load on every core leaves the window its share (Linux: the nice value,
      // field 19 of /proc/PID/stat).
      if (process.platform === 'linux') {
        const pid = backend.hostProcessId(info.snapshotId) ?? 0
        const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
        expect(Number(fields[16])).toBe(Math.max(10, getPriority()))
      }
      expect(await api.listOpening({})).toEqual([])
      await api.closeSnapshot({ snapshotId: info.snapshotId })
      await until(() => events.some((event) => event.type === 'closed'), 'closed is pushed')
      expect(events).toEqual([
        { type: 'opening', operationId: listed.operationId, file },
        { type: 'opened', operationId: listed.operationId, snapshot: info },
        { type: 'closed', snapshotId: info.snapshotId },
      ])
      // Its engine process is gone with it.
      expect(backend.hostProcessId(info.snapshotId)).toBeUndefined()
    } finally {
      stop()
      socket.close()
      await server.close()
    }
  })
})

describe('where captures go', () => {
  it('names the folder, takes a new one, captures into it, saves a copy and reveals files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heapgraph-captures-'))
    const revealed: string[] = []
    const own = createBackend({
      configDir: join(dir, 'config'),
      reveal: (file) => revealed.push(file),
    })
    try {
      // The default, named (tests set HEAPGRAPH_CAPTURE_DIR).
      expect(await own.getCaptureFolder({})).toEqual({
        folder: process.env.HEAPGRAPH_CAPTURE_DIR,
        isDefault: true,
      })
      // Refused: a relative path, and a folder that cannot be made.
      for (const folder of ['captures', '/proc/heapgraph/captures']) {
        const refused = await own.setCaptureFolder({ folder }).catch((error: unknown) => error)
        expect(refused).toBeInstanceOf(ApiError)
        expect((refused as ApiError).code).toBe('bad-folder')
      }
      const chosen = join(dir, 'my captures')
      expect(await own.setCaptureFolder({ folder: chosen })).toEqual({
        folder: chosen,
        isDefault: false,
      })
      // Kept across backends (the settings file).
      const again = createBackend({ configDir: join(dir, 'config') })
      expect((await again.getCaptureFolder({})).folder).toBe(chosen)
      await again.dispose()

      const demo = await own.startDemo({})
      const info = await own.captureSnapshot({ attachId: demo.attachId })
      expect(info.file.startsWith(`${chosen}/capture-`)).toBe(true)
      // Save as: a copy, never over an existing file unless asked.
      const copy = join(dir, 'kept.heapsnapshot')
      expect(await own.saveSnapshotAs({ snapshotId: info.snapshotId, file: copy })).toEqual({
        file: copy,
      })
      expect((await stat(copy)).size).toBe((await stat(info.file)).size)
      const exists = await own
        .saveSnapshotAs({ snapshotId: info.snapshotId, file: copy })
        .catch((error: unknown) => error)
      expect((exists as ApiError).code).toBe('exists')
      await own.saveSnapshotAs({ snapshotId: info.snapshotId, file: copy, overwrite: true })
      expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([])
      // Reveal: the capture and its folder; nothing the app did not write or open.
      await own.revealFile({ file: info.file })
      await own.revealFile({ file: chosen })
      expect(revealed).toEqual([info.file, chosen])
      const foreign = await own.revealFile({ file: '/etc/passwd' }).catch((error: unknown) => error)
      expect((foreign as ApiError).code).toBe('bad-file')
      await own.detach({ attachId: demo.attachId })
    } finally {
      await own.dispose()
      await rm(dir, { recursive: true, force: true })
    }
  }, 90_000)
})

describe('recent files', () => {
  it('keeps opened files most recent first, drops missing ones, survives a corrupt list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heapgraph-recent-'))
    const own = createBackend({ configDir: dir })
    try {
      const copy = join(dir, 'copy.heapsnapshot')
      const original = await fixture('map-cache')
      await writeFile(copy, await import('node:fs/promises').then((fs) => fs.readFile(original)))
      await own.openSnapshot({ file: original })
      await own.openSnapshot({ file: copy })
      expect((await own.listRecent({})).map((entry) => entry.file)).toEqual([copy, original])
      await rm(copy)
      expect((await own.listRecent({})).map((entry) => entry.file)).toEqual([original])
      await writeFile(join(dir, 'recent.json'), '{not json')
      expect(await own.listRecent({})).toEqual([])
    } finally {
      await own.dispose()
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('web mode upload (dropped files)', () => {
  let server: WebServer

  beforeAll(async () => {
    server = await startWebServer(backend)
  })

  afterAll(async () => {
    await server?.close()
  })

  const post = (query: string, body: Buffer, origin?: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${server.port}/upload?${query}`, {
      method: 'POST',
      body,
      headers: origin ? { origin } : {},
    })

  it('stores the upload under its own name, ready to open', async () => {
    const bytes = await import('node:fs/promises').then(async (fs) =>
      fs.readFile(await fixture('map-cache')),
    )
    const response = await post(`token=${server.token}&name=../../evil/leak.heapsnapshot`, bytes)
    expect(response.status).toBe(200)
    const { file } = (await response.json()) as { file: string }
    expect(file.endsWith('/leak.heapsnapshot')).toBe(true)
    expect(file).not.toContain('evil')
    const info = await backend.openSnapshot({ file })
    expect(info.nodeCount).toBeGreaterThan(1000)
  }, 60_000)

  it('removes the uploaded copy once it is opened through the API', async () => {
    const bytes = await import('node:fs/promises').then(async (fs) =>
      fs.readFile(await fixture('map-cache')),
    )
    const response = await post(`token=${server.token}&name=dropped.heapsnapshot`, bytes)
    const { file } = (await response.json()) as { file: string }
    const api = await connectWebSocketApi(new WebSocket(server.apiUrl) as unknown as WebSocketLike)
    try {
      const info = await api.openSnapshot({ file })
      expect(info.nodeCount).toBeGreaterThan(1000)
      await until(() => !existsSync(file), 'the uploaded copy is removed')
      // The snapshot stays open and answers: its engine holds it in memory.
      expect((await api.getSummary({ snapshotId: info.snapshotId })).total).toBeGreaterThan(0)
    } finally {
      api.close()
    }
  }, 60_000)

  it('answers an upload it cannot store with an error, and keeps serving', async () => {
    const fresh = await startWebServer(backend)
    const saved = process.env.TMPDIR
    // Its first upload makes the uploads folder: in a temp folder that does not exist.
    process.env.TMPDIR = '/nonexistent-heapgraph-tmp'
    const postTo = (name: string): Promise<Response> =>
      fetch(`http://127.0.0.1:${fresh.port}/upload?token=${fresh.token}&name=${name}`, {
        method: 'POST',
        body: Buffer.from('{}'),
      })
    try {
      const failed = await postTo('x.heapsnapshot')
      expect(failed.status).toBe(507)
      expect(((await failed.json()) as { error: string }).error).toMatch(/cannot store the upload/)
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
    try {
      const stored = await postTo('y.heapsnapshot')
      expect(stored.status).toBe(200)
    } finally {
      await fresh.close()
    }
  })

  it('refuses a missing or wrong token and foreign origins', async () => {
    expect((await post('name=x.heapsnapshot', Buffer.from('{}'))).status).toBe(401)
    expect((await post('token=wrong&name=x', Buffer.from('{}'))).status).toBe(401)
    const foreign = await post(
      `token=${server.token}&name=x`,
      Buffer.from('{}'),
      'http://evil.test',
    )
    expect(foreign.status).toBe(403)
  })
})

describe('heapgraph open', () => {
  it('falls back to web mode with the snapshot open, and says why', async () => {
    const file = await fixture('map-cache')
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/heapgraph.mjs'), 'open', file, '--no-open'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve)
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
      })
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
      const { port, searchParams } = new URL(url)
      const api = await connectWebSocketApi(
        new WebSocket(
          `ws://127.0.0.1:${port}/api?token=${searchParams.get('token')}`,
        ) as unknown as WebSocketLike,
      )
      try {
        await until(() => stderr.includes('opened'), 'the snapshot is open', 60_000)
        const listed = await api.listSnapshots({})
        expect(listed.map((info) => info.file)).toEqual([file])
      } finally {
        api.close()
      }
      expect(stderr).toMatch(/Electron's runtime is not installed here/)
    } finally {
      child.kill('SIGINT')
    }
  }, 120_000)

  it('refuses a missing file before starting anything', async () => {
    const child = spawn(process.execPath, [
      join(REPO_ROOT, 'bin/heapgraph.mjs'),
      'open',
      'nope.heapsnapshot',
    ])
    let stderr = ''
    let stdout = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr.trim()).toBe('heapgraph: cannot read nope.heapsnapshot: no such file')
    // Nothing started: no server URL was printed.
    expect(stdout).toBe('')
  }, 30_000)
})
