// `heapgraph why <snapshot> <@id> --cut <@fromId>:<edge>` run as a child process against the
// map-cache fixture: the JSON shape, the text form, the edge notations `why` prints, and the
// error contract (exit 2 for a malformed --cut, 1 for a reference that does not exist).
import { beforeAll, describe, expect, it } from 'vitest'
import { expectOneLineError, runCli, runJson } from '../helpers/cli'
import { fixture } from '../helpers/fixtures'
import type {
  CutResult,
  ObjectSummary,
  Page,
  Reference,
  WhyResult,
} from '../../shared/protocol/dto'

type Obj = ObjectSummary
interface ShowJson {
  edges: Page<Reference>
}

describe('heapgraph why --cut', () => {
  let file: string
  let global: Obj
  let map: Obj
  let table: Obj
  let entry: Reference

  beforeAll(async () => {
    file = await fixture('map-cache')
    // The largest Map is global.leakCache; its table holds the arrays.
    const why = await runJson<WhyResult>(['why', file, 'Map', '--json'])
    map = why.target
    global = why.paths[0][0].node
    const mapEdges = await runJson<ShowJson>(['show', file, `@${map.id}`, '--json'])
    const tableRef = mapEdges.edges.items.find((item) => item.edge.name === 'table')
    if (!tableRef) throw new Error('the Map has no table')
    table = tableRef.node
    const tableEdges = await runJson<ShowJson>(['show', file, `@${table.id}`, '--json'])
    const arrayRef = tableEdges.edges.items.find((item) => item.node.className === 'Array')
    if (!arrayRef) throw new Error('the table holds no Array')
    entry = arrayRef
  }, 180_000)

  it('reports the Map freed with its retained size when global.leakCache is cut', async () => {
    const result = await runJson<CutResult>([
      'why',
      file,
      `@${map.id}`,
      '--cut',
      `@${global.id}:leakCache`,
      '--json',
    ])
    expect(result.from.id).toBe(global.id)
    expect(result.edge).toMatchObject({ type: 'property', name: 'leakCache' })
    expect(result.alsoCut.map((copy) => copy.edge.name)).toEqual(['value'])
    expect(result.target.id).toBe(map.id)
    expect(result.isRetaining).toBe(true)
    expect(result.targetFreed).toBe(true)
    expect(result.freedBytes).toBe(map.retainedSize)
    expect(result.freedCount).toBeGreaterThanOrEqual(202)
    expect(result.stillAlivePath).toBeNull()
    expect(result.largestFreed.length).toBe(5)
    for (const object of result.largestFreed) expect(object.className).toBe('Array')
  })

  it('prints the cut, the freed bytes and the verdict as text', async () => {
    const result = await runCli(['why', file, `@${map.id}`, '--cut', `@${global.id}:.leakCache`])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      `Cutting @${global.id}.leakCache would free ${map.retainedSize.toLocaleString('en-US')} bytes`,
    )
    expect(result.stdout).toContain(`Map(≥100) @${map.id} would be freed.`)
    expect(result.stdout).toContain('Largest freed objects:')
  })

  it('accepts the table entry by bare name and as why prints it, and keeps the Map', async () => {
    for (const name of [entry.edge.name, `{${entry.edge.name}}`]) {
      const result = await runJson<CutResult>([
        'why',
        file,
        `@${map.id}`,
        '--cut',
        `@${table.id}:${name}`,
        '--json',
      ])
      expect(result.edge).toMatchObject({ type: entry.edge.type, name: entry.edge.name })
      expect(result.freedBytes).toBe(entry.node.retainedSize)
      expect(result.targetFreed).toBe(false)
      expect(result.stillAliveVia).toBe('gc-root')
      expect(result.stillAlivePath?.at(-1)?.node.id).toBe(map.id)
      expect(result.stillAlivePath?.map((step) => step.edge?.name ?? null)).toContain('leakCache')
    }
  })

  it('prints the path that keeps the target alive', async () => {
    const result = await runCli([
      'why',
      file,
      `@${map.id}`,
      '--cut',
      `@${table.id}:${entry.edge.name}`,
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Map(≥100) @${map.id} stays alive through:`)
    expect(result.stdout).toMatch(/\.leakCache → Map\(≥100\) @\d+/)
  })

  it('exits 1 with one line listing the references when none matches', async () => {
    const stderr = expectOneLineError(
      await runCli(['why', file, `@${map.id}`, '--cut', `@${map.id}:noSuchEdge`]),
      1,
    )
    expect(stderr).toContain(`@${map.id} has no reference "noSuchEdge"`)
    expect(stderr).toContain('{table}')
  })

  it('exits 1 naming an unknown holder', async () => {
    const stderr = expectOneLineError(
      await runCli(['why', file, `@${map.id}`, '--cut', '@4294967295:x']),
      1,
    )
    expect(stderr).toContain('@4294967295')
  })

  it('exits 2 before loading for a malformed --cut or --paths with it', async () => {
    expectOneLineError(await runCli(['why', file, `@${map.id}`, '--cut', 'leakCache']), 2)
    expectOneLineError(
      await runCli(['why', file, `@${map.id}`, '--cut', `@${global.id}:x`, '--paths', '2']),
      2,
    )
    expectOneLineError(await runCli(['show', file, `@${map.id}`, '--cut', '@1:x']), 2)
  })
})
