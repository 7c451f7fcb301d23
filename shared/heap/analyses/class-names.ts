// Class names as DevTools' Summary shows them: `(system)` for hidden nodes, `Function`,
// `RegExp`, `(compiled code)`, `(array)`, `(string)`..., `<div>` for DOM nodes, and for plain
// `Object`s the most popular property-set "interfaces" (`{a, b}`), inferred over the heap.
import { addString, edgeName, type HeapGraph } from '../graph/heap-graph'
import type { ClassGrouper } from './class-index'

const MIN_INTERFACE_PROPERTY_COUNT = 1
const MAX_INTERFACE_NAME_LENGTH = 120
const MIN_OBJECT_COUNT_PER_INTERFACE = 2
const MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000

/** Quotes property names that would confuse a `{a, b}` listing, as DevTools does. */
export function formatPropertyName(name: string): string {
  if (/[,'"{}]/.test(name)) {
    const quoted = JSON.stringify({ [name]: 0 })
    return quoted.substring(1, quoted.length - 3)
  }
  return name
}

/** A plain-object "interface": a class name like `{a, b}` and the properties it stands for. */
export interface InterfaceDefinition {
  name: string
  properties: string[]
}

interface MatchInfo {
  name: string
  propertyCount: number
  position: number
}

interface PropertyTreeNode {
  next: Map<string, PropertyTreeNode>
  matchInfo: MatchInfo | null
  greatestNext: string | null
}

/** What a name means, in ObjectNames' memo: not read yet, read as not `Object` (no more). */
const UNREAD = 0
const NOT_OBJECT = 1
/** `Object`; a name that is its own class name; one whose class name was made from it. */
const OBJECT = 2
const ITSELF = 3
const DERIVED = 4
/** ObjectNames.classOf for `Object`. */
const PLAIN_OBJECT = -1

/**
 * What the names of `object` and `native` nodes mean, per string index, each string read once
 * (a heap has millions of such nodes and far fewer names): `Object` (a plain object's name),
 * itself, or a class name made from it (a DOM element's `<div>` for `<div id=…>`). A byte per
 * string, and the few made names in a map.
 */
export class ObjectNames {
  private readonly memo: Uint8Array
  private readonly derived = new Map<number, number>()
  private readonly strings: HeapGraph['strings']

  constructor(graph: HeapGraph) {
    this.strings = graph.strings
    this.memo = new Uint8Array(graph.strings.length)
  }

  /** Whether string `nameId` is `Object`. */
  isObject(nameId: number): boolean {
    const known = nameId < this.memo.length ? this.memo[nameId] : UNREAD
    if (known !== UNREAD) return known === OBJECT
    const plain = this.strings.get(nameId) === 'Object'
    if (nameId < this.memo.length) this.memo[nameId] = plain ? OBJECT : NOT_OBJECT
    return plain
  }

  /**
   * The class name (a string index) of a node named `nameId`, or PLAIN_OBJECT for `Object`;
   * `indexFor` gives the index of a name made here.
   */
  classOf(nameId: number, indexFor: (text: string) => number): number {
    const known = nameId < this.memo.length ? this.memo[nameId] : UNREAD
    if (known === ITSELF) return nameId
    if (known === OBJECT) return PLAIN_OBJECT
    if (known === DERIVED) return this.derived.get(nameId) as number
    const text = this.strings.get(nameId)
    let kind = ITSELF
    let name = nameId
    if (text === 'Object') {
      kind = OBJECT
      name = PLAIN_OBJECT
    } else {
      // A DOM element's name, `<div id=…>` or `Detached <div id=…>`, up to its tag's end.
      const tag = text.startsWith('<') ? 0 : text.startsWith('Detached <') ? 10 : -1
      if (tag !== -1) {
        const space = text.indexOf(' ', tag)
        kind = DERIVED
        name = indexFor(space === -1 ? text : text.substring(0, space) + '>')
      }
    }
    if (nameId < this.memo.length) {
      this.memo[nameId] = kind
      if (kind === DERIVED) this.derived.set(nameId, name)
    }
    return name
  }
}

/**
 * Per node: string index of its class name. Appends the names it needs to the string table.
 * `grouper`, when given, is handed each node with its class name in the same pass (the class
 * index is built without another pass over the nodes).
 */
export function computeClassNames(
  graph: HeapGraph,
  grouper?: ClassGrouper,
  into: Uint32Array = new Uint32Array(graph.nodeCount),
): Uint32Array {
  const { nodeCount, nodeType, nodeName } = graph
  const codes = graph.nodeTypeCode
  const added = new Map<string, number>()
  const indexFor = (text: string): number => {
    let found = added.get(text)
    if (found === undefined) {
      found = addString(graph, text)
      added.set(text, found)
    }
    return found
  }
  const names = new ObjectNames(graph)
  const systemClass = indexFor('(system)')
  const codeClass = indexFor('(compiled code)')
  const functionClass = indexFor('Function')
  const regExpClass = indexFor('RegExp')
  const otherClass = graph.nodeTypes.map((type) => indexFor(`(${type})`))

  // Plain `Object`s are named after the interfaces inferred over the whole heap first.
  const matchInterface = interfaceMatcher(graph, inferInterfaceDefinitions(graph, names))
  const className = into
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node]
    let name: number
    if (type === codes.hidden) {
      name = systemClass
    } else if (type === codes.object || type === codes.native) {
      name = names.classOf(nodeName[node], indexFor)
      if (name === PLAIN_OBJECT)
        name = type === codes.object ? matchInterface(node) : nodeName[node]
    } else if (type === codes.code) {
      name = codeClass
    } else if (type === codes.closure) {
      name = functionClass
    } else if (type === codes.regexp) {
      name = regExpClass
    } else {
      name = otherClass[type]
    }
    className[node] = name
    grouper?.add(node, name)
  }
  return className
}

/**
 * The most popular property sets of plain `Object`s, most popular first (DevTools' rule).
 * `names`: the graph's names as read so far (computeClassNames hands its own on).
 */
export function inferInterfaceDefinitions(
  graph: HeapGraph,
  names = new ObjectNames(graph),
): InterfaceDefinition[] {
  const { nodeCount, firstEdge, edgeType, nodeType, nodeName } = graph
  const objectType = graph.nodeTypeCode.object
  const property = graph.edgeTypeCode.property
  const candidates = new Map<string, InterfaceDefinition & { count: number }>()
  let objectCount = 0
  for (let node = 0; node < nodeCount; node++) {
    if (nodeType[node] !== objectType || !names.isObject(nodeName[node])) continue
    objectCount++
    let name = '{'
    const properties: string[] = []
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      if (edgeType[edge] !== property) continue
      const propertyName = edgeName(graph, edge)
      if (propertyName === '__proto__') continue
      const formatted = formatPropertyName(propertyName)
      if (
        name.length > MIN_INTERFACE_PROPERTY_COUNT &&
        name.length + formatted.length > MAX_INTERFACE_NAME_LENGTH
      ) {
        break
      }
      if (name.length !== 1) name += ', '
      name += formatted
      properties.push(propertyName)
    }
    if (properties.length === 0) continue
    name += '}'
    const candidate = candidates.get(name)
    if (candidate) candidate.count++
    else candidates.set(name, { name, properties, count: 1 })
  }
  const sorted = [...candidates.values()].sort((a, b) => b.count - a.count)
  const minCount = Math.max(
    MIN_OBJECT_COUNT_PER_INTERFACE,
    objectCount / MIN_OBJECT_PROPORTION_PER_INTERFACE,
  )
  const result: InterfaceDefinition[] = []
  for (const candidate of sorted) {
    if (candidate.count < minCount) break
    result.push(candidate)
  }
  return result
}

function betterMatch(a: MatchInfo, b: MatchInfo | null): MatchInfo {
  if (!b || a.propertyCount > b.propertyCount) return a
  if (b.propertyCount > a.propertyCount) return b
  return a.position <= b.position ? a : b
}

/**
 * Renames plain `Object`s in `className` after the best matching definition (DevTools applies
 * one snapshot's definitions to another when comparing them). Appends names to the strings.
 */
export function applyInterfaceDefinitions(
  graph: HeapGraph,
  className: Uint32Array,
  definitions: InterfaceDefinition[],
): void {
  const match = interfaceMatcher(graph, definitions)
  const names = new ObjectNames(graph)
  const { nodeType, nodeName } = graph
  const objectType = graph.nodeTypeCode.object
  for (let node = 0; node < graph.nodeCount; node++) {
    if (nodeType[node] === objectType && names.isObject(nodeName[node])) {
      className[node] = match(node)
    }
  }
}

/**
 * The class name (a string index) of a plain `Object` node after the best matching definition:
 * the one with the most properties the object has (the earliest of equals), else `Object`
 * (its own name). Appends the names it gives to the strings.
 */
function interfaceMatcher(
  graph: HeapGraph,
  definitions: InterfaceDefinition[],
): (node: number) => number {
  const tree: PropertyTreeNode = { next: new Map(), matchInfo: null, greatestNext: null }
  definitions.forEach((definition, position) => {
    const properties = [...definition.properties].sort()
    let current = tree
    for (const property of properties) {
      let next = current.next.get(property)
      if (!next) {
        next = { next: new Map(), matchInfo: null, greatestNext: null }
        current.next.set(property, next)
        if (current.greatestNext === null || current.greatestNext < property) {
          current.greatestNext = property
        }
      }
      current = next
    }
    current.matchInfo ??= { name: definition.name, propertyCount: properties.length, position }
  })
  const fallback: MatchInfo = { name: 'Object', propertyCount: 0, position: Infinity }
  const interfaceNames = new Map<string, number>()
  const { firstEdge, edgeType, nodeName } = graph
  const property = graph.edgeTypeCode.property
  return (node) => {
    // No definitions (a heap without popular plain objects): every one stays `Object`.
    if (definitions.length === 0) return nodeName[node]
    const properties: string[] = []
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      if (edgeType[edge] === property) properties.push(edgeName(graph, edge))
    }
    properties.sort()
    const states = new Set<PropertyTreeNode>([tree])
    let match = betterMatch(fallback, tree.matchInfo)
    for (const name of properties) {
      for (const state of [...states]) {
        if (state.greatestNext === null || name >= state.greatestNext) states.delete(state)
        const next = state.next.get(name)
        if (next) {
          states.add(next)
          match = betterMatch(match, next.matchInfo)
        }
      }
    }
    if (match === fallback) return nodeName[node]
    let index = interfaceNames.get(match.name)
    if (index === undefined) {
      index = addString(graph, match.name)
      interfaceNames.set(match.name, index)
    }
    return index
  }
}
