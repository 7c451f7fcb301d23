// The model of a sampling heap profile (.heapprofile): its call tree in typed arrays, in preorder,
// so that a subtree is one range of ordinals and every walk is a loop, never a recursion (trees
// run thousands of calls deep). Node 0 is the head, V8's "(root)". Built by parse-profile.ts.

/** A call frame as V8 reported it; line and column made 1-based, null when V8 had none. */
export interface ProfileFrame {
  functionName: string
  /** The script's URL or path ('' for V8's own code, or a script collected before the profile). */
  url: string
  /** V8's script id, as a string ('0' for built-ins). */
  scriptId: string
  line: number | null
  column: number | null
}

/** The samples of the profile whose node is in the call tree, in file order. */
export interface ProfileSamples {
  /** Node ordinal of each sample. */
  node: Uint32Array
  /** Bytes each sample stands for. */
  size: Float64Array
  /** V8's sample ordinal (allocation order), NaN when the file gives none. */
  ordinal: Float64Array
}

/**
 * A parsed, validated allocation profile. Index domain: node ordinals 0..nodeCount-1 in preorder
 * (a node's descendants follow it); `nodeId` is V8's own id of a node, what samples name.
 */
export interface AllocationProfile {
  nodeCount: number
  /** V8's id of each node (`id` in the file); unique. */
  nodeId: Float64Array
  /** Node ordinal of V8's id. */
  nodeById: ReadonlyMap<number, number>
  /** Parent ordinal of each node; -1 for the head. */
  parent: Int32Array
  /** Calls between the head and each node (the head is 0). */
  depth: Uint32Array
  /** One past each node's last descendant: its subtree is node .. subtreeEnd[node] - 1. */
  subtreeEnd: Uint32Array
  /** CSR of children: childNode[firstChild[node] .. firstChild[node + 1]], length nodeCount + 1. */
  firstChild: Uint32Array
  /** Children ordinals, each node's sorted by totalSize (largest first), then V8 id; length nodeCount - 1. */
  childNode: Uint32Array
  /** Index in `frames` of each node's call frame. */
  frame: Uint32Array
  /** The distinct call frames. */
  frames: readonly ProfileFrame[]
  /** Bytes sampled in each node itself (its `selfSize`). */
  selfSize: Float64Array
  /** Bytes sampled in each node and its descendants. */
  totalSize: Float64Array
  /** Samples taken in each node itself (0 everywhere when the file has no samples). */
  sampleCount: Uint32Array
  samples: ProfileSamples
  /** Whether the file lists samples (old files give only the tree's sizes). */
  hasSamples: boolean
  /**
   * Samples naming a node the tree does not have, left out of every count. Node and Chrome
   * write some in every profile: V8's profiler allocates while it builds the profile it returns.
   */
  unattributedSampleCount: number
  unattributedSize: number
}

/** Bytes sampled in the whole profile (the head's total). */
export function profileTotalSize(profile: AllocationProfile): number {
  return profile.nodeCount === 0 ? 0 : profile.totalSize[0]
}

/** Samples attributed to the tree's nodes. */
export function profileSampleCount(profile: AllocationProfile): number {
  return profile.samples.node.length
}

/** The node ordinal of V8's node id, or throws a RangeError naming the id. */
export function nodeOfId(profile: AllocationProfile, nodeId: number): number {
  const node = profile.nodeById.get(nodeId)
  if (node === undefined) throw new RangeError(`node id ${nodeId} is not in this profile`)
  return node
}

/** Wraps a builder so that it runs once per profile (a WeakMap: a dropped profile frees it). */
export function perProfile<K, T>(
  build: (profile: AllocationProfile, key: K) => T,
): (profile: AllocationProfile, key: K) => T {
  const cache = new WeakMap<AllocationProfile, Map<K, T>>()
  return (profile, key) => {
    let byKey = cache.get(profile)
    if (byKey === undefined) {
      byKey = new Map()
      cache.set(profile, byKey)
    }
    let value = byKey.get(key)
    if (value === undefined) {
      value = build(profile, key)
      byKey.set(key, value)
    }
    return value
  }
}
