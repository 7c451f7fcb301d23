// `npm run screenshots`: regenerates the README's pictures from the UI tests' own run, so they
// always show the UI as it is: runs the e2e files that take them (real Chromium, web mode), then
// copies the chosen ones from test-results/screenshots into docs/screenshots.
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const from = join(root, 'test-results/screenshots')
const to = join(root, 'docs/screenshots')
/** README picture ← the e2e screenshot it is. */
const PICTURES = {
  'workbench-light.png': 'workbench-1440-light.png',
  'workbench-dark.png': 'workbench-1440-dark.png',
  'graph-long-path.png': 'graph-long-path.png',
  'allocations-flame.png': 'allocations-4-flame.png',
  'allocations-sites.png': 'allocations-1-bottom-up.png',
  'allocation-timeline.png': 'timeline-2-picked.png',
  'python-numpy-view.png': 'python-numpy-view.png',
}

const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    'test/e2e/workbench-ui.test.ts',
    'test/e2e/graph-readable-ui.test.ts',
    'test/e2e/allocations-ui.test.ts',
    'test/e2e/allocation-timeline-ui.test.ts',
    'test/e2e/python-ui.test.ts',
  ],
  { cwd: root, stdio: 'inherit' },
)
if (run.status !== 0) process.exit(run.status ?? 1)
await mkdir(to, { recursive: true })
for (const [picture, screenshot] of Object.entries(PICTURES)) {
  await copyFile(join(from, screenshot), join(to, picture))
  process.stdout.write(`docs/screenshots/${picture}\n`)
}
