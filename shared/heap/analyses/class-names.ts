// Class names as DevTools' Summary shows them: `(system)` for hidden nodes, `Function`,
// `RegExp`, `(compiled code)`, `(array)`, `(string)`..., `<div>` for DOM nodes, and for plain
// `Object`s the most popular property-set "interfaces" (`{a, b}`), inferred over the heap.
import { addString, edgeName, type HeapGraph } from '../graph/heap-graph'

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

/** Per node: string index of its class name. Appends the names it needs to the string table. */
export function computeClassNames(graph: HeapGraph): Uint32Array {
  const { nodeCount, nodeType, nodeName, strings } = graph
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
  const systemClass = indexFor('(system)')
  const codeClass = indexFor('(compiled code)')
  const functionClass = indexFor('Function')
  const regExpClass = indexFor('RegExp')
  const otherClass = graph.nodeTypes.map((type) => indexFor(`(${type})`))

  const className = new Uint32Array(nodeCount)
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node]
    if (type === codes.hidden) {
      className[node] = systemClass
    } else if (type === codes.object || type === codes.native) {
      const name = strings[nodeName[node]]
      if (name.startsWith('<')) {
        const space = name.indexOf(' ')
        className[node] = indexFor(space === -1 ? name : name.substring(0, space) + '>')
      } else if (name.startsWith('Detached <')) {
        const space = name.indexOf(' ', 10)
        className[node] = indexFor(space === -1 ? name : name.substring(0, space) + '>')
      } else {
        className[node] = nodeName[node]
      }
    } else if (type === codes.code) {
      className[node] = codeClass
    } else if (type === codes.closure) {
      className[node] = functionClass
    } else if (type === codes.regexp) {
      className[node] = regExpClass
    } else {
      className[node] = otherClass[type]
    }
  }
  applyInterfaceDefinitions(graph, className, inferInterfaceDefinitions(graph))
  return className
}

function isPlainObject(graph: HeapGraph, node: number): boolean {
  return (
    graph.nodeType[node] === graph.nodeTypeCode.object &&
    graph.strings[graph.nodeName[node]] === 'Object'
  )
}

/** The most popular property sets of plain `Object`s, most popular first (DevTools' rule). */
export function inferInterfaceDefinitions(graph: HeapGraph): InterfaceDefinition[] {
  const { nodeCount, firstEdge, edgeType } = graph
  const property = graph.edgeTypeCode.property
  const candidates = new Map<string, InterfaceDefinition & { count: number }>()
  let objectCount = 0
  for (let node = 0; node < nodeCount; node++) {
    if (!isPlainObject(graph, node)) continue
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
  const { nodeCount, firstEdge, edgeType, nodeName } = graph
  const property = graph.edgeTypeCode.property
  for (let node = 0; node < nodeCount; node++) {
    if (!isPlainObject(graph, node)) continue
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
    if (match === fallback) {
      className[node] = nodeName[node]
    } else {
      let index = interfaceNames.get(match.name)
      if (index === undefined) {
        index = addString(graph, match.name)
        interfaceNames.set(match.name, index)
      }
      className[node] = index
    }
  }
}
