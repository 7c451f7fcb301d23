// Snapshot comparison as DevTools' Comparison view computes it, in two halves so that each
// snapshot can stay in its own process: diffBase() condenses the older snapshot into typed arrays
// (per class: object ids ascending, self sizes), diffSnapshots() merges them with the newer one.
// Classes are the class index's, as the Summary's (class-index.ts); an object is new or deleted
// when its id is missing from the same class of the other snapshot.
import type { HeapSnapshot } from '../snapshot'
import {
  applyInterfaceDefinitions,
  inferInterfaceDefinitions,
  type InterfaceDefinition,
} from '../analyses/class-names'
import { perSnapshot } from './cache'
import { buildClassIndex, classIndexOf, type ClassIndex } from './class-index'
import { clampRange, summarizeObject } from './nodes'
import { sortByKeyDescending } from './sort'
import type { ClassDiff, DeletedObject, ObjectSummary, Page } from '../../protocol/dto'

export type { InterfaceDefinition }

/**
 * The older snapshot of a comparison, condensed: plain strings and typed arrays only, so it can
 * be posted between processes (structured clone, buffers transferable).
 */
export interface DiffBase {
  /** Per class: `,<className>` or `<scriptId>,<line>,<column>,<className>`. */
  classKey: string[]
  /** Per class: the name DevTools shows for a class found only in the base. */
  className: string[]
  /** Per class, CSR offsets (length classCount + 1) into the per-object arrays below. */
  firstObject: Uint32Array
  /** Per object slot: V8's object id, ascending within each class. */
  objectId: Uint32Array
  /** Per object slot: self size as DevTools shows it, bytes. */
  selfSize: Float64Array
  /** Per class: retained size by the Summary's rule, bytes. */
  retainedSize: Float64Array
}

export interface DiffOptions {
  /**
   * Also list classes without new or deleted objects whose retained size changed (DevTools
   * lists only classes with new or deleted objects). Default false.
   */
  includeRetainedOnly?: boolean
}

/** How many object ids two snapshots share, and how many of those keep their class. */
export interface IdOverlap {
  baseCount: number
  afterCount: number
  commonCount: number
  sameClassCount: number
}

/** A snapshot's objects grouped by class key, each class's members in ascending id order. */
interface ClassGroups {
  classKey: string[]
  /** Per class: the class name of its first member in node order (DevTools' aggregate name). */
  className: string[]
  /** Per class, CSR offsets (length classCount + 1) into `member`. */
  firstMember: Uint32Array
  /** Node ordinals, grouped by class, ascending id within a class. */
  member: Uint32Array
  /** Per class: retained size by the Summary's rule, bytes. */
  retainedSize: Float64Array
  /** Per node: its class, or -1 (zero self size, or a class DevTools drops). */
  nodeClass: Int32Array
}

const DIGITS = 1 << 16

/**
 * Sorts `values` by `keys` ascending and returns both sorted (the arguments become scratch
 * space): a stable LSD radix sort, two 16-bit passes, keys travelling with values so that each
 * pass reads sequentially.
 */
function radixSortPairs(
  sourceKeys: Uint32Array,
  sourceValues: Uint32Array,
): { keys: Uint32Array; values: Uint32Array } {
  const count = sourceKeys.length
  let keys: Uint32Array = sourceKeys
  let values: Uint32Array = sourceValues
  let scratchKeys: Uint32Array = new Uint32Array(count)
  let scratchValues: Uint32Array = new Uint32Array(count)
  const buckets = new Uint32Array(DIGITS + 1)
  for (const shift of [0, 16]) {
    buckets.fill(0)
    for (let position = 0; position < count; position++) {
      buckets[((keys[position] >>> shift) & 0xffff) + 1]++
    }
    for (let digit = 0; digit < DIGITS; digit++) buckets[digit + 1] += buckets[digit]
    for (let position = 0; position < count; position++) {
      const key = keys[position]
      const target = buckets[(key >>> shift) & 0xffff]++
      scratchKeys[target] = key
      scratchValues[target] = values[position]
    }
    ;[keys, scratchKeys] = [scratchKeys, keys]
    ;[values, scratchValues] = [scratchValues, values]
  }
  return { keys, values }
}

/** Node ordinals ordered by object id ascending (stable). */
function sortByIdAscending(nodes: Uint32Array, objectId: Uint32Array): Uint32Array {
  const keys = new Uint32Array(nodes.length)
  for (let position = 0; position < nodes.length; position++)
    keys[position] = objectId[nodes[position]]
  return radixSortPairs(keys, nodes.slice()).values
}

/** Every object of a class CSR as (object id, class) pairs in ascending id order. */
function idsWithClass(
  firstMember: Uint32Array,
  idAt: (slot: number) => number,
): { keys: Uint32Array; values: Uint32Array } {
  const classCount = firstMember.length - 1
  const keys = new Uint32Array(firstMember[classCount])
  const values = new Uint32Array(keys.length)
  for (let position = 0; position < classCount; position++) {
    for (let slot = firstMember[position]; slot < firstMember[position + 1]; slot++) {
      keys[slot] = idAt(slot)
      values[slot] = position
    }
  }
  return radixSortPairs(keys, values)
}

/** Members of each class as CSR, ascending id within a class. */
function membersByClass(
  snapshot: HeapSnapshot,
  nodeClass: Int32Array,
  classCount: number,
): { firstMember: Uint32Array; member: Uint32Array } {
  const firstMember = new Uint32Array(classCount + 1)
  let included = 0
  for (let node = 0; node < nodeClass.length; node++) {
    if (nodeClass[node] === -1) continue
    firstMember[nodeClass[node] + 1]++
    included++
  }
  const nodes = new Uint32Array(included)
  included = 0
  for (let node = 0; node < nodeClass.length; node++) {
    if (nodeClass[node] !== -1) nodes[included++] = node
  }
  for (let position = 0; position < classCount; position++) {
    firstMember[position + 1] += firstMember[position]
  }
  const next = firstMember.slice(0, classCount)
  const member = new Uint32Array(included)
  for (const node of sortByIdAscending(nodes, snapshot.graph.objectId)) {
    member[next[nodeClass[node]]++] = node
  }
  return { firstMember, member }
}

/** A class index's classes with their members in ascending id order. */
function groupByClass(snapshot: HeapSnapshot, index: ClassIndex): ClassGroups {
  return {
    classKey: index.classKey,
    className: index.className,
    ...membersByClass(snapshot, index.nodeClass, index.classKey.length),
    retainedSize: index.retainedSize,
    nodeClass: index.nodeClass,
  }
}

const ownGroups = perSnapshot((snapshot) => groupByClass(snapshot, classIndexOf(snapshot)))

const ownDefinitions = perSnapshot((snapshot): InterfaceDefinition[] =>
  inferInterfaceDefinitions(snapshot.graph).map(({ name, properties }) => ({ name, properties })),
)

/**
 * The plain-object interfaces (`{a, b}` class names) inferred for this snapshot, most popular
 * first. A comparison classifies the base's plain objects with the newer snapshot's interfaces,
 * as DevTools does, so pass these to diffBase().
 */
export function interfaceDefinitionsOf(snapshot: HeapSnapshot): InterfaceDefinition[] {
  return ownDefinitions(snapshot)
}

/** Class names of `snapshot` with its plain objects renamed after foreign interfaces. */
function classNamesWith(
  snapshot: HeapSnapshot,
  definitions: readonly InterfaceDefinition[],
): Uint32Array {
  if (JSON.stringify(definitions) === JSON.stringify(ownDefinitions(snapshot))) {
    return snapshot.className
  }
  const className = snapshot.className.slice()
  applyInterfaceDefinitions(snapshot.graph, className, [...definitions])
  return className
}

/**
 * Condenses the older snapshot of a comparison. `definitions` are the newer snapshot's
 * (interfaceDefinitionsOf), as DevTools' aggregatesForDiff applies them; its own give the
 * numbers DevTools would show only when both snapshots infer the same interfaces.
 */
export function diffBase(
  base: HeapSnapshot,
  definitions: readonly InterfaceDefinition[],
): DiffBase {
  const className = classNamesWith(base, definitions)
  const groups =
    className === base.className
      ? ownGroups(base)
      : groupByClass(base, buildClassIndex(base, className))
  const { member, firstMember } = groups
  const objectId = new Uint32Array(member.length)
  const selfSize = new Float64Array(member.length)
  for (let slot = 0; slot < member.length; slot++) {
    objectId[slot] = base.graph.objectId[member[slot]]
    selfSize[slot] = base.selfSize[member[slot]]
  }
  // DevTools names a base-only class after its last member (by id) under the base's own
  // interfaces, restored by then.
  const { strings } = base.graph
  const names = groups.classKey.map((_, position) =>
    strings.get(base.className[member[firstMember[position + 1] - 1]]),
  )
  return {
    classKey: groups.classKey,
    className: names,
    firstObject: firstMember.slice(),
    objectId,
    selfSize,
    retainedSize: groups.retainedSize.slice(),
  }
}

/** Visits a class's added and removed objects, merging the two id-sorted member lists. */
function mergeClass(
  after: HeapSnapshot,
  groups: ClassGroups,
  afterClass: number,
  base: DiffBase,
  baseClass: number,
  onAdded: (node: number) => void,
  onRemoved: (slot: number) => void,
): void {
  const { objectId } = after.graph
  let slot = baseClass === -1 ? 0 : base.firstObject[baseClass]
  const slotEnd = baseClass === -1 ? 0 : base.firstObject[baseClass + 1]
  let position = afterClass === -1 ? 0 : groups.firstMember[afterClass]
  const positionEnd = afterClass === -1 ? 0 : groups.firstMember[afterClass + 1]
  while (slot < slotEnd && position < positionEnd) {
    const baseId = base.objectId[slot]
    const afterId = objectId[groups.member[position]]
    if (baseId < afterId) onRemoved(slot++)
    else if (baseId > afterId) onAdded(groups.member[position++])
    else {
      slot++
      position++
    }
  }
  while (slot < slotEnd) onRemoved(slot++)
  while (position < positionEnd) onAdded(groups.member[position++])
}

function compareClass(
  after: HeapSnapshot,
  groups: ClassGroups,
  afterClass: number,
  base: DiffBase,
  baseClass: number,
): ClassDiff {
  let addedCount = 0
  let addedSize = 0
  let removedCount = 0
  let removedSize = 0
  mergeClass(
    after,
    groups,
    afterClass,
    base,
    baseClass,
    (node) => {
      addedCount++
      addedSize += after.selfSize[node]
    },
    (slot) => {
      removedCount++
      removedSize += base.selfSize[slot]
    },
  )
  const has = (position: number): boolean => position !== -1
  const retainedSizeBefore = has(baseClass) ? base.retainedSize[baseClass] : 0
  const retainedSizeAfter = has(afterClass) ? groups.retainedSize[afterClass] : 0
  return {
    classKey: has(afterClass) ? groups.classKey[afterClass] : base.classKey[baseClass],
    className: has(afterClass) ? groups.className[afterClass] : base.className[baseClass],
    addedCount,
    removedCount,
    countDelta: addedCount - removedCount,
    addedSize,
    removedSize,
    sizeDelta: addedSize - removedSize,
    countBefore: has(baseClass) ? base.firstObject[baseClass + 1] - base.firstObject[baseClass] : 0,
    countAfter: has(afterClass)
      ? groups.firstMember[afterClass + 1] - groups.firstMember[afterClass]
      : 0,
    retainedSizeBefore,
    retainedSizeAfter,
    retainedSizeDelta: retainedSizeAfter - retainedSizeBefore,
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Per class, what changed from `base` to `after`: the classes DevTools' Comparison view lists
 * (some object new or deleted), with its numbers. Sorted by |sizeDelta| descending, then
 * |countDelta| descending, then class key.
 */
export function diffSnapshots(
  after: HeapSnapshot,
  base: DiffBase,
  options: DiffOptions = {},
): ClassDiff[] {
  const groups = ownGroups(after)
  const afterClassOf = new Map(groups.classKey.map((key, position) => [key, position]))
  const seen = new Uint8Array(groups.classKey.length)
  const all: ClassDiff[] = []
  base.classKey.forEach((key, baseClass) => {
    const afterClass = afterClassOf.get(key) ?? -1
    if (afterClass !== -1) seen[afterClass] = 1
    all.push(compareClass(after, groups, afterClass, base, baseClass))
  })
  for (let afterClass = 0; afterClass < seen.length; afterClass++) {
    if (!seen[afterClass]) all.push(compareClass(after, groups, afterClass, base, -1))
  }
  const listed = all.filter(
    (entry) =>
      entry.addedCount > 0 ||
      entry.removedCount > 0 ||
      (options.includeRetainedOnly === true && entry.retainedSizeDelta !== 0),
  )
  return listed.sort(
    (a, b) =>
      Math.abs(b.sizeDelta) - Math.abs(a.sizeDelta) ||
      Math.abs(b.countDelta) - Math.abs(a.countDelta) ||
      compareKeys(a.classKey, b.classKey),
  )
}

/** The added (node ordinals) and removed (base slots) members of one class. */
function changedMembers(
  after: HeapSnapshot,
  base: DiffBase,
  classKey: string,
): { added: number[]; removed: number[] } {
  const groups = ownGroups(after)
  const added: number[] = []
  const removed: number[] = []
  mergeClass(
    after,
    groups,
    groups.classKey.indexOf(classKey),
    base,
    base.classKey.indexOf(classKey),
    (node) => added.push(node),
    (slot) => removed.push(slot),
  )
  return { added, removed }
}

/** Objects of a class in `after` that the base did not have, largest retained size first. */
export function newObjectsOfClass(
  after: HeapSnapshot,
  base: DiffBase,
  classKey: string,
  start = 0,
  count = 50,
): Page<ObjectSummary> {
  const { added } = changedMembers(after, base, classKey)
  return pageByKey(added, after.retainedSize, start, count, (node) => summarizeObject(after, node))
}

/** One page of `ordinals`, largest `key` first, each turned into an item. */
function pageByKey<T>(
  ordinals: number[],
  key: Float64Array,
  start: number,
  count: number,
  item: (ordinal: number) => T,
): Page<T> {
  const sorted = sortByKeyDescending(Uint32Array.from(ordinals), key)
  const [from, to] = clampRange(sorted.length, start, count)
  return { start: from, total: sorted.length, items: Array.from(sorted.subarray(from, to), item) }
}

/** Base objects of a class that `after` no longer has, largest self size first. */
export function deletedObjectsOfClass(
  after: HeapSnapshot,
  base: DiffBase,
  classKey: string,
  start = 0,
  count = 50,
): Page<DeletedObject> {
  const { removed } = changedMembers(after, base, classKey)
  return pageByKey(removed, base.selfSize, start, count, (slot) => ({
    id: base.objectId[slot],
    selfSize: base.selfSize[slot],
  }))
}

/**
 * Counts the object ids both snapshots have, and those whose class key is the same in both.
 * Ids are only comparable between snapshots of one process; in another process the same ids
 * name unrelated objects, so few shared ids keep their class.
 */
export function compareObjectIds(after: HeapSnapshot, base: DiffBase): IdOverlap {
  const groups = ownGroups(after)
  const { objectId } = after.graph
  const afterIds = idsWithClass(groups.firstMember, (slot) => objectId[groups.member[slot]])
  const baseIds = idsWithClass(base.firstObject, (slot) => base.objectId[slot])
  const afterClassOf = new Map(groups.classKey.map((key, position) => [key, position]))
  const sameAs = Int32Array.from(base.classKey, (key) => afterClassOf.get(key) ?? -1)
  let commonCount = 0
  let sameClassCount = 0
  let baseAt = 0
  let afterAt = 0
  while (baseAt < baseIds.keys.length && afterAt < afterIds.keys.length) {
    const baseId = baseIds.keys[baseAt]
    const afterId = afterIds.keys[afterAt]
    if (baseId < afterId) baseAt++
    else if (baseId > afterId) afterAt++
    else {
      commonCount++
      if (sameAs[baseIds.values[baseAt]] === afterIds.values[afterAt]) sameClassCount++
      baseAt++
      afterAt++
    }
  }
  return {
    baseCount: baseIds.keys.length,
    afterCount: afterIds.keys.length,
    commonCount,
    sameClassCount,
  }
}
