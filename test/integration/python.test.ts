// The Python package's own tests (python/tests, standard library unittest), run from `npm test`
// so that CI runs them: a failure there fails this test with unittest's report.
import { describe, expect, it } from 'vitest'
import { pythonUnavailableReason, runPython } from '../helpers/python'

const unavailable = pythonUnavailableReason()
if (unavailable) console.warn(`python: heapgraph_py's unittest suite is SKIPPED: ${unavailable}`)

describe('heapgraph_py (python/)', () => {
  it.skipIf(unavailable !== undefined)(
    'passes its unittest suite',
    async () => {
      const run = await runPython(['-m', 'unittest', 'discover', '-s', 'python/tests'], {
        timeoutMs: 280_000,
      })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toMatch(/\nOK( \(skipped=\d+\))?\n*$/)
    },
    300_000,
  )
})
