// Why is this object alive, as an answer a developer can act on: the routes a programmer would
// draw (routes.ts), read as code (readable.ts), a one-line verdict and, where the holder is a
// pattern the snapshot makes recognizable, the fix, checked by a recount with its reference cut (verdict.ts).
import type { HeapSnapshot } from '../../snapshot'
import { checkNode, summarizeObject } from '../nodes'
import { findRoutes, ROUTE_SLACK, routeReach } from './routes'
import { findRetainerPaths } from '../paths'
import { readableKey, readablePath } from './readable'
import { runningCodeRoot } from '../../../protocol/v8-roots'
import { explainRoute } from './verdict'
import type { Explanation, ObjectSummary, ReadableStep, Route } from '../../../protocol/dto'

export interface ExplainOptions {
  /** How many routes (default 1). */
  count?: number
  /** Show V8's internals (stores, contexts, property cells) instead of folding them. */
  internals?: boolean
  /** Look for a fix (a recount with each candidate cut; default true). */
  withFix?: boolean
}

/** How many candidate routes are searched for each one shown. */
const CANDIDATES_PER_ROUTE = 6

export function explainRetention(
  snapshot: HeapSnapshot,
  node: number,
  options: ExplainOptions = {},
): Explanation {
  checkNode(snapshot, node)
  const wanted = Math.max(1, Math.floor(options.count ?? 1))
  const target = summarizeObject(snapshot, node)
  const candidates = wanted * CANDIDATES_PER_ROUTE + 4
  const perNode = Math.max(4, wanted + 2)
  let search = findRoutes(snapshot, node, candidates, { perNode })
  // DevTools' distance can be shorter than any strong route (it counts a weak reference from the
  // root): then routes within the slack of the shortest strong one.
  if (search.reachable && !search.truncated && search.paths.length === 0) {
    const [shortest] = findRetainerPaths(snapshot, node).paths
    if (shortest) {
      const cost = shortest.length - 1 + routeReach(snapshot, shortest[0].node.node)
      const slack = cost - routeReach(snapshot, node) + ROUTE_SLACK
      search = findRoutes(snapshot, node, candidates, { perNode, slack })
    }
  }
  const routes: Route[] = []
  const seen = new Set<string>()
  const byHolder = new Map<number, Route>()
  // Routes are told apart, and the verdict made, on the folded route; `internals` changes only
  // how they are shown.
  const folded = new Map<Route, ReadableStep[]>()
  for (const steps of search.paths) {
    const readable = readablePath(snapshot, steps)
    const key = readableKey(readable)
    if (seen.has(key)) continue
    seen.add(key)
    const holder = readable.length > 1 ? readable[readable.length - 2].node : null
    const holderKey = holder?.node ?? -1
    const sameHolder = byHolder.get(holderKey)
    if (sameHolder) sameHolder.sameHolderRoutes++
    // A further route is a different explanation only if it passes other objects, not just
    // another way into an earlier route's chain in its first steps.
    if (
      routes.length >= wanted ||
      routes.some((route) => sharesTail(folded.get(route) ?? [], readable))
    )
      continue
    const shown = options.internals ? readablePath(snapshot, steps, true) : readable
    const route: Route = { steps, readable: shown, holder, sameHolderRoutes: 0 }
    routes.push(route)
    folded.set(route, readable)
    if (!sameHolder) byHolder.set(holderKey, route)
  }
  const first = routes[0]
  const explained = first
    ? explainRoute(snapshot, target, folded.get(first) ?? first.readable, {
        withFix: options.withFix ?? true,
        // Only when no route found avoids running code's stack or handles.
        runningCodeOnly: search.paths.every((path) => runningCodeRoot(path) !== null)
          ? runningCodeRoot(search.paths[0])
          : null,
      })
    : { verdict: unexplained(target, search.reachable, search.truncated), fix: null }
  return {
    target,
    reachable: search.reachable,
    truncated: search.truncated,
    verdict: explained.verdict,
    routes,
    fix: explained.fix,
  }
}

/**
 * Two routes tell the same story when they differ only where they start: past their first two
 * readable steps, one's objects are all on the other.
 */
function sharesTail(a: readonly ReadableStep[], b: readonly ReadableStep[]): boolean {
  const onA = new Set(a.map((step) => step.node.node))
  // The objects before the target, past the first two steps (at least the holder).
  const tail = b.slice(Math.max(1, Math.min(2, b.length - 2)), -1)
  return tail.every((step) => onA.has(step.node.node))
}

function unexplained(target: ObjectSummary, reachable: boolean, truncated: boolean): string {
  if (!reachable)
    return `${target.label} is not alive: no GC root reaches it, and the next collection frees it.`
  if (truncated)
    return `${target.label} is alive, but the search for a route stopped at its budget (see its retainers).`
  return `${target.label} is held only by weak references: they do not keep it alive.`
}
