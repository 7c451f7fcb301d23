// CDP endpoints: host:port validation (loopback unless explicitly allowed: CDP is code execution
// on the target) and target listing over HTTP (/json/list), with timeouts and one-line errors
// for refused connections, silent ports and ports that speak something other than CDP.
import { request } from 'node:http'
import { isIP } from 'node:net'

export type AttachErrorCode =
  | 'refused' // nothing listens on the port
  | 'timeout' // no answer in time
  | 'not-cdp' // something answered, but not a DevTools endpoint
  | 'remote-not-allowed' // a non-loopback host without the explicit option
  | 'no-target' // the target is not (or no longer) in the list
  | 'disconnected' // the target went away during an operation
  | 'busy' // a capture is already running on this target
  | 'pid' // the process could not be found or signalled
  | 'protocol' // the target answered a command with an error

/** Attaching or talking to a target failed; the message is one line a user can act on. */
export class AttachError extends Error {
  override readonly name = 'AttachError'
  constructor(
    readonly code: AttachErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** A debuggable target as /json/list describes it. */
export interface CdpTarget {
  id: string
  type: string
  title: string
  url: string
  webSocketDebuggerUrl: string
}

export interface Endpoint {
  host: string
  port: number
}

export interface EndpointOptions {
  /** Allow a non-loopback host (the caller must warn the user). */
  allowRemote?: boolean
  timeoutMs?: number
}

export const DEFAULT_ENDPOINT: Endpoint = { host: '127.0.0.1', port: 9229 }

/** Whether a host name or address is on this machine's loopback interface. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '')
  if (bare === 'localhost' || bare === '::1') return true
  return isIP(bare) === 4 && bare.startsWith('127.')
}

/** Refuses non-loopback hosts unless allowed. */
export function checkHost(host: string, options: EndpointOptions = {}): void {
  if (!isLoopback(host) && !options.allowRemote) {
    throw new AttachError(
      'remote-not-allowed',
      `${host} is not a loopback address; attaching gives full control of the target, so allow remote hosts explicitly (--allow-remote) if you mean it`,
    )
  }
}

/** Parses `host:port`, `port`, or `[v6]:port`. */
export function parseEndpoint(text: string): Endpoint {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text)
  const port = match ? Number(match[3]) : NaN
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new AttachError('not-cdp', `"${text}" is not host:port (for example 127.0.0.1:9229)`)
  }
  return { host: match[1] || match[2] || DEFAULT_ENDPOINT.host, port }
}

function describe(endpoint: Endpoint): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`
}

/** GETs a small JSON document from the endpoint. */
export function getJson(
  endpoint: Endpoint,
  path: string,
  options: EndpointOptions = {},
): Promise<unknown> {
  checkHost(endpoint.host, options)
  const where = describe(endpoint)
  const timeoutMs = options.timeoutMs ?? 5000
  return new Promise((resolve, reject) => {
    const req = request(
      { host: endpoint.host, port: endpoint.port, path, method: 'GET', timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > 8 * 1024 * 1024) {
            req.destroy()
            reject(
              new AttachError(
                'not-cdp',
                `${where} sent more than 8 MB for ${path}; it is not a DevTools endpoint`,
              ),
            )
            return
          }
          chunks.push(chunk)
        })
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (response.statusCode !== 200) {
            reject(
              new AttachError(
                'not-cdp',
                `${where} answered ${path} with HTTP ${response.statusCode}; it is not a DevTools endpoint`,
              ),
            )
            return
          }
          try {
            resolve(JSON.parse(text))
          } catch {
            reject(
              new AttachError(
                'not-cdp',
                `${where} answered, but not with DevTools JSON; is it a --inspect or --remote-debugging-port port?`,
              ),
            )
          }
        })
        response.on('error', (error) =>
          reject(new AttachError('not-cdp', `${where}: ${error.message}`)),
        )
      },
    )
    req.on('timeout', () => {
      req.destroy()
      reject(new AttachError('timeout', `no answer from ${where} within ${timeoutMs / 1000} s`))
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        reject(
          new AttachError(
            'refused',
            `nothing is listening on ${where} (connection refused); start the target with --inspect or --remote-debugging-port`,
          ),
        )
      } else if (
        error.code === 'ECONNRESET' ||
        error.code === 'EPIPE' ||
        error.code === 'HPE_INVALID_CONSTANT'
      ) {
        reject(
          new AttachError('not-cdp', `${where} does not speak HTTP; it is not a DevTools endpoint`),
        )
      } else {
        // After a timeout the promise is already settled and this rejection is ignored.
        reject(new AttachError('refused', `cannot reach ${where}: ${error.message}`))
      }
    })
    req.end()
  })
}

function isTarget(value: unknown): value is CdpTarget {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  return typeof record.id === 'string' && typeof record.type === 'string'
}

/** Every target of an endpoint (Node: one; Chrome: pages, workers, service workers...). */
export async function listTargets(
  endpoint: Endpoint,
  options: EndpointOptions = {},
): Promise<CdpTarget[]> {
  const list = await getJson(endpoint, '/json/list', options)
  if (!Array.isArray(list) || !list.every(isTarget)) {
    throw new AttachError(
      'not-cdp',
      `${describe(endpoint)} answered /json/list with something that is not a target list`,
    )
  }
  return list.map((target) => ({
    id: target.id,
    type: target.type,
    title: target.title ?? '',
    url: target.url ?? '',
    webSocketDebuggerUrl: target.webSocketDebuggerUrl ?? '',
  }))
}

/** Finds a target by id (or the only one when the endpoint has exactly one and no id is given). */
export async function findTarget(
  endpoint: Endpoint,
  targetId: string | undefined,
  options: EndpointOptions = {},
): Promise<CdpTarget> {
  const targets = await listTargets(endpoint, options)
  if (targetId === undefined) {
    // Never pick among several (a library default prefers a Chrome page): the user chooses.
    if (targets.length === 1) return targets[0]
    const ids = targets
      .map((target) => `${target.id} (${target.type} ${target.title || target.url})`)
      .join(', ')
    throw new AttachError(
      'no-target',
      targets.length === 0
        ? `${describe(endpoint)} has no debuggable targets`
        : `${describe(endpoint)} has ${targets.length} targets; choose one with --target: ${ids}`,
    )
  }
  const target = targets.find((candidate) => candidate.id === targetId)
  if (!target)
    throw new AttachError(
      'no-target',
      `no target ${targetId} at ${describe(endpoint)} (it may have closed)`,
    )
  if (target.type === 'worker') {
    // Chrome answers a dedicated worker only through its page's session.
    throw new AttachError(
      'not-cdp',
      `target ${targetId} is a dedicated worker, which cannot be attached on its own; capture its page instead`,
    )
  }
  if (!target.webSocketDebuggerUrl) {
    throw new AttachError(
      'busy',
      `target ${targetId} has no WebSocket URL: another debugger is attached to it`,
    )
  }
  return target
}

/** The host and port of a ws:// URL, checked for loopback. */
export function endpointOfWebSocket(url: string, options: EndpointOptions = {}): Endpoint {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AttachError('not-cdp', `"${url}" is not a ws:// URL`)
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new AttachError('not-cdp', `"${url}" is not a ws:// URL`)
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  checkHost(host, options)
  return { host, port: Number(parsed.port || (parsed.protocol === 'wss:' ? 443 : 80)) }
}
