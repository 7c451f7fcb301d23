// The app's trust boundaries, attacked from outside: IPC from foreign frames and with malformed
// or prototype-polluting arguments (the desktop handlers' own sender check and settle(), minus
// Electron), web mode's token, Origin and Host checks and its loopback-only listening, and CDP
// attach refusing remote hosts from the app's API before any traffic. Complements
// api-conformance (token, Origin, 0.0.0.0), app-backend (/upload token and Origin), attach
// and cli-attach (remote hosts from the engine and the CLI), unit/ipc (sender basics).
import net from 'node:net'
import { request } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { isLoopback } from '../../electron/backend/cdp/endpoint'
import { channelOf, isTrustedSender } from '../../electron/ipc'
import { startWebServer, type WebServer } from '../../electron/web-server'
import { API_METHODS } from '../../shared/protocol'
import { settle, type RpcReply } from '../../shared/rpc/rpc'

const INDEX = 'file:///opt/Heapgraph/resources/app.asar/dist/renderer/index.html'
const FOLDER = 'file:///opt/Heapgraph/resources/app.asar/dist/renderer'

let backend: Backend

beforeAll(() => {
  backend = createBackend()
})

afterAll(async () => {
  await backend.dispose()
})

/** Every outgoing TCP connection this process attempts; non-loopback ones fail at once. */
const attempted: string[] = []
const realConnect = net.Socket.prototype.connect
beforeAll(() => {
  // A regression in the host checks must not become traffic to another machine.
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.createConnection passes its normalized [options, callback] pair as one argument.
    const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args
    const host =
      typeof first === 'object' && first !== null
        ? ((first as { host?: string }).host ?? 'localhost')
        : typeof second === 'string'
          ? second
          : 'localhost'
    attempted.push(host)
    if (!isLoopback(host)) throw new Error(`test guard: no connection to ${host}`)
    return (realConnect as (...rest: unknown[]) => net.Socket).apply(this, args)
  } as typeof net.Socket.prototype.connect
})
afterAll(() => {
  net.Socket.prototype.connect = realConnect
})

/** A call as the desktop handler makes it: structured-cloned arguments, a reply, never a throw. */
async function ipc(method: unknown, args: unknown): Promise<RpcReply> {
  return structuredClone(await settle(backend.call, method, structuredClone(args)))
}

function errorCode(reply: RpcReply): string | undefined {
  return 'error' in reply ? reply.error.code : undefined
}

describe('desktop IPC senders', () => {
  it("trusts the app's own renderer pages", () => {
    expect(isTrustedSender(INDEX, INDEX)).toBe(true)
    expect(isTrustedSender(`${INDEX}?view=arrays#/object/12`, INDEX)).toBe(true)
  })

  it('refuses other origins, schemes and files outside the renderer folder', () => {
    const foreign = [
      'http://evil.example/',
      'https://evil.example/index.html',
      'http://127.0.0.1:5173/index.html',
      'file:///etc/passwd',
      'file:///opt/Heapgraph/resources/app.asar/dist/index.html',
      'file:///opt/Heapgraph/resources/app.asar/dist/renderer-evil/index.html',
      'file:///tmp/dist/renderer/index.html',
      `${FOLDER}/../../../../../etc/passwd`,
      `${FOLDER}/%2e%2e/%2e%2e/index.html`,
      `${FOLDER}/..%2f..%2fetc%2fpasswd`,
      `${FOLDER}/assets/..%5c..%5cindex.html`,
      'data:text/html,<script>heapgraphDesktop.invoke.openSnapshot({})</script>',
      'about:blank',
      'about:srcdoc',
      'javascript:alert(1)',
      'blob:file:///0b8e7d2c-4f8a-4a47-9a64-6a0b2b3f4a11',
      'devtools://devtools/bundled/inspector.html',
      'chrome://gpu',
      '',
      'not a url',
    ]
    for (const url of foreign) expect(isTrustedSender(url, INDEX), url).toBe(false)
    expect(isTrustedSender(undefined, INDEX)).toBe(false)
  })

  // Found by this suite: a file URL with a host is a network share (a UNC path on Windows).
  it('refuses a file URL with a host (a UNC path on Windows) under the same path', () => {
    const share = INDEX.replace('file:///', 'file://evil-host/')
    expect(share).not.toBe(INDEX)
    expect(isTrustedSender(share, INDEX)).toBe(false)
  })

  it('has one channel per API method and no other', () => {
    const channels = Object.keys(API_METHODS).map(channelOf)
    expect(new Set(channels).size).toBe(channels.length)
    for (const channel of channels) expect(channel).toMatch(/^heapgraph:[a-z][A-Za-z]+$/)
  })
})

describe('desktop IPC arguments', () => {
  it('refuses unknown and non-string method names', async () => {
    for (const method of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'call',
      'dispose',
      'onProgress',
      'onSnapshot',
      'hostProcessId',
      '',
      42,
      null,
      { method: 'openSnapshot' },
    ]) {
      expect(errorCode(await ipc(method, {})), String(method)).toBe('no-method')
    }
  })

  it('refuses malformed arguments with bad-arguments, for every kind of method', async () => {
    const calls: Array<[string, unknown]> = [
      ['openSnapshot', null],
      ['openSnapshot', 'app.heapsnapshot'],
      ['openSnapshot', ['app.heapsnapshot']],
      ['openSnapshot', { file: '' }],
      ['openSnapshot', { file: 42 }],
      ['openSnapshot', { file: 'x'.repeat(4097) }],
      ['closeSnapshot', {}],
      ['getSummary', { snapshotId: { $ne: null } }],
      ['getSummary', { snapshotId: 'a', start: -1 }],
      ['getObject', { snapshotId: 'a', node: '1' }],
      ['getObject', { snapshotId: 'a', node: Number.NaN }],
      ['getEdges', { snapshotId: 'a', node: 1, count: 1e9 }],
      ['search', { snapshotId: 'a', text: 'x'.repeat(501) }],
      ['cancel', { operationId: 'x'.repeat(65) }],
      ['listTargets', { host: '', port: 9229 }],
      ['listTargets', { host: '127.0.0.1', port: 0 }],
      ['attach', {}],
      ['attach', { pid: -1 }],
      ['attach', { pid: 1.5 }],
      ['attach', { webSocketUrl: 'x'.repeat(2049) }],
      ['captureSnapshot', { attachId: 'a', operationId: 'b', exposeInternals: 'yes' }],
    ]
    for (const [method, args] of calls) {
      const reply = await ipc(method, args)
      expect(errorCode(reply), `${method} ${JSON.stringify(args)?.slice(0, 80)}`).toBe(
        'bad-arguments',
      )
    }
  })

  it('leaves Object.prototype untouched by __proto__ and constructor keys', async () => {
    const payloads = [
      '{"__proto__": {"polluted": "yes"}, "snapshotId": "nope"}',
      '{"constructor": {"prototype": {"polluted": "yes"}}, "snapshotId": "nope"}',
      '{"snapshotId": "nope", "filter": {"__proto__": {"polluted": "yes"}}}',
    ]
    for (const payload of payloads) {
      // JSON.parse makes "__proto__" an own key, as a WebSocket message or a clone would.
      const reply = await ipc('getSummary', JSON.parse(payload))
      expect(['bad-arguments', 'no-snapshot']).toContain(errorCode(reply))
      const web = await ipc('openSnapshot', JSON.parse(payload.replace('snapshotId', 'file')))
      expect(['bad-arguments', 'io']).toContain(errorCode(web))
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })
})

describe('web mode', () => {
  let server: WebServer

  beforeAll(async () => {
    server = await startWebServer(backend)
  })

  afterAll(async () => {
    await server?.close()
  })

  /** One raw HTTP request to the server, with exactly these headers. */
  function send(
    method: string,
    path: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        { host: '127.0.0.1', port: server.port, method, path, headers, setHost: false },
        (response) => {
          let body = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => (body += chunk))
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
        },
      )
      outgoing.on('error', reject)
      outgoing.end(method === 'POST' ? '{}' : undefined)
    })
  }

  /** The status of a WebSocket upgrade to `path`, or 'open'. */
  function upgrade(path: string, headers: Record<string, string>): Promise<number | 'open'> {
    return new Promise((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers })
      socket.on('open', () => {
        socket.close()
        resolve('open')
      })
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      socket.on('error', () => {})
    })
  }

  const own = (): string => `127.0.0.1:${server.port}`

  it('accepts its own token, Host and Origin', async () => {
    expect(
      await upgrade(`/api?token=${server.token}`, {
        host: own(),
        origin: `http://${own()}`,
      }),
    ).toBe('open')
    expect(await upgrade(`/api?token=${server.token}`, { host: `localhost:${server.port}` })).toBe(
      'open',
    )
  })

  it('refuses a missing, wrong, truncated or re-cased token', async () => {
    const wrong = [
      '',
      'token=',
      `token=${server.token.slice(0, -1)}`,
      `token=${server.token}x`,
      `token=${server.token.toUpperCase() === server.token ? server.token.toLowerCase() : server.token.toUpperCase()}`,
      `tok=${server.token}`,
    ]
    for (const query of wrong) {
      expect(await upgrade(`/api?${query}`, { host: own() }), query).toBe(401)
      expect((await send('POST', `/upload?${query}&name=x`, { host: own() })).status, query).toBe(
        401,
      )
    }
    // The token in a header instead of the URL is no token.
    expect(await upgrade('/api', { host: own(), authorization: `Bearer ${server.token}` })).toBe(
      401,
    )
  })

  it('refuses foreign Origins, including null and look-alikes', async () => {
    const foreign = [
      'https://evil.example',
      'null',
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      `http://localhost.evil.example:${server.port}`,
      `http://127.0.0.1.nip.io:${server.port}`,
      'file://',
    ]
    for (const origin of foreign) {
      expect(await upgrade(`/api?token=${server.token}`, { host: own(), origin }), origin).toBe(403)
      const upload = await send('POST', `/upload?token=${server.token}&name=x`, {
        host: own(),
        origin,
      })
      expect(upload.status, origin).toBe(403)
    }
  })

  it('refuses a foreign Host header (DNS rebinding), token or not', async () => {
    const rebound = [
      `evil.example:${server.port}`,
      'evil.example',
      `127.0.0.1.nip.io:${server.port}`,
      `127.0.0.1:${server.port + 1}`,
    ]
    for (const host of rebound) {
      expect(await upgrade(`/api?token=${server.token}`, { host }), host).toBe(421)
      expect((await send('GET', '/', { host })).status, host).toBe(421)
      expect((await send('POST', `/upload?token=${server.token}&name=x`, { host })).status).toBe(
        421,
      )
    }
    // An empty or missing Host is no better (Node itself answers 400 to an HTTP/1.1 request
    // without one).
    expect([400, 421]).toContain((await send('GET', '/', { host: '' })).status)
    expect([400, 421]).toContain((await send('GET', '/', {})).status)
  })

  it('refuses to listen anywhere but loopback, before binding', async () => {
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.168.1.10',
      'example.com',
      '127.0.0.1.nip.io',
    ]) {
      await expect(startWebServer(backend, { host }), host).rejects.toThrow(/loopback/)
    }
    expect(new URL(server.url).hostname).toBe('127.0.0.1')
    const local = await startWebServer(backend, { host: 'localhost' })
    expect(new URL(local.url).hostname).toBe('localhost')
    await local.close()
  })
})

describe('CDP attach from the app', () => {
  beforeEach(() => {
    attempted.length = 0
  })

  it('refuses non-loopback hosts before any traffic', async () => {
    for (const host of ['10.0.0.1', '192.0.2.1', '0.0.0.0', '::ffff:10.0.0.1', 'example.com']) {
      const reply = await ipc('listTargets', { host, port: 9229 })
      expect(errorCode(reply), host).toBe('remote-not-allowed')
    }
    for (const webSocketUrl of [
      'ws://10.0.0.1:9229/0f2c',
      'ws://[::ffff:a00:1]:9229/0f2c',
      'ws://127.0.0.1.nip.io:9229/0f2c',
    ]) {
      const reply = await ipc('attach', { webSocketUrl })
      expect(errorCode(reply), webSocketUrl).toBe('remote-not-allowed')
    }
    expect(attempted).toEqual([])
  })

  it('offers no way to allow a remote host through the API', () => {
    for (const method of ['listTargets', 'attach'] as const) {
      const parsed = API_METHODS[method].safeParse({
        host: '10.0.0.1',
        port: 9229,
        webSocketUrl: 'ws://10.0.0.1:9229/x',
        allowRemote: true,
      })
      expect(parsed.success).toBe(true)
      expect(parsed.data).not.toHaveProperty('allowRemote')
    }
  })
})

describe('attaching by PID', () => {
  it('never signals a process that is not Node (SIGUSR1 would end it)', async () => {
    const { spawn } = await import('node:child_process')
    const { openInspector } = await import('../../electron/backend/cdp/node-processes')
    const { AttachError } = await import('../../electron/backend/cdp/endpoint')
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' })
    try {
      const error = await openInspector(sleeper.pid ?? 0).then(
        () => null,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(AttachError)
      expect((error as Error).message).toMatch(/is not Node/)
      // Still running: it was never signalled.
      expect(sleeper.exitCode).toBeNull()
      expect(sleeper.signalCode).toBeNull()
      expect(process.kill(sleeper.pid ?? 0, 0)).toBe(true)
    } finally {
      sleeper.kill('SIGKILL')
    }
  })
})

describe('the page itself', () => {
  it('carries a strict Content-Security-Policy wherever it is loaded from', async () => {
    const { readFile } = await import('node:fs/promises')
    const { builtRenderer } = await import('../../electron/cli/serve')
    const dir = await builtRenderer()
    const html = await readFile(`${dir}/index.html`, 'utf8')
    const policy = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(policy).toBeDefined()
    expect(policy).toContain("default-src 'none'")
    expect(policy).toContain("script-src 'self'")
    expect(policy).not.toContain('unsafe')
    // Only loopback sockets, besides the page's own origin.
    expect(policy).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\* ws:\/\/localhost:\*;/)
  }, 120_000)

  it('gives the desktop window a copy whose policy allows no connection at all', async () => {
    // Both copies as scripts/build.mjs wrote them (the tests' global setup builds dist/).
    const { readFile } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const { REPO_ROOT } = await import('../helpers/fixtures')
    const web = await readFile(join(REPO_ROOT, 'dist/renderer/index.html'), 'utf8')
    const desktop = await readFile(join(REPO_ROOT, 'dist/electron/renderer/index.html'), 'utf8')
    expect(desktop).toContain("connect-src 'none'")
    expect(desktop).not.toContain('ws://')
    // Otherwise the same page.
    expect(desktop.replace("connect-src 'none'", '')).toBe(
      web.replace("connect-src 'self' ws://127.0.0.1:* ws://localhost:*", ''),
    )
  })
})
