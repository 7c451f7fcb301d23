// Dominator tree (Lengauer–Tarjan's semidominators with simple eval/link, then semi-NCA for the
// dominators) and retained sizes over essential edges. Its DFS and its graph are DevTools', step
// by step, so the (unique) dominators are DevTools' exactly, including nodes
// the root cannot reach through essential edges: first DFS from those with only non-essential
// retainers (in ordinal order, parented to the root), then any left (cliques) one by one.
import type { HeapGraph } from '../graph/heap-graph'
import type { BitVector } from './bit-vector'
import { WorkArrays } from './work-arrays'

export interface DominatorResult {
  /** Per node: ordinal of its immediate dominator; the root dominates itself. */
  dominator: Uint32Array
  /** Per node: bytes freed if the node were freed (its dominator subtree's self sizes). */
  retainedSize: Float64Array
  /** Dominator tree children as CSR over node ordinals (buildDominatedNodes). */
  firstDominated: Uint32Array
  dominatedNode: Uint32Array
  /** Nodes the root does not reach through essential edges (hung under the root). */
  unreachableCount: number
}

/**
 * Computes immediate dominators and retained sizes.
 * @param selfSize the per-node self sizes to accumulate (after shallow-size redistribution)
 */
export function computeDominators(
  graph: HeapGraph,
  essential: BitVector,
  selfSize: Float64Array | Uint32Array,
  work = new WorkArrays(),
  /** Steps the semi-NCA walk may take before the buckets take over (tests force them). */
  walkBudget?: number,
): DominatorResult {
  const { nodeCount, firstEdge, edgeTarget, firstRetainer, retainerEdge, retainerNode } = graph
  // Vertices are numbered 1..N (ordinal + 1) so that 0 can mean "none", as in the paper.
  const size = nodeCount + 1
  // Arrays from the stages before where they can be (work), zeroed where the algorithm reads
  // a 0 as "none yet".
  const parent = new Uint32Array(work.buffer(4 * size), 0, size).fill(0)
  // The forest's ancestors and the DFS numbers share one buffer, which becomes the retained
  // sizes (8 bytes per node) once the dominators are known: the load's memory peaks here.
  const shared = work.buffer(8 * size)
  const ancestor = new Uint32Array(shared, 0, size).fill(0)
  const number = new Uint32Array(shared, 4 * size, size)
  const vertex = new Uint32Array(work.buffer(4 * size), 0, size)
  // The labels, and later the dominator tree's slots, are scratch in one buffer given back.
  const scratch = work.buffer(8 * size, true)
  const label = new Uint32Array(scratch, 0, size)
  const nextSlot = new Uint32Array(scratch, 4 * size, size)
  const semi = new Uint32Array(work.buffer(4 * size), 0, size).fill(0)
  // Per vertex: the next outgoing edge the iterative DFS will look at. Also reused later as
  // the stack for path compression (the DFS is done by then).
  const nextEdge = work.scratch32(size, null)
  let n = 0

  const dfs = (start: number): void => {
    nextEdge[start] = firstEdge[start - 1]
    let v = start
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n
        number[v] = n
        vertex[n] = v
        label[v] = v
      }
      let following = parent[v]
      const end = firstEdge[v]
      for (let edge = nextEdge[v]; edge < end; edge++) {
        if (!essential.get(edge)) continue
        const w = edgeTarget[edge] + 1
        if (semi[w] === 0) {
          parent[w] = v
          nextEdge[w] = firstEdge[w - 1]
          nextEdge[v] = edge + 1
          following = w
          break
        }
      }
      if (following === parent[v]) nextEdge[v] = end
      v = following
    }
  }

  const hasOnlyNonEssentialRetainers = (node: number): boolean => {
    const end = firstRetainer[node + 1]
    for (let slot = firstRetainer[node]; slot < end; slot++) {
      if (essential.get(retainerEdge[slot])) return false
    }
    return true
  }

  const r = graph.rootNode + 1
  dfs(r)
  let unreachableCount = 0
  if (n < nodeCount) {
    unreachableCount = nodeCount - n
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0 && hasOnlyNonEssentialRetainers(v - 1)) {
        parent[v] = r
        dfs(v)
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0) {
        parent[v] = r
        semi[v] = ++n
        number[v] = n
        vertex[n] = v
        label[v] = v
      }
    }
  }

  const stack = nextEdge
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v
    // Compress the path from v towards its forest root, iteratively.
    let top = 0
    let u = v
    while (ancestor[ancestor[u]] !== 0) {
      stack[++top] = u
      u = ancestor[u]
    }
    while (top > 0) {
      const w = stack[top--]
      const a = ancestor[w]
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a]
      ancestor[w] = ancestor[a]
    }
    return label[v]
  }

  /**
   * Semidominators, in reverse DFS order (linking each vertex into the forest once its own is
   * known). With `buckets`, Lengauer and Tarjan's dominator step too, written into `parent`:
   * a vertex's parent is read once, at its turn, and its dominator written only after that.
   */
  const semidominators = (buckets: boolean): void => {
    // The buckets' heads take the DFS numbers' place (Lengauer–Tarjan does not read them).
    const bucketHead = number
    const bucketNext = nextSlot
    for (let i = n; i >= 2; i--) {
      const w = vertex[i]
      const node = w - 1
      let orphan = true
      const end = firstRetainer[node + 1]
      for (let slot = firstRetainer[node]; slot < end; slot++) {
        if (!essential.get(retainerEdge[slot])) continue
        orphan = false
        const u = evaluate(retainerNode[slot] + 1)
        if (semi[u] < semi[w]) semi[w] = semi[u]
      }
      // A node without essential retainers has the root as its only predecessor.
      if (orphan) semi[w] = semi[r]
      const p = parent[w]
      ancestor[w] = p
      if (buckets) {
        const semiVertex = vertex[semi[w]]
        bucketNext[w] = bucketHead[semiVertex]
        bucketHead[semiVertex] = w
        for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
          const u = evaluate(v)
          parent[v] = semi[u] < semi[v] ? u : p
        }
        bucketHead[p] = 0
      }
    }
  }

  semidominators(false)
  // Semi-NCA: in DFS order, a vertex's dominator is the nearest of its parent's dominators
  // (the parent included) numbered no higher than its semidominator; dominators are unique,
  // so this is what the buckets give, in one pass without them. The forest is done with, so
  // its array takes the dominators. The walk up can be long (a deep chain of dominators whose
  // last vertex has many children that other paths reach too): past a budget of steps, the
  // dominators are found again with Lengauer and Tarjan's buckets, whose time is bounded.
  let dom = ancestor
  dom[r] = r
  let budget = walkBudget ?? 8 * n + 1_000_000
  for (let i = 2; i <= n && budget >= 0; i++) {
    const w = vertex[i]
    const bound = semi[w]
    let x = parent[w]
    while (number[x] > bound) {
      x = dom[x]
      budget--
    }
    dom[w] = x
  }
  if (budget < 0) {
    for (let v = 1; v <= n; v++) {
      semi[v] = number[v]
      label[v] = v
    }
    ancestor.fill(0)
    number.fill(0)
    semidominators(true)
    dom = parent
    dom[r] = r
    for (let i = 2; i <= n; i++) {
      const w = vertex[i]
      if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]]
    }
  }
  dom[0] = r

  // The results take the place of work arrays where they can (a peak of memory is here): the
  // dominators shift down into the parents' array, the retained sizes go where the ancestors
  // and the DFS numbers were (neither is read again).
  const dominator = parent.subarray(0, nodeCount)
  for (let node = 0; node < nodeCount; node++) dominator[node] = dom[node + 1] - 1
  const retainedSize = new Float64Array(shared, 0, nodeCount)
  for (let node = 0; node < nodeCount; node++) retainedSize[node] = selfSize[node]
  // Accumulate in reverse DFS order, as DevTools does (children before their dominators).
  for (let i = n; i > 1; i--) {
    const node = vertex[i] - 1
    retainedSize[dominator[node]] += retainedSize[node]
  }
  // The tree's children lists, in work arrays no longer needed (nodeCount + 1 long each).
  const { firstDominated, dominatedNode } = buildDominatedNodes(dominator, graph.rootNode, {
    firstDominated: semi,
    dominatedNode: vertex.subarray(0, Math.max(0, nodeCount - 1)),
    nextSlot,
  })
  work.give(label, nextEdge)
  return {
    dominator,
    retainedSize,
    firstDominated,
    dominatedNode,
    unreachableCount,
  }
}

/** Children lists of the dominator tree as CSR; within a list, descending ordinal (as DevTools). */
export function buildDominatedNodes(
  dominator: Uint32Array,
  rootNode: number,
  /** Arrays to fill instead of new ones (firstDominated and nextSlot at least nodeCount + 1
   * long, dominatedNode nodeCount - 1); their contents do not matter. */
  into?: { firstDominated: Uint32Array; dominatedNode: Uint32Array; nextSlot: Uint32Array },
): { firstDominated: Uint32Array; dominatedNode: Uint32Array } {
  const nodeCount = dominator.length
  const firstDominated = into
    ? into.firstDominated.subarray(0, nodeCount + 1).fill(0)
    : new Uint32Array(nodeCount + 1)
  const dominatedNode = into?.dominatedNode ?? new Uint32Array(Math.max(0, nodeCount - 1))
  for (let node = 0; node < nodeCount; node++) {
    if (node !== rootNode) firstDominated[dominator[node] + 1]++
  }
  for (let node = 0; node < nodeCount; node++) firstDominated[node + 1] += firstDominated[node]
  const nextSlot = into ? into.nextSlot : new Uint32Array(nodeCount)
  nextSlot.set(firstDominated.subarray(1))
  for (let node = 0; node < nodeCount; node++) {
    if (node !== rootNode) dominatedNode[--nextSlot[dominator[node]]] = node
  }
  return { firstDominated, dominatedNode }
}

/**
 * How many objects the dominator subtree of `node` holds, itself included (what freeing it
 * frees, in objects): a walk of that subtree, not an array over every node kept for the rare
 * question.
 */
export function dominatedCount(
  tree: { firstDominated: Uint32Array; dominatedNode: Uint32Array },
  node: number,
): number {
  const { firstDominated, dominatedNode } = tree
  let stack = new Uint32Array(1024)
  let top = 0
  stack[top++] = node
  let count = 0
  while (top > 0) {
    const next = stack[--top]
    count++
    const start = firstDominated[next]
    const end = firstDominated[next + 1]
    if (top + end - start > stack.length) {
      const longer = new Uint32Array(Math.max(2 * stack.length, top + end - start))
      longer.set(stack.subarray(0, top))
      stack = longer
    }
    for (let slot = start; slot < end; slot++) stack[top++] = dominatedNode[slot]
  }
  return count
}
