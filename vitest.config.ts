import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configDefaults, defineConfig } from 'vitest/config'

/** Timed against budgets, so run alone, after every other file, on a machine not busy with them. */
const BUDGETS = 'test/e2e/ui-budgets.test.ts'

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // The renderer, built once for every e2e file.
    globalSetup: ['test/helpers/global-setup.ts'],
    // String tables compare by their strings.
    setupFiles: ['test/helpers/equality.ts'],
    // The recent-files list of test runs stays out of the user's own.
    env: {
      HEAPGRAPH_CONFIG_DIR: join(tmpdir(), `heapgraph-test-config-${process.pid}`),
      // Captures of test runs stay out of the user's folder too.
      HEAPGRAPH_CAPTURE_DIR: join(tmpdir(), `heapgraph-test-captures-${process.pid}`),
      // And the index cache of test runs: one per run, so each run's first opens are fresh.
      HEAPGRAPH_CACHE_DIR: join(tmpdir(), `heapgraph-test-cache-${process.pid}`),
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BUDGETS],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'budgets',
          include: [BUDGETS],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
