// Reads a sampling heap profile (DevTools' and `node --heap-prof`'s .heapprofile) into the model,
// or throws a one-line HeapSnapshotError naming what and where: the byte offset of bad JSON, the
// node id or sample of a bad field, the kind of document given by mistake. No recursion.
import { HeapSnapshotError } from '../errors'
import type { AllocationProfile, ProfileFrame } from './allocation-profile'
import { findJsonProblem } from './json-errors'
import { textDecoder } from '../text-decoder'

/** What a profile may be, so that tests can reach the limits with small inputs. */
export interface ProfileLimits {
  /** The largest input read, in bytes: a profile is held as one string, and V8's stop near 512 MB. */
  maxBytes: number
}

export const DEFAULT_PROFILE_LIMITS: ProfileLimits = { maxBytes: 0x1fff_ffe8 }

const SNAPSHOT_HINT =
  'it is a heap snapshot (.heapsnapshot), not an allocation profile: read it with heapgraph summary, top or why'
const CPU_PROFILE_HINT =
  'it is a CPU profile (.cpuprofile), not an allocation profile (.heapprofile, from node --heap-prof or DevTools\u2019 Allocation sampling)'

/**
 * Recognizes, from a document's first characters, a kind that is not an allocation profile (a
 * heap snapshot starts with its "snapshot" header); the reason as a sentence, or null. Lets a
 * loader refuse a multi-GB snapshot before reading it all.
 */
export function recognizeOtherDocument(head: string): string | null {
  return /^\uFEFF?\s*\{\s*"snapshot"\s*:/.test(head) ? SNAPSHOT_HINT : null
}

/** Whether bytes start with gzip's magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/** How a value of the wrong type is named in an error. */
function found(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > 24 ? value.slice(0, 23) + '…' : value)
    return `the string ${text}`
  }
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return typeof value
}

function formatError(message: string): HeapSnapshotError {
  return new HeapSnapshotError('format', message)
}

type RawObject = Record<string, unknown>

function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** The JSON text, with the byte offset of its first character in the input. */
function decode(input: string | Uint8Array, limits: ProfileLimits): { text: string; base: number } {
  if (typeof input === 'string') {
    return input.startsWith('\uFEFF') ? { text: input.slice(1), base: 3 } : { text: input, base: 0 }
  }
  if (isGzip(input)) {
    throw formatError('the input is gzip-compressed: decompress it before parsing (files are)')
  }
  if (input.length > limits.maxBytes) {
    throw new HeapSnapshotError(
      'too-large',
      `the profile is ${input.length} bytes, more than the ${limits.maxBytes} bytes one profile may be`,
    )
  }
  const bom = input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf
  // TextDecoder drops the byte-order mark itself.
  return { text: textDecoder('utf-8').decode(input), base: bom ? 3 : 0 }
}

/** The document's profile object (`head` and `samples`), or an error saying what it is instead. */
function profileObject(document: unknown): RawObject {
  if (!isObject(document)) {
    throw formatError(
      `not an allocation profile: the JSON is ${found(document)}, not an object with a "head" call tree`,
    )
  }
  // HeapProfiler.stopSampling's reply saved as it came: {profile: {head, samples}}.
  const root = !('head' in document) && isObject(document.profile) ? document.profile : document
  if ('head' in root) return root
  if ('snapshot' in root && 'nodes' in root) throw formatError(SNAPSHOT_HINT)
  if (Array.isArray(root.nodes) && ('timeDeltas' in root || 'startTime' in root)) {
    throw formatError(CPU_PROFILE_HINT)
  }
  const keys = Object.keys(root)
  const shown = keys.slice(0, 5).map((key) => JSON.stringify(key))
  throw formatError(
    `not an allocation profile: it has no "head" call tree` +
      (keys.length === 0
        ? ' (the object is empty)'
        : ` (its keys: ${shown.join(', ')}${keys.length > 5 ? ', …' : ''})`),
  )
}

/** A node waiting on the walk's stack. */
interface Pending {
  raw: unknown
  parent: number
  /** Its position among its parent's children, for errors about a node without an id. */
  position: number
}

/**
 * Parses a profile from its text or bytes (not gzipped: the loader decompresses files).
 * Throws HeapSnapshotError: 'syntax' or 'truncated' (with the byte offset) when it is not JSON,
 * 'format' when it is JSON but not a valid profile, 'too-large' past `limits.maxBytes`.
 */
export function parseAllocationProfile(
  input: string | Uint8Array,
  limits: Partial<ProfileLimits> = {},
): AllocationProfile {
  const { text, base } = decode(input, { ...DEFAULT_PROFILE_LIMITS, ...limits })
  const other = recognizeOtherDocument(text.slice(0, 256))
  if (other !== null) throw formatError(other)
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    const problem = findJsonProblem(text, base)
    if (problem === null) {
      throw new HeapSnapshotError('syntax', `not JSON: ${String((error as Error).message)}`)
    }
    const what = problem.code === 'truncated' ? 'the profile is cut short' : 'not JSON'
    throw new HeapSnapshotError(problem.code, `${what}: ${problem.message}`, problem.offset)
  }
  return buildProfile(profileObject(document))
}

/** Validates the tree and samples and lays them out in typed arrays. */
function buildProfile(root: RawObject): AllocationProfile {
  if (!isObject(root.head)) throw formatError(`"head" must be an object, found ${found(root.head)}`)
  const ids: number[] = []
  const parents: number[] = []
  const depths: number[] = []
  const frameOf: number[] = []
  const selfSizes: number[] = []
  const childCounts: number[] = []
  const frames: ProfileFrame[] = []
  const frameIndex = new Map<string, number>()
  const nodeById = new Map<number, number>()
  const stack: Pending[] = [{ raw: root.head, parent: -1, position: 0 }]
  while (stack.length > 0) {
    const { raw, parent, position } = stack.pop() as Pending
    const node = ids.length
    const where = parent === -1 ? 'the head node' : `child ${position} of node ${ids[parent]}`
    if (!isObject(raw)) throw formatError(`${where} is not an object, found ${found(raw)}`)
    if (!('id' in raw)) throw formatError(`${where} has no "id"`)
    if (!isWholeNumber(raw.id)) {
      throw formatError(`${where}: "id" must be a whole number (0 or more), found ${found(raw.id)}`)
    }
    const id = raw.id
    if (nodeById.has(id)) throw formatError(`node id ${id} appears twice (again as ${where})`)
    const name = `node ${id}`
    const field = (value: unknown, path: string, wanted: string): never => {
      throw formatError(
        value === undefined
          ? `${name} has no "${path}"`
          : `${name}: "${path}" must be ${wanted}, found ${found(value)}`,
      )
    }
    const callFrame = raw.callFrame
    if (!isObject(callFrame)) return field(callFrame, 'callFrame', 'an object')
    const functionName = callFrame.functionName
    if (typeof functionName !== 'string') {
      return field(functionName, 'callFrame.functionName', 'a string')
    }
    const url = callFrame.url
    if (typeof url !== 'string') return field(url, 'callFrame.url', 'a string')
    const scriptId = callFrame.scriptId
    if (scriptId !== undefined && typeof scriptId !== 'string' && !isWholeNumber(scriptId)) {
      return field(scriptId, 'callFrame.scriptId', 'a string or a whole number')
    }
    const position1Based = (value: unknown, path: string): number | null => {
      if (value === undefined || value === null) return null
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        return field(value, path, 'a whole number (-1 when unknown)')
      }
      return value < 0 ? null : value + 1
    }
    const line = position1Based(callFrame.lineNumber, 'callFrame.lineNumber')
    const column = position1Based(callFrame.columnNumber, 'callFrame.columnNumber')
    const selfSize = raw.selfSize
    if (typeof selfSize !== 'number' || !Number.isFinite(selfSize) || selfSize < 0) {
      return field(selfSize, 'selfSize', 'a number of bytes (0 or more)')
    }
    const children = raw.children ?? []
    if (!Array.isArray(children)) return field(children, 'children', 'an array')
    const frame: ProfileFrame = {
      functionName,
      url,
      scriptId: scriptId === undefined ? '0' : String(scriptId),
      line,
      column,
    }
    const key = `${functionName}\0${url}\0${frame.scriptId}\0${line}\0${column}`
    let frameNumber = frameIndex.get(key)
    if (frameNumber === undefined) {
      frameNumber = frames.length
      frames.push(frame)
      frameIndex.set(key, frameNumber)
    }
    nodeById.set(id, node)
    ids.push(id)
    parents.push(parent)
    depths.push(parent === -1 ? 0 : depths[parent] + 1)
    frameOf.push(frameNumber)
    selfSizes.push(selfSize)
    childCounts.push(children.length)
    // Reversed, so that children leave the stack in file order: preorder ordinals.
    for (let child = children.length - 1; child >= 0; child--) {
      stack.push({ raw: children[child], parent: node, position: child })
    }
  }
  const nodeCount = ids.length
  const selfSize = Float64Array.from(selfSizes)
  const parent = Int32Array.from(parents)
  // Totals and subtree ends, children before parents: descendants have larger ordinals.
  const totalSize = Float64Array.from(selfSizes)
  const subtreeSize = new Uint32Array(nodeCount).fill(1)
  for (let node = nodeCount - 1; node > 0; node--) {
    totalSize[parent[node]] += totalSize[node]
    subtreeSize[parent[node]] += subtreeSize[node]
  }
  const subtreeEnd = new Uint32Array(nodeCount)
  for (let node = 0; node < nodeCount; node++) subtreeEnd[node] = node + subtreeSize[node]
  const nodeId = Float64Array.from(ids)
  const { firstChild, childNode } = childrenBySize(parent, childCounts, totalSize, nodeId)
  const samples = readSamples(root, nodeById, nodeCount)
  return {
    nodeCount,
    nodeId,
    nodeById,
    parent,
    depth: Uint32Array.from(depths),
    subtreeEnd,
    firstChild,
    childNode,
    frame: Uint32Array.from(frameOf),
    frames,
    selfSize,
    totalSize,
    ...samples,
  }
}

/** CSR of each node's children, largest total first (then by V8 id), as views list them. */
function childrenBySize(
  parent: Int32Array,
  childCounts: readonly number[],
  totalSize: Float64Array,
  nodeId: Float64Array,
): { firstChild: Uint32Array; childNode: Uint32Array } {
  const nodeCount = parent.length
  const firstChild = new Uint32Array(nodeCount + 1)
  for (let node = 0; node < nodeCount; node++) {
    firstChild[node + 1] = firstChild[node] + childCounts[node]
  }
  const childNode = new Uint32Array(Math.max(0, nodeCount - 1))
  const cursor = firstChild.slice(0, nodeCount)
  for (let node = 1; node < nodeCount; node++) childNode[cursor[parent[node]]++] = node
  for (let node = 0; node < nodeCount; node++) {
    const from = firstChild[node]
    const to = firstChild[node + 1]
    if (to - from < 2) continue
    childNode
      .subarray(from, to)
      .sort((a, b) => totalSize[b] - totalSize[a] || nodeId[a] - nodeId[b])
  }
  return { firstChild, childNode }
}

/** Validates `samples` and counts them per node; samples of unknown nodes are counted apart. */
function readSamples(
  root: RawObject,
  nodeById: ReadonlyMap<number, number>,
  nodeCount: number,
): Pick<
  AllocationProfile,
  'samples' | 'sampleCount' | 'hasSamples' | 'unattributedSampleCount' | 'unattributedSize'
> {
  const sampleCount = new Uint32Array(nodeCount)
  const raw = root.samples
  if (raw === undefined || raw === null) {
    return {
      samples: {
        node: new Uint32Array(0),
        size: new Float64Array(0),
        ordinal: new Float64Array(0),
      },
      sampleCount,
      hasSamples: false,
      unattributedSampleCount: 0,
      unattributedSize: 0,
    }
  }
  if (!Array.isArray(raw)) throw formatError(`"samples" must be an array, found ${found(raw)}`)
  const nodes: number[] = []
  const sizes: number[] = []
  const ordinals: number[] = []
  let unattributedSampleCount = 0
  let unattributedSize = 0
  raw.forEach((sample: unknown, position) => {
    const name = `sample ${position}`
    if (!isObject(sample)) throw formatError(`${name} is not an object, found ${found(sample)}`)
    const check = (ok: boolean, key: string, wanted: string): void => {
      if (ok) return
      const value = sample[key]
      throw formatError(
        value === undefined
          ? `${name} has no "${key}"`
          : `${name}: "${key}" must be ${wanted}, found ${found(value)}`,
      )
    }
    const { nodeId, size, ordinal } = sample
    check(isWholeNumber(nodeId), 'nodeId', 'a whole number (a node id)')
    check(
      typeof size === 'number' && Number.isFinite(size) && size >= 0,
      'size',
      'a number of bytes (0 or more)',
    )
    check(
      ordinal === undefined || (typeof ordinal === 'number' && Number.isFinite(ordinal)),
      'ordinal',
      'a number',
    )
    const node = nodeById.get(nodeId as number)
    if (node === undefined) {
      unattributedSampleCount++
      unattributedSize += size as number
      return
    }
    sampleCount[node]++
    nodes.push(node)
    sizes.push(size as number)
    ordinals.push(ordinal === undefined ? NaN : (ordinal as number))
  })
  return {
    samples: {
      node: Uint32Array.from(nodes),
      size: Float64Array.from(sizes),
      ordinal: Float64Array.from(ordinals),
    },
    sampleCount,
    hasSamples: true,
    unattributedSampleCount,
    unattributedSize,
  }
}
