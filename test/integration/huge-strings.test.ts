// A snapshot whose string table adds up to more than V8's maximum string length (2^29 - 24
// characters) must load: the parser decodes each string on its own and never concatenates them.
// The input is generated on the fly as a stream of chunks, so the test holds no huge text either.
import { describe, expect, it } from 'vitest'
import { parseSnapshotChunks } from '../../shared/heap/parse/read-chunks'
import { initializeSnapshot } from '../../shared/heap/snapshot'

const V8_MAX_STRING_LENGTH = 2 ** 29 - 24
const STRING_COUNT = 72
const STRING_LENGTH = 8 * 1024 * 1024 // 72 x 8 Mi = 576 Mi characters > 2^29 - 24

async function* hugeSnapshot(): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder()
  // A root retaining one object per long string; each object's name is its string.
  const nodeFields = '["type","name","id","self_size","edge_count","trace_node_id","detachedness"]'
  const header =
    `{"snapshot":{"meta":{"node_fields":${nodeFields},` +
    '"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],' +
    '"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]},' +
    `"node_count":${STRING_COUNT + 1},"edge_count":${STRING_COUNT}},\n"nodes":[9,0,1,0,${STRING_COUNT},0,0`
  yield encoder.encode(header)
  for (let index = 0; index < STRING_COUNT; index++) {
    yield encoder.encode(`,2,${index + 1},${index * 2 + 3},${STRING_LENGTH},0,0,0`)
  }
  yield encoder.encode('],\n"edges":[')
  for (let index = 0; index < STRING_COUNT; index++) {
    yield encoder.encode(`${index ? ',' : ''}1,${index},${(index + 1) * 7}`)
  }
  yield encoder.encode('],\n"strings":[""')
  const block = new Uint8Array(1 << 20)
  for (let index = 0; index < STRING_COUNT; index++) {
    block.fill(0x61 + (index % 26))
    yield encoder.encode(',"')
    for (let written = 0; written < STRING_LENGTH; written += block.length) yield block
    yield encoder.encode('"')
  }
  yield encoder.encode(']}')
}

describe('huge string tables', () => {
  it('loads a snapshot whose strings exceed the maximum length of one V8 string', async () => {
    const parsed = await parseSnapshotChunks(hugeSnapshot())
    const totalCharacters = parsed.strings.toArray().reduce((sum, text) => sum + text.length, 0)
    expect(totalCharacters).toBeGreaterThan(V8_MAX_STRING_LENGTH)
    expect(parsed.strings).toHaveLength(STRING_COUNT + 1)
    expect(parsed.strings.get(5)).toHaveLength(STRING_LENGTH)
    expect(parsed.strings.get(5)[STRING_LENGTH - 1]).toBe('e') // strings[0] is ""; the 5th long one
    const snapshot = initializeSnapshot(parsed)
    expect(snapshot.retainedSize[0]).toBe(STRING_COUNT * STRING_LENGTH)
    expect(snapshot.graph.strings.get(snapshot.graph.nodeName[3])).toHaveLength(STRING_LENGTH)
  }, 300_000)
})
