// A profile read top-down: the call tree from its head, each node's children fetched by V8's node
// id a page at a time (largest total first), and the layout of a flame chart over the same tree.
import type { CallTreeNode, Page } from '../../protocol/dto'
import { clampRange } from '../queries/nodes'
import { nodeOfId, type AllocationProfile } from './allocation-profile'

function callTreeNode(profile: AllocationProfile, node: number): CallTreeNode {
  const frame = profile.frames[profile.frame[node]]
  return {
    id: profile.nodeId[node],
    functionName: frame.functionName,
    url: frame.url,
    line: frame.line,
    column: frame.column,
    selfSize: profile.selfSize[node],
    totalSize: profile.totalSize[node],
    count: profile.sampleCount[node],
    childCount: profile.firstChild[node + 1] - profile.firstChild[node],
  }
}

/** The tree's head (V8's "(root)"): its total is the whole profile's. */
export function getCallTreeRoot(profile: AllocationProfile): CallTreeNode {
  return callTreeNode(profile, 0)
}

/** One node of the tree by V8's id; a RangeError for an id the profile lacks. */
export function getCallTreeNode(profile: AllocationProfile, nodeId: number): CallTreeNode {
  return callTreeNode(profile, nodeOfId(profile, nodeId))
}

/** A page of a node's children (by V8's id), largest total first. */
export function getCallTreeChildren(
  profile: AllocationProfile,
  nodeId: number,
  start = 0,
  count = 50,
): Page<CallTreeNode> {
  const node = nodeOfId(profile, nodeId)
  const first = profile.firstChild[node]
  const [from, to] = clampRange(profile.firstChild[node + 1] - first, start, count)
  const items: CallTreeNode[] = []
  for (let slot = first + from; slot < first + to; slot++) {
    items.push(callTreeNode(profile, profile.childNode[slot]))
  }
  return { start: from, total: profile.firstChild[node + 1] - first, items }
}

/**
 * Where each call sits in a flame chart (an icicle, the head on top): one bar per node, as wide
 * as its total size and placed in bytes from the chart's left edge. Bars come in drawing order,
 * preorder with the larger sibling first (left-heavy, as the call tree lists children), so each
 * node's children start at its own left edge and its self size is the space right of them.
 * Parallel arrays over bars 0..barCount-1, bar 0 the head, so they cross to a view as buffers.
 */
export interface FlameChartLayout {
  barCount: number
  /** Bytes the chart spans (the head's total). */
  totalSize: number
  /** Deepest bar's depth (the head is 0). */
  maxDepth: number
  /** V8's node id of each bar (what getCallTreeNode takes). */
  nodeId: Float64Array
  /** Row of each bar: calls below the head. */
  depth: Uint32Array
  /** Left edge of each bar, in bytes from the chart's left edge. */
  startOffset: Float64Array
  /** Width of each bar in bytes: the node's total size. */
  width: Float64Array
  /** Index into the profile's frames of each bar's call frame (its name and location). */
  frame: Uint32Array
}

/** Lays the call tree out as a flame chart, iteratively (no recursion however deep the tree). */
export function flameChartLayout(profile: AllocationProfile): FlameChartLayout {
  const barCount = profile.nodeCount
  const nodeId = new Float64Array(barCount)
  const depth = new Uint32Array(barCount)
  const startOffset = new Float64Array(barCount)
  const width = new Float64Array(barCount)
  const frame = new Uint32Array(barCount)
  let maxDepth = 0
  let bar = 0
  // Nodes to draw, with their left edges; children pushed last-first so the largest pops first.
  const stack: number[] = barCount > 0 ? [0] : []
  const stackOffset: number[] = barCount > 0 ? [0] : []
  while (stack.length > 0) {
    const node = stack.pop() as number
    const offset = stackOffset.pop() as number
    nodeId[bar] = profile.nodeId[node]
    depth[bar] = profile.depth[node]
    startOffset[bar] = offset
    width[bar] = profile.totalSize[node]
    frame[bar] = profile.frame[node]
    if (profile.depth[node] > maxDepth) maxDepth = profile.depth[node]
    bar++
    const first = profile.firstChild[node]
    const last = profile.firstChild[node + 1]
    let childOffset = offset
    const offsets: number[] = []
    for (let slot = first; slot < last; slot++) {
      offsets.push(childOffset)
      childOffset += profile.totalSize[profile.childNode[slot]]
    }
    for (let slot = last - 1; slot >= first; slot--) {
      stack.push(profile.childNode[slot])
      stackOffset.push(offsets[slot - first])
    }
  }
  return {
    barCount,
    totalSize: barCount === 0 ? 0 : profile.totalSize[0],
    maxDepth,
    nodeId,
    depth,
    startOffset,
    width,
    frame,
  }
}
