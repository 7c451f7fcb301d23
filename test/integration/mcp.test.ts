// `heapgraph mcp` as an agent meets it: the MCP SDK's own Client over stdio against the real
// server process (bin/heapgraph.mjs mcp), every tool on real fixture snapshots, checked against
// what the backend answers for the same call; bad arguments, a snapshot that fails to load, two
// servers at once, a capture from a real `node --inspect` target, and no engine process left
// behind when the server ends or is killed mid-call (checked by PID).
import { readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { createBackend, type Backend } from '../../electron/backend/backend'
import type { SnapshotInfo } from '../../shared/protocol'
import { BIN, runCli } from '../helpers/cli'
import {
  ChromiumUnavailableError,
  fixture,
  REPO_ROOT,
  sizedFixture,
  snapshotSequence,
} from '../helpers/fixtures'
import { killAllTargets, startInspectTarget } from '../helpers/inspect-target'

const TOOLS = [
  'open_snapshot',
  'list_snapshots',
  'close_snapshot',
  'summary',
  'find_objects',
  'show_object',
  'why',
  'retainers',
  'references',
  'dominators',
  'arrays',
  'diff',
  'find_leaks',
  'what_if_cut',
  'duplicate_strings',
  'detached_dom',
  'closure_leaks',
  'retained_by',
  'list_targets',
  'capture',
]

interface Server {
  client: Client
  transport: StdioClientTransport
  pid: number
  stderr: () => string
}

const servers: Server[] = []

/** Starts `heapgraph mcp` as the CLI tests run the CLI (without vitest's NODE_OPTIONS). */
async function startServer(): Promise<Server> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name !== 'NODE_OPTIONS') env[name] = value
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp'],
    cwd: REPO_ROOT,
    env,
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const client = new Client({ name: 'heapgraph-test', version: '0.0.0' })
  await client.connect(transport)
  // Listing the tools makes the client check every structured answer against its outputSchema.
  await client.listTools()
  const server = { client, transport, pid: transport.pid ?? -1, stderr: () => stderr }
  servers.push(server)
  return server
}

async function call(
  server: Server,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await server.client.callTool({ name, arguments: args })) as CallToolResult
}

function textOf(result: CallToolResult): string {
  const part = result.content[0]
  if (part?.type !== 'text') throw new Error('the answer has no text')
  return part.text
}

/** Calls a tool that must succeed; returns its structured content. */
async function ok<T = Record<string, unknown>>(
  server: Server,
  name: string,
  args: Record<string, unknown>,
): Promise<T & { text: string }> {
  const result = await call(server, name, args)
  expect(result.isError, result.isError ? textOf(result) : '').toBeFalsy()
  expect(result.structuredContent).toBeDefined()
  return { ...(result.structuredContent as T), text: textOf(result) }
}

/** Calls a tool that must fail with a one-line tool error; returns the line. */
async function fails(server: Server, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await call(server, name, args)
  expect(result.isError).toBe(true)
  const line = textOf(result)
  expect(line).toMatch(/^[^\n]+$/)
  expect(line).not.toContain('    at ')
  return line
}

/** The same value with every snapshotId dropped (the server's ids are not the backend's). */
function withoutIds<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, item: unknown) => (key === 'snapshotId' ? undefined : item)),
  ) as T
}

/** Whether a process runs (a zombie no longer does). Linux: /proc. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** The engine host processes a server started (its children running engine-host.cjs). */
function engineHosts(serverPid: number): number[] {
  const hosts: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (parent !== serverPid) continue
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (command.includes('engine-host')) hosts.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return hosts
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('heapgraph mcp', () => {
  let server: Server
  let backend: Backend
  let mapCache: string
  let explain: string
  let sequence: [string, string, string]
  let strings: string
  /** The same files opened in the server and in a backend of this process. */
  const served: Record<string, string> = {}
  const reference: Record<string, SnapshotInfo> = {}

  beforeAll(async () => {
    ;[mapCache, explain, sequence, strings] = await Promise.all([
      fixture('map-cache'),
      fixture('explain'),
      snapshotSequence(),
      fixture('duplicate-strings'),
    ])
    server = await startServer()
    backend = createBackend()
    const files = {
      mapCache,
      explain,
      strings,
      s0: sequence[0],
      s1: sequence[1],
      s2: sequence[2],
    }
    await Promise.all(
      Object.entries(files).map(async ([name, file]) => {
        const opened = await ok<{ snapshotId: string }>(server, 'open_snapshot', { file })
        served[name] = opened.snapshotId
        reference[name] = await backend.openSnapshot({ file })
      }),
    )
  }, 120_000)

  afterAll(async () => {
    await Promise.all(servers.map((entry) => entry.client.close().catch(() => {})))
    await backend?.dispose()
    await killAllTargets()
  })

  it('lists every tool with an input and an output schema', async () => {
    const { tools } = await server.client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOLS].sort())
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy()
      expect(tool.inputSchema.type, tool.name).toBe('object')
      expect(tool.outputSchema?.type, tool.name).toBe('object')
    }
    const why = tools.find((tool) => tool.name === 'why')
    expect(Object.keys(why?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['snapshotId', 'target', 'paths']),
    )
  })

  it('opens, lists and closes snapshots, answering their facts', async () => {
    const listed = await ok<{ snapshots: SnapshotInfo[] }>(server, 'list_snapshots', {})
    const mine = listed.snapshots.find((entry) => entry.snapshotId === served.mapCache)
    const { nodeCount, edgeCount, totalSize, file } = reference.mapCache
    expect(mine).toMatchObject({ nodeCount, edgeCount, totalSize, file })
    expect(listed.text).toContain(served.mapCache)

    const extra = await ok<{ snapshotId: string; nodeCount: number }>(server, 'open_snapshot', {
      file: mapCache,
    })
    expect(extra.nodeCount).toBe(nodeCount)
    expect(extra.text).toContain(`snapshotId: ${extra.snapshotId}`)
    await ok(server, 'close_snapshot', { snapshotId: extra.snapshotId })
    const after = await ok<{ snapshots: SnapshotInfo[] }>(server, 'list_snapshots', {})
    expect(after.snapshots.map((entry) => entry.snapshotId)).not.toContain(extra.snapshotId)
    expect(await fails(server, 'summary', { snapshotId: extra.snapshotId })).toMatch(
      /no open snapshot/,
    )
  })

  it('answers summary pages as the backend does, saying where the next page starts', async () => {
    const first = await ok<{ classes: unknown[]; start: number; total: number; next: number }>(
      server,
      'summary',
      { snapshotId: served.mapCache, count: 3 },
    )
    const expected = await backend.getSummary({
      snapshotId: reference.mapCache.snapshotId,
      count: 3,
    })
    expect(first.classes).toEqual(expected.items)
    expect(first).toMatchObject({ start: 0, total: expected.total, next: 3 })
    expect(first.text).toContain('call again with start: 3')
    expect(first.text).toContain(expected.items[0].className)
    // The default page is capped.
    const page = await ok<{ classes: unknown[] }>(server, 'summary', {
      snapshotId: served.mapCache,
    })
    expect(page.classes).toHaveLength(20)
    const filtered = await ok<{ classes: { className: string }[] }>(server, 'summary', {
      snapshotId: served.mapCache,
      filter: 'map',
    })
    expect(filtered.classes.every((entry) => /map/i.test(entry.className))).toBe(true)
  })

  it('finds objects by class, text and id, and shows one as the backend does', async () => {
    const snapshotId = reference.mapCache.snapshotId
    const byClass = await ok<{ objects: { id: number; node: number }[]; total: number }>(
      server,
      'find_objects',
      { snapshotId: served.mapCache, className: 'Map', count: 2 },
    )
    const summary = await backend.getSummary({ snapshotId, filter: 'Map', count: 1000 })
    const maps = summary.items.filter((entry) => entry.className === 'Map')
    expect(byClass.total).toBe(maps.reduce((sum, entry) => sum + entry.count, 0))
    const members = await backend.getClassMembers({
      snapshotId,
      classKey: maps[0].classKey,
      count: 2,
    })
    expect(byClass.objects).toEqual(members.items)

    const byText = await ok<{ objects: unknown[] }>(server, 'find_objects', {
      snapshotId: served.mapCache,
      text: 'leakCache',
    })
    const search = await backend.search({ snapshotId, text: 'leakCache', count: 20 })
    expect(byText.objects).toEqual(search.items)

    const { id, node } = byClass.objects[0]
    const byId = await ok<{ objects: { id: number }[] }>(server, 'find_objects', {
      snapshotId: served.mapCache,
      id: `@${id}`,
    })
    expect(byId.objects.map((object) => object.id)).toEqual([id])

    const shown = await ok<{ object: unknown; allocationStack: unknown }>(server, 'show_object', {
      snapshotId: served.mapCache,
      id,
    })
    expect(shown.object).toEqual(await backend.getObject({ snapshotId, node }))
    expect(shown.allocationStack).toBeNull()
    expect(shown.text).toMatch(/^Map\(≥100\) @\d+ \(object\)\n {2}class: {7}Map/)
  })

  it('explains why an object is alive as the backend does, in the words of the CLI', async () => {
    const answer = await ok<{ verdict: string; paths: unknown[]; routes: unknown[]; fix: unknown }>(
      server,
      'why',
      { snapshotId: served.explain, target: 'Array', paths: 2 },
    )
    const cli = await runCli(['why', explain, 'Array', '--paths', '2', '--json'])
    const printed = JSON.parse(cli.stdout) as { target: { id: number }; verdict: string }
    const target = await backend.findObject({
      snapshotId: reference.explain.snapshotId,
      objectId: printed.target.id,
    })
    const expected = await backend.explainRetention({
      snapshotId: reference.explain.snapshotId,
      node: target?.node ?? -1,
      count: 2,
    })
    expect(withoutIds(answer)).toMatchObject({
      ...expected,
      paths: expected.routes.map((route) => route.steps),
    })
    expect(answer.verdict).toBe(printed.verdict)
    // The text is the CLI's, but for how to check the fix.
    const text = await runCli(['why', explain, `@${printed.target.id}`, '--paths', '2'])
    const beforeFix = (output: string): string => output.split('\nTo free it:')[0]
    expect(beforeFix(answer.text)).toBe(beforeFix(text.stdout.trimEnd()))
    if (expected.fix) expect(answer.text).toContain('what_if_cut')
  })

  it('pages retainers, references and dominated objects, with the dominator chain', async () => {
    const snapshotId = reference.mapCache.snapshotId
    const map = (
      await ok<{ objects: { id: number; node: number }[] }>(server, 'find_objects', {
        snapshotId: served.mapCache,
        className: 'Map',
        count: 1,
      })
    ).objects[0]

    const retainers = await ok<{ retainers: unknown[]; total: number }>(server, 'retainers', {
      snapshotId: served.mapCache,
      id: map.id,
    })
    expect(retainers.retainers).toEqual(
      (await backend.getRetainers({ snapshotId, node: map.node, count: 20 })).items,
    )
    const references = await ok<{ references: unknown[]; next: number | null; total: number }>(
      server,
      'references',
      { snapshotId: served.mapCache, id: map.id, start: 1, count: 2 },
    )
    const edges = await backend.getEdges({ snapshotId, node: map.node, start: 1, count: 2 })
    expect(references.references).toEqual(edges.items)
    expect(references.total).toBe(edges.total)
    expect(references.next).toBe(edges.total > 3 ? 3 : null)

    const dominators = await ok<{
      chain: { node: number }[]
      chainComplete: boolean
      children: unknown[]
    }>(server, 'dominators', { snapshotId: served.mapCache, id: map.id, count: 5 })
    expect(dominators.chainComplete).toBe(true)
    expect(dominators.chain.at(-1)?.node).toBe(reference.mapCache.rootNode)
    const details = await backend.getObject({ snapshotId, node: map.node })
    expect(dominators.chain[0]).toEqual(details.dominator)
    expect(dominators.children).toEqual(
      (await backend.getDominatedChildren({ snapshotId, node: map.node, count: 5 })).items,
    )
    expect(dominators.text).toContain('Dominator chain')
  })

  it('lists arrays with what holds them, as the backend does', async () => {
    const arrays = await ok<{ arrays: { heldBy?: unknown }[] }>(server, 'arrays', {
      snapshotId: served.mapCache,
      kinds: ['array'],
      count: 5,
    })
    const expected = await backend.getArrays({
      snapshotId: reference.mapCache.snapshotId,
      kinds: ['array'],
      count: 5,
      withHolders: true,
    })
    expect(arrays.arrays).toEqual(expected.items)
    expect(arrays.text).toContain('held by')
  })

  it('compares two snapshots and finds leaks in three, as the backend does', async () => {
    const [s0, s1, s2] = [reference.s0, reference.s1, reference.s2].map((info) => info.snapshotId)
    const diff = await ok<{ classes: unknown[]; warning: string | null; total: number }>(
      server,
      'diff',
      { baseSnapshotId: served.s0, snapshotId: served.s2, filter: 'Sequence' },
    )
    const expected = await backend.diffSnapshots({
      snapshotId: s2,
      baseSnapshotId: s0,
      filter: 'Sequence',
      count: 20,
    })
    expect(diff.classes).toEqual(expected.items)
    expect(diff.warning).toBeNull()
    expect(diff.text).toContain('SequenceLeakedRecord')

    const leaks = await ok<{
      clusters: ({ verdict: string | null } & Record<string, unknown>)[]
      clusterCount: number
    }>(server, 'find_leaks', { base: served.s0, target: served.s1, final: served.s2, count: 3 })
    const report = await backend.findLeaks({
      baseSnapshotId: s0,
      targetSnapshotId: s1,
      finalSnapshotId: s2,
    })
    expect(leaks.clusterCount).toBe(report.clusterCount)
    expect(withoutIds(leaks.clusters.map(({ verdict: _, ...rest }) => rest))).toEqual(
      report.clusters.slice(0, 3),
    )
    expect(leaks.clusters[0].className).toBe('SequenceLeakedRecord')
    expect(leaks.clusters[0].verdict).toMatch(/sequenceStore/)
    expect(leaks.text).toContain('SequenceLeakedRecord ×40')
  })

  it('says what cutting a reference frees, as the backend does', async () => {
    const snapshotId = reference.mapCache.snapshotId
    const why = await ok<{ fix: { cut: { fromId: number; edge: number; edgeName: string } } }>(
      server,
      'why',
      { snapshotId: served.mapCache, target: 'Map' },
    )
    const { fromId, edge, edgeName } = why.fix.cut
    const byName = await ok<{ freedBytes: number; targetFreed: boolean }>(server, 'what_if_cut', {
      snapshotId: served.mapCache,
      from: `@${fromId}`,
      edge: edgeName,
    })
    const holder = await backend.findObject({ snapshotId, objectId: fromId })
    const expected = await backend.cutReference({ snapshotId, from: holder?.node ?? -1, edge })
    expect(withoutIds(byName)).toMatchObject(expected)
    expect(byName.targetFreed).toBe(true)
    expect(byName.text).toMatch(/^Cutting @\d+\.leakCache would free/)
    const byOrdinal = await ok<{ freedBytes: number }>(server, 'what_if_cut', {
      snapshotId: served.mapCache,
      from: fromId,
      edge,
    })
    expect(byOrdinal.freedBytes).toBe(expected.freedBytes)
    expect(
      await fails(server, 'what_if_cut', {
        snapshotId: served.mapCache,
        from: fromId,
        edge: 'noSuchReference',
      }),
    ).toMatch(/has no reference "noSuchReference"; its references: /)
  })

  it('answers duplicated strings, closure leaks and detached DOM as the backend does', async () => {
    const texts = await ok<{ strings: { text: string }[]; total: number; next: number | null }>(
      server,
      'duplicate_strings',
      { snapshotId: served.strings, count: 2 },
    )
    const expected = await backend.getDuplicateStrings({
      snapshotId: reference.strings.snapshotId,
      count: 2,
    })
    expect(texts.strings).toEqual(expected.items)
    expect(texts.total).toBe(expected.total)
    expect(texts.strings.map((entry) => entry.text)).toContain('leak-status-pending-review')
    expect(texts.text).toContain('"leak-status-pending-review"')
    if (expected.total > 2) expect(texts.text).toContain('call again with start: 2')
    expect(texts.text).not.toContain('--top')

    const closures = await ok<{ leaks: unknown[]; total: number }>(server, 'closure_leaks', {
      snapshotId: served.explain,
    })
    const leaks = await backend.getClosureLeaks({
      snapshotId: reference.explain.snapshotId,
      count: 20,
    })
    expect(closures.leaks).toEqual(leaks.items)
    expect(closures.total).toBe(leaks.total)
    expect(closures.text).toContain('Closure leaks:')

    // A Node.js heap has no DOM: said, not an error.
    const detached = await ok<{ hasDom: boolean; trees: unknown[] }>(server, 'detached_dom', {
      snapshotId: served.mapCache,
    })
    expect(detached).toMatchObject({ hasDom: false, trees: [] })
    expect(detached.text).toMatch(/no DOM/)
  })

  it('lists detached DOM trees and what only they keep in a Chrome snapshot', async (ctx) => {
    let page: string
    try {
      page = await fixture('chrome-page')
    } catch (error) {
      if (!(error instanceof ChromiumUnavailableError)) throw error
      const reason = `SKIPPED detached_dom on a Chrome snapshot: ${error.message}`
      console.warn(reason)
      return ctx.skip(reason)
    }
    const opened = await ok<{ snapshotId: string }>(server, 'open_snapshot', { file: page })
    const local = await backend.openSnapshot({ file: page })
    const trees = await ok<{ hasDom: boolean; trees: unknown[]; total: number }>(
      server,
      'detached_dom',
      { snapshotId: opened.snapshotId },
    )
    const expected = await backend.getDetachedTrees({ snapshotId: local.snapshotId, count: 20 })
    expect(trees.hasDom).toBe(true)
    expect(trees.total).toBeGreaterThan(0)
    expect(trees.trees).toEqual(expected.items)
    expect(trees.text).toContain('Detached DOM:')
    const kept = await ok<{ objects: unknown[]; retainerCount: number }>(server, 'retained_by', {
      snapshotId: opened.snapshotId,
      kind: 'detached-dom',
      count: 5,
    })
    const retained = await backend.getRetainedBy({
      snapshotId: local.snapshotId,
      kind: 'detached-dom',
      count: 5,
    })
    expect(kept.objects).toEqual(retained.items)
    expect(kept.retainerCount).toBe(retained.retainerCount)
    await ok(server, 'close_snapshot', { snapshotId: opened.snapshotId })
  })

  it('answers bad arguments with a one-line tool error and keeps serving', async () => {
    const snapshotId = served.mapCache
    expect(await fails(server, 'summary', {})).toMatch(/snapshotId/)
    expect(await fails(server, 'summary', { snapshotId: 42 })).toMatch(/snapshotId/)
    expect(await fails(server, 'summary', { snapshotId, count: 'many' })).toMatch(/count/)
    expect(await fails(server, 'summary', { snapshotId, count: 100_000 })).toMatch(/count/)
    expect(await fails(server, 'summary', { snapshotId, bogus: true })).toMatch(/bogus/)
    expect(await fails(server, 'show_object', { snapshotId, id: 'Map' })).toMatch(/id/)
    expect(await fails(server, 'show_object', { snapshotId, id: 1e12 })).toMatch(
      /no object @1000000000000/,
    )
    expect(await fails(server, 'why', { snapshotId: 'no-such-id', target: '@1' })).toBe(
      'no open snapshot no-such-id',
    )
    expect(await fails(server, 'why', { snapshotId, target: 'NoSuchClassAnywhere' })).toMatch(
      /no object of class "NoSuchClassAnywhere"/,
    )
    expect(
      await fails(server, 'find_objects', { snapshotId, text: 'x', className: 'Map' }),
    ).toMatch(/exactly one of className, text and id/)
    expect(await fails(server, 'find_objects', { snapshotId })).toMatch(/exactly one/)
    expect(await fails(server, 'capture', {})).toMatch(/exactly one of port, ws and pid/)
    expect(await fails(server, 'capture', { ws: 'ws://10.1.2.3:9229/x' })).toMatch(/loopback/)
    expect(await fails(server, 'retained_by', { snapshotId, kind: 'globals' })).toMatch(/kind/)
    expect(await fails(server, 'closure_leaks', { snapshotId, minRetainedSize: -1 })).toMatch(
      /minRetainedSize/,
    )
    expect(await fails(server, 'no_such_tool', {})).toMatch(/no_such_tool/)
    await ok(server, 'summary', { snapshotId, count: 1 })
  })

  it('reports a snapshot that fails to load and keeps serving the others', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'heapgraph-mcp-'))
    try {
      const truncated = join(folder, 'truncated.heapsnapshot')
      const whole = await readFile(mapCache)
      await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)))
      expect(await fails(server, 'open_snapshot', { file: truncated })).toMatch(/\S/)
      expect(
        await fails(server, 'open_snapshot', { file: join(folder, 'missing.heapsnapshot') }),
      ).toMatch(/missing\.heapsnapshot/)
      const listed = await ok<{ snapshots: SnapshotInfo[] }>(server, 'list_snapshots', {})
      expect(listed.snapshots.map((entry) => entry.file)).not.toContain(truncated)
      await ok(server, 'summary', { snapshotId: served.mapCache, count: 1 })
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('runs two servers at once, each with its own snapshots', async () => {
    const other = await startServer()
    const opened = await ok<{ snapshotId: string }>(other, 'open_snapshot', { file: explain })
    const [mine, theirs] = await Promise.all([
      ok<{ classes: { className: string }[] }>(server, 'summary', {
        snapshotId: served.mapCache,
        count: 5,
      }),
      ok<{ classes: { className: string }[] }>(other, 'summary', {
        snapshotId: opened.snapshotId,
        count: 5,
      }),
    ])
    expect(mine.classes).toHaveLength(5)
    expect(theirs.classes).toHaveLength(5)
    const listed = await ok<{ snapshots: SnapshotInfo[] }>(other, 'list_snapshots', {})
    expect(listed.snapshots.map((entry) => entry.snapshotId)).toEqual([opened.snapshotId])
    expect(await fails(other, 'summary', { snapshotId: served.mapCache })).toMatch(
      /no open snapshot/,
    )
    expect(engineHosts(other.pid)).toHaveLength(1)
    await other.client.close()
  })

  it('lists the targets of an inspector port and captures a snapshot that stays open', async () => {
    const target = await startInspectTarget(
      `class McpCaptureMarker {}
       globalThis.keep = Array.from({ length: 7 }, () => new McpCaptureMarker())
       console.log('ready'); setInterval(() => {}, 1000)`,
      { readyLine: /^ready$/ },
    )
    const targets = await ok<{ targets: { webSocketUrl: string }[] }>(server, 'list_targets', {
      port: target.port,
    })
    expect(targets.targets.map((entry) => entry.webSocketUrl)).toEqual([target.webSocketUrl])
    const captured = await ok<{ snapshotId: string; file: string; nodeCount: number }>(
      server,
      'capture',
      { port: target.port, gc: true },
    )
    expect(captured.nodeCount).toBeGreaterThan(1000)
    expect(captured.text).toContain(`snapshotId: ${captured.snapshotId}`)
    const markers = await ok<{ total: number }>(server, 'find_objects', {
      snapshotId: captured.snapshotId,
      className: 'McpCaptureMarker',
    })
    expect(markers.total).toBe(7)
    const listed = await ok<{ snapshots: SnapshotInfo[] }>(server, 'list_snapshots', {})
    expect(listed.snapshots.map((entry) => entry.snapshotId)).toContain(captured.snapshotId)
    // By WebSocket URL too; the target lives on after both captures.
    const again = await ok<{ snapshotId: string }>(server, 'capture', { ws: target.webSocketUrl })
    await ok(server, 'close_snapshot', { snapshotId: again.snapshotId })
    expect(target.child.exitCode).toBeNull()
    await target.kill()
  })

  it('ends every engine process when its input closes', async () => {
    const other = await startServer()
    await ok(other, 'open_snapshot', { file: mapCache })
    await ok(other, 'open_snapshot', { file: explain })
    const hosts = engineHosts(other.pid)
    expect(hosts).toHaveLength(2)
    await other.client.close()
    await waitUntil(() => !isRunning(other.pid), 10_000, 'the server did not exit')
    await waitUntil(() => hosts.every((pid) => !isRunning(pid)), 10_000, 'an engine lived on')
    expect(other.stderr()).toContain('stopping (its input ended)')
  })

  it('ends every engine process on SIGTERM', async () => {
    const other = await startServer()
    await ok(other, 'open_snapshot', { file: mapCache })
    const hosts = engineHosts(other.pid)
    expect(hosts).toHaveLength(1)
    process.kill(other.pid, 'SIGTERM')
    await waitUntil(() => !isRunning(other.pid), 10_000, 'the server did not exit')
    await waitUntil(() => hosts.every((pid) => !isRunning(pid)), 10_000, 'an engine lived on')
    expect(other.stderr()).toContain('stopping (SIGTERM)')
  })

  it('leaves no engine process behind when it is killed in the middle of a load', async () => {
    const big = await sizedFixture(4)
    const other = await startServer()
    await ok(other, 'open_snapshot', { file: mapCache })
    let hosts: number[] = []
    const loading = other.client
      .callTool({ name: 'open_snapshot', arguments: { file: big } }, undefined, {
        onprogress: () => {
          if (hosts.length > 0) return
          // The big snapshot's engine is loading: both engines are children of the server.
          hosts = engineHosts(other.pid)
          process.kill(other.pid, 'SIGKILL')
        },
      })
      .then(
        () => 'answered',
        () => 'failed',
      )
    expect(await loading).toBe('failed')
    expect(hosts).toHaveLength(2)
    await waitUntil(() => hosts.every((pid) => !isRunning(pid)), 15_000, 'an engine lived on')
  })
})
