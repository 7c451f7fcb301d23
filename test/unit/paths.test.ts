// Retainer paths and routes against a brute-force enumeration on small random graphs: every
// simple path from an object the root holds (by a strong reference) to the target, through
// objects the root does not hold and that have a distance, over strong edges only. The search's
// first path is the cheapest one (references plus the start's distance, as DevTools' Retainers
// pane orders them), every path it gives is one of those, none repeats, and it gives as many as
// asked for when that many exist. explainRetention's routes obey the same rules, within
// ROUTE_SLACK references of DevTools' distance.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NO_DISTANCE } from '../../shared/heap/analyses/distances'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { findRetainerPaths } from '../../shared/heap/queries/paths'
import { explainRetention } from '../../shared/heap/queries/explain'
import { ROUTE_SLACK } from '../../shared/heap/queries/explain/routes'
import { SnapshotBuilder } from '../helpers/snapshot-builder'
import type { PathStep } from '../../shared/protocol/dto'

type Kind = 'property' | 'element' | 'internal' | 'weak' | 'shortcut' | 'context'
const KINDS: Kind[] = ['property', 'property', 'element', 'internal', 'weak', 'context']
const NAMES = ['a', 'b', 'c', 'd']

interface RandomGraph {
  nodeCount: number
  edges: Array<[from: number, to: number, kind: Kind, name: number]>
}

/** 2 to 9 objects, a random tree off the root (some links missing), then extra edges. */
const randomGraph = fc
  .integer({ min: 2, max: 9 })
  .chain((nodeCount) =>
    fc.record({
      nodeCount: fc.constant(nodeCount),
      links: fc.array(fc.option(fc.nat(), { freq: 5 }), {
        minLength: nodeCount - 1,
        maxLength: nodeCount - 1,
      }),
      extra: fc.array(
        fc.tuple(fc.nat(), fc.nat(), fc.constantFrom<Kind>(...KINDS, 'shortcut'), fc.nat()),
        { maxLength: nodeCount * 2 },
      ),
    }),
  )
  .map(({ nodeCount, links, extra }): RandomGraph => {
    const edges: RandomGraph['edges'] = []
    links.forEach((parent, offset) => {
      const node = offset + 1
      if (parent !== null) edges.push([parent % node, node, 'property', node])
    })
    for (const [from, to, kind, name] of extra) {
      // No edge into the root: V8 never draws one.
      if (to % nodeCount !== 0) edges.push([from % nodeCount, to % nodeCount, kind, name])
    }
    return { nodeCount, edges }
  })

function load(graph: RandomGraph): HeapSnapshot {
  const builder = new SnapshotBuilder()
  for (let node = 1; node < graph.nodeCount; node++) builder.node('object', `N${node}`)
  for (const [from, to, kind, name] of graph.edges) {
    if (kind === 'element') builder.edge(from, 'element', name % 3, to)
    else builder.edge(from, kind, NAMES[name % NAMES.length], to)
  }
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

/**
 * Every simple strong path the search may give for `target`, as keys (`node>edge:node>…`, start
 * first; parallel edges make different paths) with the path's nodes.
 */
function allPaths(snapshot: HeapSnapshot, target: number): Array<{ key: string; nodes: number[] }> {
  const { graph, distance } = snapshot
  const weak = graph.edgeTypeCode.weak
  const heldByRoot = new Set<number>()
  for (let edge = graph.firstEdge[0]; edge < graph.firstEdge[1]; edge++) {
    if (graph.edgeType[edge] !== weak) heldByRoot.add(graph.edgeTarget[edge])
  }
  const found: Array<{ key: string; nodes: number[] }> = []
  const walk = (node: number, nodes: number[], key: string): void => {
    if (heldByRoot.has(node)) {
      found.push({ key: `${node}${key}`, nodes: [node, ...nodes] })
      return
    }
    for (let slot = graph.firstRetainer[node]; slot < graph.firstRetainer[node + 1]; slot++) {
      const retainer = graph.retainerNode[slot]
      const edge = graph.retainerEdge[slot]
      if (graph.edgeType[edge] === weak) continue
      if (retainer === 0 || distance[retainer] === NO_DISTANCE) continue
      if (retainer === node || nodes.includes(retainer)) continue
      walk(retainer, [node, ...nodes], `>${edge}:${node}${key}`)
    }
  }
  walk(target, [], '')
  return found
}

/** Throws unless each step of `path` is a strong edge of the snapshot from the step before. */
function expectRealPath(snapshot: HeapSnapshot, path: readonly PathStep[], label: string): void {
  const { graph } = snapshot
  for (let position = 1; position < path.length; position++) {
    const from = path[position - 1].node.node
    const to = path[position].node.node
    const edge = path[position].edge
    let matches = false
    for (let ordinal = graph.firstEdge[from]; ordinal < graph.firstEdge[from + 1]; ordinal++) {
      if (graph.edgeTarget[ordinal] !== to || graph.edgeType[ordinal] === graph.edgeTypeCode.weak)
        continue
      if (edge?.ordinal === undefined || edge.ordinal === ordinal) matches = true
    }
    expect(matches, `${label}: step ${position} (${from} -> ${to}) is a strong edge`).toBe(true)
  }
}

/** A path's key as allPaths makes it. */
const keyOf = (path: readonly PathStep[]): string =>
  path
    .map((step) => (step.edge ? `${step.edge.ordinal}:${step.node.node}` : `${step.node.node}`))
    .join('>')

describe('retainer paths against a brute-force enumeration', () => {
  it('gives the cheapest path first, only real paths, no repeats, and as many as exist', () => {
    fc.assert(
      fc.property(randomGraph, fc.integer({ min: 1, max: 4 }), (random, wanted) => {
        const snapshot = load(random)
        const { graph, distance } = snapshot
        for (let target = 1; target < graph.nodeCount; target++) {
          const label = `target ${target}`
          const expected = allPaths(snapshot, target)
          const result = findRetainerPaths(snapshot, target, { count: wanted })
          if (distance[target] === NO_DISTANCE) {
            expect(result.paths, label).toEqual([])
            continue
          }
          const known = new Set(expected.map((path) => path.key))
          const got = result.paths.map(keyOf)
          for (const path of result.paths) expectRealPath(snapshot, path, label)
          for (const key of got) expect(known.has(key), `${label}: ${key} is a path`).toBe(true)
          expect(new Set(got).size, `${label}: distinct`).toBe(got.length)
          // Within the fan-out (8 retainers a step here), every path can be found.
          expect(got.length, label).toBe(Math.min(wanted, expected.length))
          if (expected.length === 0) continue
          const cost = (nodes: number[]): number => nodes.length - 1 + distance[nodes[0]]
          const cheapest = Math.min(...expected.map((path) => cost(path.nodes)))
          expect(cost(result.paths[0].map((step) => step.node.node)), label).toBe(cheapest)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('gives routes that are real paths within the slack, and a verdict for each object', () => {
    fc.assert(
      fc.property(randomGraph, (random) => {
        const snapshot = load(random)
        const { graph, distance } = snapshot
        for (let target = 1; target < graph.nodeCount; target++) {
          const explanation = explainRetention(snapshot, target, { count: 3, withFix: false })
          expect(explanation.verdict.length).toBeGreaterThan(0)
          if (distance[target] === NO_DISTANCE) {
            expect(explanation.routes).toEqual([])
            continue
          }
          const paths = allPaths(snapshot, target)
          const known = new Set(paths.map((path) => path.key))
          // Within the slack of DevTools' distance, unless no strong path is (the distance may
          // count a weak reference from the root): then within the slack of the cheapest one.
          const cost = (nodes: readonly number[]): number => nodes.length - 1 + distance[nodes[0]]
          const cheapest = Math.min(...paths.map((path) => cost(path.nodes)))
          const limit = Math.max(distance[target], cheapest) + ROUTE_SLACK
          for (const route of explanation.routes) {
            expectRealPath(snapshot, route.steps, `target ${target}`)
            expect(known.has(keyOf(route.steps))).toBe(true)
            expect(cost(route.steps.map((step) => step.node.node))).toBeLessThanOrEqual(limit)
          }
          expect(explanation.routes.length > 0).toBe(known.size > 0)
        }
      }),
      { numRuns: 300 },
    )
  })
})
