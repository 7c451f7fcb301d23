// Heapgraph as a test library, the example the README quotes: a pool whose closed connections
// must not stay alive, checked with a snapshot of the test process itself, and an open/close
// cycle checked for leaks the way memlab does (baseline, action, undo).
import { describe, expect, it } from 'vitest'
import { formatRetainerPath, takeSnapshot } from 'heapgraph'

class ExampleConnection {
  readonly buffer = new Array(10_000).fill(0)
  constructor(private readonly pool: ExamplePool) {}
  close(): void {
    this.pool.release(this)
  }
}

class ExamplePool {
  private readonly open = new Set<ExampleConnection>()
  connect(): ExampleConnection {
    const connection = new ExampleConnection(this)
    this.open.add(connection)
    return connection
  }
  release(connection: ExampleConnection): void {
    this.open.delete(connection)
  }
}

const pool = new ExamplePool()
let current: ExampleConnection | null = null

function openConnection(): void {
  current = pool.connect()
}

function closeConnection(): void {
  current?.close()
  current = null
}

describe('ExamplePool', () => {
  it('keeps no connection alive once it is closed', async () => {
    openConnection()
    closeConnection()
    const heap = await takeSnapshot()
    // Throws, with the count and the retainer path of the largest, if one is still alive.
    heap.assertNoInstances('ExampleConnection', 'closed connections must be freed')
  })

  it('tells why an open connection is alive', async () => {
    openConnection()
    const heap = await takeSnapshot()
    const [path] = heap.why('ExampleConnection').paths
    // ExamplePool @… then .open → Set, and so on down to the ExampleConnection.
    expect(formatRetainerPath(path)).toMatch(/→ ExampleConnection @\d+/)
    expect(heap.instancesOf('ExampleConnection')).toHaveLength(1)
    closeConnection()
  })

  it('leaks nothing across an open/close cycle', async () => {
    const base = await takeSnapshot()
    openConnection() // the action
    const target = await takeSnapshot()
    closeConnection() // its undo
    const final = await takeSnapshot()
    const report = final.leaks(base, target)
    const leaked = report.clusters.filter((cluster) => cluster.className === 'ExampleConnection')
    expect(leaked).toEqual([])
  })
})
