// The Python package's own tests (python/tests, standard library unittest), run from `npm test`
// so that CI runs them: a failure there fails this test with unittest's report.
import { describe, expect, it } from 'vitest'
import {
  otherPythonsAndNewest,
  PYTHON,
  pythonUnavailableReason,
  runPython,
} from '../helpers/python'

const unavailable = pythonUnavailableReason()
if (unavailable) console.warn(`python: heapgraph_py's unittest suite is SKIPPED: ${unavailable}`)
const others = unavailable ? [] : await otherPythonsAndNewest()
if (others.length === 0) {
  console.warn(
    `python: no CPython 3.9+ besides ${PYTHON}'s version was found (PATH, pyenv, ` +
      `HEAPGRAPH_OTHER_PYTHONS, Debian's 3.14): heapgraph_py's suite runs on that one version only`,
  )
}

async function expectSuitePasses(python?: string): Promise<void> {
  const run = await runPython(['-m', 'unittest', 'discover', '-s', 'python/tests'], {
    timeoutMs: 280_000,
    python,
  })
  expect(run.code, run.stderr).toBe(0)
  expect(run.stderr).toMatch(/\nOK( \(skipped=\d+\))?\n*$/)
}

describe('heapgraph_py (python/)', () => {
  it.skipIf(unavailable !== undefined)(
    'passes its unittest suite',
    () => expectSuitePasses(),
    300_000,
  )

  // The other versions on this machine (without NumPy, its tests skip there).
  for (const { python, version } of others) {
    it(
      `passes its unittest suite on CPython ${version} (${python})`,
      () => expectSuitePasses(python),
      300_000,
    )
  }
})
