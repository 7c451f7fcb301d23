import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // The recent-files list of test runs stays out of the user's own.
    env: { HEAPGRAPH_CONFIG_DIR: join(tmpdir(), `heapgraph-test-config-${process.pid}`) },
  },
})
