// Benchmark child: starts a Node target holding a ~N MB heap (test/fixtures/programs/
// sized-heap-live.cjs), captures it over CDP with the chunks streamed into the parser, then
// loads the written file from disk. Prints one JSON line: {bytes, transferMs,
// lastChunkToReadyMs, diskLoadMs}. Usage: node --import tsx test/bench/capture.ts <megabytes>
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { TargetSession } from '../../electron/backend/cdp/session'

const PROGRAM = fileURLToPath(new URL('../fixtures/programs/sized-heap-live.cjs', import.meta.url))

async function main(megabytes: number): Promise<void> {
  const heapMb = Math.max(1024, megabytes * 4)
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${heapMb}`,
      '--expose-gc',
      '--inspect=127.0.0.1:0',
      PROGRAM,
      String(megabytes),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const dir = await mkdtemp(join(tmpdir(), 'heapgraph-capture-'))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = ''
      child.stderr.on('data', (data: Buffer) => {
        text += data.toString()
        const match = /ws:\/\/\S+/.exec(text)
        if (match) resolve(match[0])
      })
      child.on('exit', (code) => reject(new Error(`target exited with ${code}: ${text}`)))
    })
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    const session = await TargetSession.connect(url)
    const file = join(dir, 'capture.heapsnapshot')
    const capture = await session.takeSnapshot({ file })
    await session.close()
    const diskStart = performance.now()
    await loadSnapshotFile(file)
    const diskLoadMs = performance.now() - diskStart
    const result = {
      bytes: capture.bytes,
      transferMs: capture.transferMs,
      lastChunkToReadyMs: capture.lastChunkToReadyMs,
      diskLoadMs,
    }
    process.stdout.write(`${JSON.stringify(result)}\n`)
  } finally {
    child.kill()
    await rm(dir, { recursive: true, force: true })
  }
}

await main(Number(process.argv[2] ?? 200))
