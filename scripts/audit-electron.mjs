// `npm run audit:electron [-- folder…]`: Doyensec's Electronegativity over the app's sources
// (electron/, renderer/, shared/ unless folders are given), offline. Exits 1 on any HIGH or
// MEDIUM finding, on a LOW one without a comment naming its check beside it (the
// justification), or on a file it could not parse (code it did not audit).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))
const folders = process.argv.slice(2)
const sources = folders.length > 0 ? folders : ['electron', 'renderer', 'shared']
/**
 * Checks left out, and why: AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release
 * list at run time (this audit runs offline; Electron's version is the package manager's job).
 */
const EXCLUDED = { AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK: 'AvailableSecurityFixesGlobalCheck' }
/** Lines above a LOW finding searched for the comment that justifies it. */
const JUSTIFICATION_LINES = 5

const electronVersion = require('electron/package.json').version
const run = require('@doyensec/electronegativity')

/** Whether a LOW finding has a comment naming its check on its line or just above. */
function isJustified(issue, staged) {
  if (issue.file === 'N/A') return false
  const lines = readFileSync(join(staged, issue.file), 'utf8').split('\n')
  const last = issue.location.line - 1
  return lines
    .slice(Math.max(0, last - JUSTIFICATION_LINES), last + 1)
    .some((line) => /\/\/|\/\*|<!--/.test(line) && line.includes(issue.id))
}

// One run over one folder: the global checks (CSP, navigation, permissions) see every file at
// once, as they would in the app. The copy keeps tests, bundles and node_modules out.
const staged = mkdtempSync(join(tmpdir(), 'heapgraph-audit-'))
const lines = []
const failures = []
let checkCount = ''
try {
  for (const dir of sources) {
    cpSync(resolve(root, dir), join(staged, basename(dir)), { recursive: true })
  }
  // Electronegativity logs through console.log/warn; keep stdout for the report below.
  const log = console.log
  const warn = console.warn
  console.log = () => {}
  console.warn = () => {}
  let result
  try {
    result = await run({
      input: staged,
      isRelative: true,
      electronVersionOverride: electronVersion,
      // The library takes the checks' class names, lowercased.
      excludeFromScan: Object.values(EXCLUDED).map((name) => name.toLowerCase()),
    })
  } finally {
    console.log = log
    console.warn = warn
  }
  checkCount = `${result.globalChecks} global and ${result.atomicChecks} atomic checks`
  for (const error of result.errors.filter((parseError) => !parseError.tolerable)) {
    failures.push(`could not parse ${error.file.replace(staged, '')}: ${error.message}`)
  }
  for (const issue of result.issues) {
    const severity = issue.severity.name
    const where = issue.file === 'N/A' ? '(global)' : `${issue.file}:${issue.location.line}`
    const line = `${severity} ${issue.confidence.name} ${issue.id} ${where}: ${issue.description}`
    lines.push(line)
    if (severity === 'HIGH' || severity === 'MEDIUM') failures.push(line)
    else if (severity === 'LOW' && !isJustified(issue, staged)) failures.push(`unjustified ${line}`)
  }
} finally {
  rmSync(staged, { recursive: true, force: true })
}

process.stdout.write(
  `Electronegativity on ${sources.join(', ')} (Electron ${electronVersion}; ${checkCount}; ` +
    `not run: ${Object.keys(EXCLUDED).join(', ')}):\n`,
)
process.stdout.write(lines.length ? lines.join('\n') + '\n' : 'no findings\n')
if (failures.length > 0) {
  process.stderr.write(
    `audit:electron failed (HIGH and MEDIUM findings must be fixed; a LOW one needs a comment ` +
      `naming its check beside it that says why it stays):\n${failures.join('\n')}\n`,
  )
  process.exit(1)
}
process.stdout.write('audit:electron passed: no HIGH or MEDIUM finding\n')
