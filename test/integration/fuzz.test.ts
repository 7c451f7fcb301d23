// The parser fuzzer in CI: a bounded 1,000 seeded cases through the real loader must end in a
// faithful graph or a typed, located HeapSnapshotError, with no hang or runaway memory; and
// each rule is shown to bite on a deliberately broken stand-in, so the run cannot pass vacuously.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FailureKind, TargetName } from '../fuzz/check'
import { loadCorpus } from '../fuzz/corpus'
import { MUTATOR_NAMES, Rng, mutate } from '../fuzz/mutators'
import { DEFAULT_SEED, formatReport, runFuzz, type FuzzOptions } from '../fuzz/run'
import { REPO_ROOT } from '../helpers/fixtures'

describe('parser fuzzer', () => {
  beforeAll(async () => {
    // Real fixtures are made on first use; the corpus says which could not be (no Chromium).
    const corpus = await loadCorpus()
    for (const note of corpus.notes) console.warn(`fuzz corpus: ${note}`)
  })

  it('finds every section of every seed, so the sweep cuts at each boundary', async () => {
    const { entries } = await loadCorpus()
    const keys = ['snapshot', 'nodes', 'edges', 'trace_function_infos', 'trace_tree', 'samples']
    for (const { seed } of entries) {
      const found = seed.index.sections.map((section) => section.key)
      expect(found, seed.name).toEqual(expect.arrayContaining([...keys, 'locations', 'strings']))
      for (const section of seed.index.sections) {
        expect(seed.boundaries, `${seed.name} ${section.key}`).toContain(section.value.end)
      }
    }
  })

  it('mutates deterministically: the same case seed gives the same bytes', async () => {
    const { entries } = await loadCorpus()
    const small = entries.filter(({ seed }) => seed.bytes.length < 1 << 20)
    for (const name of MUTATOR_NAMES) {
      for (const [at, { seed }] of small.entries()) {
        const first = mutate(name, new Rng(1000 + at), seed)
        const second = mutate(name, new Rng(1000 + at), seed)
        expect(second.input, `${name} on ${seed.name}`).toEqual(first.input)
        expect(second.notes).toEqual(first.notes)
      }
    }
  })

  it('runs 1,000 seeded cases: each loads faithfully or fails typed, located and in time', async () => {
    const report = await runFuzz({
      cases: 1000,
      seed: DEFAULT_SEED,
      resultsDir: join(REPO_ROOT, 'test-results/fuzz'),
    })
    const summary = formatReport(report)
    expect(report.failures, summary).toEqual([])
    expect(report.cases).toBe(1000)
    // Not vacuous: every mutator ran, and the damage reached every kind of outcome.
    for (const name of MUTATOR_NAMES) expect(report.byMutator.has(name), name).toBe(true)
    for (const label of [
      'loaded',
      'syntax',
      'truncated',
      'format',
      'count',
      'range',
      'too-large',
    ]) {
      expect(report.byOutcome.get(label) ?? 0, `${label}\n${summary}`).toBeGreaterThan(0)
    }
    expect(report.offsets.named).toBeGreaterThan(0)
    expect(report.oracle.json, 'loads checked against JSON.parse').toBeGreaterThan(0)
    // The parallel loader saw damaged files and parsed whole ones with its workers.
    expect(report.parallel.byWorkers, summary).toBeGreaterThan(0)
    expect(report.parallel.cases, summary).toBeGreaterThan(report.parallel.byWorkers)
    expect(report.sweep.planned).toBeGreaterThan(0)
  })

  const standIns: [TargetName, FailureKind, Partial<FuzzOptions>][] = [
    ['type-error', 'foreign-error', {}],
    ['no-offset', 'missing-offset', {}],
    ['unfaithful', 'unfaithful', {}],
    ['hang', 'hang', { timeoutMs: 1500 }],
    ['memory', 'memory', { memoryBoundMb: 400 }],
  ]
  for (const [target, kind, options] of standIns) {
    it(`catches the '${target}' stand-in loader as a '${kind}' failure`, async () => {
      const report = await runFuzz({
        cases: 400,
        seed: DEFAULT_SEED,
        target,
        stopAfter: 1,
        sweepShare: 0,
        resultsDir: null,
        ...options,
      })
      expect(report.failures.length, formatReport(report)).toBeGreaterThan(0)
      expect(report.failures[0].kind, formatReport(report)).toBe(kind)
      expect(report.failures[0].reproduce).toContain(`--target ${target}`)
    })
  }
})
