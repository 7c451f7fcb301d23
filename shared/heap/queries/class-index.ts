// The class index: every object grouped into its class as DevTools groups them, built once per
// snapshot and shared by the Summary, the diff and the leak report. A class is DevTools' class
// key: the class name for most objects, `<scriptId>,<line>,<column>,<className>` for `object`
// nodes with a location. Objects with a zero self size belong to no class. When two internal
// keys give the same public key (two string-table entries with one text), the later one wins and
// the earlier one's objects take no part, as in DevTools. A class's retained size counts each
// member only when no dominator ancestor of the same class is counted already.
import { locationOffsets, type HeapSnapshot } from '../snapshot'
import { perSnapshot, savedFields } from './cache'

export interface ClassIndex {
  /** Per class: `,<className>` or `<scriptId>,<line>,<column>,<className>`. */
  classKey: string[]
  /** Per class: the class name of its first member in node order (DevTools' aggregate name). */
  className: string[]
  /** Per class: its first member in node order. */
  firstNode: Uint32Array
  count: Uint32Array
  /** Per class: self sizes summed, bytes. */
  selfSize: Float64Array
  /** Per class: retained size by the rule above, bytes. */
  retainedSize: Float64Array
  /** Per class: the smallest distance among members, as distances.ts gives them. */
  distance: Int32Array
  /** Per node: its class, or -1 (zero self size, or a class DevTools drops). */
  nodeClass: Int32Array
}

/**
 * Location keys (`<scriptId>,<line>,<column>,<className>`) without building a string per node:
 * a small direct-mapped cache of recent locations in front of the string-keyed map.
 */
class LocationGroups {
  private static readonly SLOTS = 4096
  private readonly cached = new Float64Array(LocationGroups.SLOTS * 4).fill(-1)
  private readonly cachedGroup = new Int32Array(LocationGroups.SLOTS)
  private readonly byKey = new Map<string, number>()

  constructor(private readonly strings: readonly string[]) {}

  /** The group of this location and class name; `create(key)` makes a new one. */
  find(
    scriptId: number,
    line: number,
    column: number,
    nameId: number,
    create: (key: string) => number,
  ): number {
    const slot =
      (Math.imul(scriptId ^ Math.imul(line, 31) ^ Math.imul(column, 961), 2654435761) ^ nameId) &
      (LocationGroups.SLOTS - 1)
    const at = slot * 4
    const { cached } = this
    if (
      cached[at] === scriptId &&
      cached[at + 1] === line &&
      cached[at + 2] === column &&
      cached[at + 3] === nameId
    ) {
      return this.cachedGroup[slot]
    }
    const key = `${scriptId},${line},${column},${this.strings[nameId]}`
    let group = this.byKey.get(key)
    if (group === undefined) {
      group = create(key)
      this.byKey.set(key, group)
    }
    cached[at] = scriptId
    cached[at + 1] = line
    cached[at + 2] = column
    cached[at + 3] = nameId
    this.cachedGroup[slot] = group
    return group
  }
}

/**
 * Per node: its aggregation group (DevTools' internal class key: the class-name string for most
 * nodes, the location for `object` nodes that have one), or -1 for zero self size.
 */
function assignGroups(
  snapshot: HeapSnapshot,
  className: Uint32Array,
): { nodeGroup: Int32Array; groupKey: string[]; groupFirstNode: number[] } {
  const { graph, selfSize, nodeLocation } = snapshot
  const { nodeType, strings, locations } = graph
  const { scriptId: scriptField, line: lineField, column: columnField } = locationOffsets(graph)
  const objectType = graph.nodeTypeCode.object
  const byClassName = new Int32Array(strings.length).fill(-1)
  const byLocation = new LocationGroups(strings)
  const groupKey: string[] = []
  const groupFirstNode: number[] = []
  const nodeGroup = new Int32Array(graph.nodeCount).fill(-1)
  for (let node = 0; node < graph.nodeCount; node++) {
    if (!selfSize[node]) continue
    const nameId = className[node]
    const record = nodeLocation[node]
    let group: number
    if (nodeType[node] === objectType && record !== -1) {
      group = byLocation.find(
        locations[record + scriptField],
        locations[record + lineField],
        locations[record + columnField],
        nameId,
        (key) => {
          groupKey.push(key)
          groupFirstNode.push(node)
          return groupKey.length - 1
        },
      )
    } else {
      group = byClassName[nameId]
      if (group === -1) {
        group = groupKey.length
        byClassName[nameId] = group
        groupKey.push(',' + strings[nameId])
        groupFirstNode.push(node)
      }
    }
    nodeGroup[node] = group
  }
  return { nodeGroup, groupKey, groupFirstNode }
}

/**
 * Per class: retained sizes of members that have no dominator ancestor in the same class
 * (members are the nodes whose nodeClass is the class).
 */
function classRetainedSizes(
  snapshot: HeapSnapshot,
  nodeClass: Int32Array,
  classCount: number,
): Float64Array {
  const { graph, retainedSize, firstDominated, dominatedNode } = snapshot
  const sums = new Float64Array(classCount)
  const active = new Int32Array(classCount)
  // The path from the root, as a stack as deep as the dominator tree (not as wide): per level
  // the node, its next child slot, and whether it counted for its class.
  let path = new Uint32Array(3 * 1024)
  let depth = 0
  const enter = (node: number): void => {
    const position = nodeClass[node]
    let counted = 0
    if (position !== -1 && active[position] === 0) {
      sums[position] += retainedSize[node]
      active[position]++
      counted = 1
    }
    if (3 * depth + 3 > path.length) {
      const longer = new Uint32Array(path.length * 2)
      longer.set(path)
      path = longer
    }
    path[3 * depth] = node
    path[3 * depth + 1] = firstDominated[node]
    path[3 * depth + 2] = counted
    depth++
  }
  enter(graph.rootNode)
  while (depth > 0) {
    const level = 3 * (depth - 1)
    const node = path[level]
    const slot = path[level + 1]
    if (slot < firstDominated[node + 1]) {
      path[level + 1] = slot + 1
      enter(dominatedNode[slot])
    } else {
      if (path[level + 2] === 1) active[nodeClass[node]]--
      depth--
    }
  }
  return sums
}

/**
 * Builds the class index of a snapshot with these class names per node (the snapshot's own, or
 * a diff base's renamed after the newer snapshot's interfaces).
 */
export function buildClassIndex(snapshot: HeapSnapshot, className: Uint32Array): ClassIndex {
  const { nodeGroup, groupKey, groupFirstNode } = assignGroups(snapshot, className)
  // A later group with the same public key replaces the earlier one.
  const winner = new Map<string, number>()
  groupKey.forEach((key, group) => winner.set(key, group))
  const classGroups = [...winner.values()]
  const classOfGroup = new Int32Array(groupKey.length).fill(-1)
  classGroups.forEach((group, position) => {
    classOfGroup[group] = position
  })
  const classCount = classGroups.length
  const nodeClass = nodeGroup
  const count = new Uint32Array(classCount)
  const selfSize = new Float64Array(classCount)
  const distance = new Int32Array(classCount)
  for (let node = 0; node < nodeClass.length; node++) {
    if (nodeClass[node] === -1) continue
    const position = classOfGroup[nodeClass[node]]
    nodeClass[node] = position
    if (position === -1) continue
    // The first member sets the distance; NO_DISTANCE (unreachable) is below every real one.
    if (count[position]++ === 0 || snapshot.distance[node] < distance[position]) {
      distance[position] = snapshot.distance[node]
    }
    selfSize[position] += snapshot.selfSize[node]
  }
  const { strings } = snapshot.graph
  return {
    classKey: classGroups.map((group) => groupKey[group]),
    className: classGroups.map((group) => strings[className[groupFirstNode[group]]]),
    firstNode: Uint32Array.from(classGroups, (group) => groupFirstNode[group]),
    count,
    selfSize,
    retainedSize: classRetainedSizes(snapshot, nodeClass, classCount),
    distance,
    nodeClass,
  }
}

/**
 * The class index restricted to the nodes `keep` marks (DevTools' filtered Summary: objects
 * allocated in an interval, say): the same classes, counted over those nodes only; a class's
 * retained size counts a kept member when no kept dominator ancestor of its class is counted.
 */
export function filteredClassIndex(snapshot: HeapSnapshot, keep: Uint8Array): ClassIndex {
  const full = classIndexOf(snapshot)
  const classCount = full.classKey.length
  const nodeClass = new Int32Array(full.nodeClass.length).fill(-1)
  const count = new Uint32Array(classCount)
  const selfSize = new Float64Array(classCount)
  const distance = new Int32Array(classCount)
  for (let node = 0; node < nodeClass.length; node++) {
    const position = full.nodeClass[node]
    if (position === -1 || !keep[node]) continue
    nodeClass[node] = position
    if (count[position]++ === 0 || snapshot.distance[node] < distance[position]) {
      distance[position] = snapshot.distance[node]
    }
    selfSize[position] += snapshot.selfSize[node]
  }
  return {
    ...full,
    count,
    selfSize,
    distance,
    retainedSize: classRetainedSizes(snapshot, nodeClass, classCount),
    nodeClass,
  }
}

/** The snapshot's own class index, built once. */
export const classIndexOf = perSnapshot(
  (snapshot) => buildClassIndex(snapshot, snapshot.className),
  {
    name: 'class-index@1',
    save: (index) => index,
    load: (saved, snapshot): ClassIndex => {
      const field = savedFields(saved, 'class index')
      const classKey = field('classKey', Array<string>)
      const classes = classKey.length
      return {
        classKey,
        className: field('className', Array<string>, classes),
        firstNode: field('firstNode', Uint32Array, classes),
        count: field('count', Uint32Array, classes),
        selfSize: field('selfSize', Float64Array, classes),
        retainedSize: field('retainedSize', Float64Array, classes),
        distance: field('distance', Int32Array, classes),
        nodeClass: field('nodeClass', Int32Array, snapshot.graph.nodeCount),
      }
    },
  },
)
