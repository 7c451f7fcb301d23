// The local process picker's order without real processes: open inspectors first, other Node
// processes next, Heapgraph's own (engine hosts, CLI, server) last, each group in the order found;
// and which command lines are Heapgraph's own.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  isHeapgraphCommand,
  orderProcesses,
  type NodeProcess,
} from '../../electron/backend/cdp/node-processes'

function entry(pid: number, command: string, inspectorPort: number | null = null): NodeProcess {
  return { pid, command, inspectorPort, isHeapgraph: isHeapgraphCommand(command) }
}

describe('node-processes', () => {
  it('puts open inspectors first, other Node processes next and Heapgraph’s own last', () => {
    const listed = [
      entry(10, '/usr/bin/node /repo/dist/electron/engine-host.cjs'),
      entry(11, 'node server.js'),
      entry(12, 'node --inspect=9230 worker.js', 9230),
      entry(13, 'node /home/me/heapgraph/bin/heapgraph.mjs serve', 9231),
      entry(14, 'node build.js'),
      entry(15, 'node --inspect app.js', 9229),
      entry(16, 'node /opt/heapgraph/dist/cli/heapgraph.cjs processes'),
    ]
    expect(orderProcesses(listed).map((item) => item.pid)).toEqual([12, 15, 11, 14, 10, 13, 16])
    // The list given is left as it was.
    expect(listed.map((item) => item.pid)).toEqual([10, 11, 12, 13, 14, 15, 16])
  })

  it('orders any list into the three groups, keeping the order found within each', () => {
    const anyProcess = fc.record({
      pid: fc.integer({ min: 1, max: 1 << 22 }),
      command: fc.constant('node x.js'),
      inspectorPort: fc.option(fc.integer({ min: 1024, max: 65535 })),
      isHeapgraph: fc.boolean(),
    })
    fc.assert(
      fc.property(
        fc.uniqueArray(anyProcess, { selector: (entry) => entry.pid, maxLength: 30 }),
        (listed) => {
          const ordered = orderProcesses(listed)
          const group = (entry: NodeProcess): number =>
            entry.isHeapgraph ? 2 : entry.inspectorPort === null ? 1 : 0
          // A permutation of the list, grouped, and each group a subsequence of the list.
          expect([...ordered].sort((a, b) => a.pid - b.pid)).toEqual(
            [...listed].sort((a, b) => a.pid - b.pid),
          )
          expect(ordered.map(group)).toEqual(ordered.map(group).sort())
          for (const rank of [0, 1, 2]) {
            expect(ordered.filter((entry) => group(entry) === rank)).toEqual(
              listed.filter((entry) => group(entry) === rank),
            )
          }
        },
      ),
    )
  })

  it('recognises Heapgraph’s engine hosts, CLI and server by the script they run', () => {
    for (const command of [
      '/usr/bin/node /work/heapgraph/dist/electron/engine-host.cjs',
      'node /Applications/Heapgraph.app/Contents/Resources/app.asar/dist/electron/engine-host.cjs',
      'node C:\\Users\\me\\heapgraph\\dist\\electron\\engine-host.cjs',
      'node /usr/lib/node_modules/heapgraph/dist/cli/engine-host-entry.mjs',
      'node /usr/lib/node_modules/heapgraph/dist/cli/heapgraph.cjs serve x.heapsnapshot',
      'node /home/me/my projects/heapgraph/bin/heapgraph.mjs serve',
      'node bin/heapgraph.mjs attach --port 9229',
      'node /usr/local/bin/heapgraph serve',
      'node /work/app/node_modules/.bin/heapgraph check a.heapsnapshot',
    ]) {
      expect(isHeapgraphCommand(command), command).toBe(true)
    }
    for (const command of [
      'node server.js',
      'node --inspect=127.0.0.1:0 /work/heapgraph/demo/leaky-app.cjs',
      'node /work/heapgraph/node_modules/vitest/dist/workers/forks.js',
      'node /home/me/heapgraph-ui/src/engine-host.cjs',
      'node /srv/mybin/heapgraph',
      'node /srv/bin/heapgraph-exporter.js',
    ]) {
      expect(isHeapgraphCommand(command), command).toBe(false)
    }
  })
})
