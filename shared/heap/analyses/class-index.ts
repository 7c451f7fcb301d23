// The class index: every object grouped into its class as DevTools groups them, built once per
// snapshot (during the load, in the same pass over the nodes that names their classes) and
// shared by the Summary, the diff and the leak report. A class is DevTools' class key: the class
// name for most objects, `<scriptId>,<line>,<column>,<className>` for `object` nodes with a
// location. Objects with a zero self size belong to no class. When two internal keys give the
// same public key (two string-table entries with one text), the later one wins and the earlier
// one's objects take no part, as in DevTools. A class's retained size counts each member only
// when no dominator ancestor of the same class is counted already.
import { locationOffsets, recordShape, type HeapGraph } from '../graph/heap-graph'
import type { SizeArray } from '../parse/snapshot-parser'
import type { StringTable } from '../graph/string-table'

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

/** What grouping reads of a snapshot, per node. */
export interface GroupingInput {
  graph: HeapGraph
  selfSize: SizeArray
}

/** What a class's retained size reads: the dominator tree and retained sizes. */
export interface DominatorInput {
  graph: HeapGraph
  retainedSize: Float64Array
  firstDominated: Uint32Array
  dominatedNode: Uint32Array
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

  constructor(private readonly strings: StringTable) {}

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
    const key = `${scriptId},${line},${column},${this.strings.get(nameId)}`
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
 * Groups nodes one at a time, in node order (DevTools' internal class key: the class-name string
 * for most nodes, the location for `object` nodes that have one), counting each group's members
 * and self size as it goes; `finish` turns the groups into the class index but its distances,
 * which withDistances adds (the loader searches them on another thread meanwhile).
 */
export class ClassGrouper {
  /** Per node: its group, or -1 (zero self size, or not added). */
  readonly nodeGroup: Int32Array
  private readonly input: GroupingInput
  private readonly objectType: number
  private readonly locationField: { scriptId: number; line: number; column: number }
  private byClassName: Int32Array
  private readonly byLocation: LocationGroups
  private readonly groupKey: string[] = []
  private readonly groupNameId: number[] = []
  private readonly groupFirstNode: number[] = []
  private readonly groupCount: number[] = []
  private readonly groupSelfSize: number[] = []
  /** The next location record not behind the nodes added so far (they come in node order). */
  private record = 0
  private readonly recordFields: number
  private readonly recordNode: number

  /** `nodeGroup`: the array to fill (one per node; its contents do not matter). */
  constructor(input: GroupingInput, nodeGroup: Int32Array = new Int32Array(input.graph.nodeCount)) {
    this.input = input
    const { graph } = input
    this.objectType = graph.nodeTypeCode.object
    this.locationField = locationOffsets(graph)
    const shape = recordShape(graph.layout.locationFields)
    this.recordFields = shape.fieldCount
    this.recordNode = shape.nodeField
    this.byClassName = new Int32Array(graph.strings.length).fill(-1)
    this.byLocation = new LocationGroups(graph.strings)
    this.nodeGroup = nodeGroup.fill(-1)
  }

  /**
   * Puts `node`, whose class name is string `nameId`, into its group. Nodes come in ascending
   * order (each at most once).
   */
  add(node: number, nameId: number): void {
    const { selfSize, graph } = this.input
    const size = selfSize[node]
    if (!size) return
    let record = -1
    if (graph.nodeType[node] === this.objectType) {
      // The records are in node order (graph.locations): a cursor, not a search.
      const { locations } = graph
      const end = locations.length
      let at = this.record
      while (at < end && locations[at + this.recordNode] < node) at += this.recordFields
      this.record = at
      if (at < end && locations[at + this.recordNode] === node) record = at
    }
    let group: number
    if (record !== -1) {
      const { locations } = graph
      const scriptId = locations[record + this.locationField.scriptId]
      const line = locations[record + this.locationField.line]
      const column = locations[record + this.locationField.column]
      group = this.byLocation.find(scriptId, line, column, nameId, (key) =>
        this.newGroup(key, nameId, node),
      )
    } else {
      // Class names may be strings added after the grouper was made (`<div>`, `{a, b}`).
      if (nameId >= this.byClassName.length) this.growNames(nameId)
      group = this.byClassName[nameId]
      if (group === -1) {
        group = this.newGroup(',' + graph.strings.get(nameId), nameId, node)
        this.byClassName[nameId] = group
      }
    }
    this.nodeGroup[node] = group
    this.groupCount[group]++
    this.groupSelfSize[group] += size
  }

  private growNames(nameId: number): void {
    const longer = new Int32Array(Math.max(nameId + 1, 2 * this.byClassName.length)).fill(-1)
    longer.set(this.byClassName)
    this.byClassName = longer
  }

  private newGroup(key: string, nameId: number, node: number): number {
    this.groupKey.push(key)
    this.groupNameId.push(nameId)
    this.groupFirstNode.push(node)
    this.groupCount.push(0)
    this.groupSelfSize.push(0)
    return this.groupKey.length - 1
  }

  /**
   * The class index of the nodes added, but its distances; the grouper is spent (its nodeGroup
   * is the index's).
   */
  finish(dominators: DominatorInput): Omit<ClassIndex, 'distance'> {
    const { groupKey } = this
    // A later group with the same public key replaces the earlier one.
    const winner = new Map<string, number>()
    groupKey.forEach((key, group) => winner.set(key, group))
    const classGroups = [...winner.values()]
    const nodeClass = this.nodeGroup
    if (classGroups.length !== groupKey.length) {
      // Some key came twice (rare): the losers' members take no part.
      const classOfGroup = new Int32Array(groupKey.length).fill(-1)
      classGroups.forEach((group, position) => {
        classOfGroup[group] = position
      })
      for (let node = 0; node < nodeClass.length; node++) {
        if (nodeClass[node] !== -1) nodeClass[node] = classOfGroup[nodeClass[node]]
      }
    }
    const classCount = classGroups.length
    const { strings } = this.input.graph
    return {
      classKey: classGroups.map((group) => groupKey[group]),
      className: classGroups.map((group) => strings.get(this.groupNameId[group])),
      firstNode: Uint32Array.from(classGroups, (group) => this.groupFirstNode[group]),
      count: Uint32Array.from(classGroups, (group) => this.groupCount[group]),
      selfSize: Float64Array.from(classGroups, (group) => this.groupSelfSize[group]),
      retainedSize: classRetainedSizes(dominators, nodeClass, classCount),
      nodeClass,
    }
  }
}

/**
 * The class index with each class's smallest distance among its members (NO_DISTANCE,
 * unreachable, is below every real one; every class has a member).
 */
export function withDistances(
  index: Omit<ClassIndex, 'distance'>,
  distance: Int32Array,
): ClassIndex {
  const { nodeClass } = index
  const smallest = new Int32Array(index.classKey.length).fill(0x7fffffff)
  for (let node = 0; node < nodeClass.length; node++) {
    const position = nodeClass[node]
    if (position !== -1 && distance[node] < smallest[position]) smallest[position] = distance[node]
  }
  return { ...index, distance: smallest }
}

/**
 * Per class: retained sizes of members that have no dominator ancestor in the same class
 * (members are the nodes whose nodeClass is the class), in one walk down the dominator tree.
 */
export function classRetainedSizes(
  input: DominatorInput,
  nodeClass: Int32Array,
  classCount: number,
): Float64Array {
  const { graph, retainedSize, firstDominated, dominatedNode } = input
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
 * The class index of a snapshot under other class names per node (a diff base's, renamed after
 * the newer snapshot's interfaces): one pass over the nodes, then the dominator tree.
 */
export function buildClassIndex(
  snapshot: GroupingInput & DominatorInput & { distance: Int32Array },
  className: Uint32Array,
): ClassIndex {
  const grouper = new ClassGrouper(snapshot)
  for (let node = 0; node < className.length; node++) grouper.add(node, className[node])
  return withDistances(grouper.finish(snapshot), snapshot.distance)
}
