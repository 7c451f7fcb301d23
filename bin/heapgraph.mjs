#!/usr/bin/env node
// Entry point of the `heapgraph` bin: builds what is stale in dist/ (on first use, and after the
// sources change; scripts/ensure-built.mjs), then runs the compiled CLI with plain Node.
import { createRequire } from 'node:module'
import { ensureBuilt } from '../scripts/ensure-built.mjs'

const command = process.argv[2]
try {
  await ensureBuilt(command === 'serve' || command === 'open' ? ['node', 'renderer'] : ['node'])
} catch (error) {
  process.stderr.write(`heapgraph: ${error.message}\n`)
  process.exit(1)
}
createRequire(import.meta.url)('../dist/cli/heapgraph.cjs')
