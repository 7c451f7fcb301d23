// What the retainer graph asks the backend beyond its paths, bounded by what is drawn: the cycle
// of each drawn object (one getCycle per object not already known from another's answer) and,
// to fold a store step, the owner's own edge among the item's first retainers.
import { useEffect, useMemo, useRef, useState } from 'react'
import type { HeapgraphApi } from '../../../shared/protocol'
import {
  cycleEntries,
  linksFrom,
  type ItemLookup,
  type Link,
} from '../../../shared/view/graph-model'

/** Retainers read per store item: the owner is among an item's first few. */
const LOOKUP_RETAINERS = 50

type CycleKeys = ReadonlyMap<number, string | null>

/** Cycle keys (see cycleEntries) of the given nodes, filled in as getCycle answers. */
export function useCycleKeys(api: HeapgraphApi, snapshotId: string, nodes: number[]): CycleKeys {
  const [known, setKnown] = useState<{ snapshotId: string; keys: CycleKeys }>({
    snapshotId,
    keys: new Map(),
  })
  const asked = useRef(new Set<string>())
  const keys = known.snapshotId === snapshotId ? known.keys : new Map<number, string | null>()
  const missing = nodes.filter(
    (node) => !keys.has(node) && !asked.current.has(`${snapshotId}:${node}`),
  )
  const wanted = missing.join(',')
  useEffect(() => {
    if (missing.length === 0) return
    for (const node of missing) asked.current.add(`${snapshotId}:${node}`)
    void Promise.all(
      missing.map((node) =>
        api.getCycle({ snapshotId, node }).then(
          (cycle) => cycleEntries(node, cycle),
          (): Array<[number, string | null]> => [[node, null]],
        ),
      ),
    ).then((answers) =>
      setKnown((previous) => {
        const next = new Map(previous.snapshotId === snapshotId ? previous.keys : [])
        for (const [node, key] of answers.flat()) if (!next.has(node)) next.set(node, key)
        return { snapshotId, keys: next }
      }),
    )
    // `wanted` names the missing nodes; the array itself is new on every render.
  }, [api, snapshotId, wanted])
  return keys
}

const lookupKey = (lookup: ItemLookup): string => `${lookup.owner}>${lookup.item}`

/** Links that let store steps fold, looked up once per (owner, item) pair. */
export function useItemLinks(api: HeapgraphApi, snapshotId: string, lookups: ItemLookup[]): Link[] {
  const [found, setFound] = useState<{ snapshotId: string; links: ReadonlyMap<string, Link[]> }>({
    snapshotId,
    links: new Map(),
  })
  const asked = useRef(new Set<string>())
  const links = found.snapshotId === snapshotId ? found.links : new Map<string, Link[]>()
  const missing = lookups.filter(
    (lookup) =>
      !links.has(lookupKey(lookup)) && !asked.current.has(`${snapshotId}:${lookupKey(lookup)}`),
  )
  const wanted = missing.map(lookupKey).join(',')
  useEffect(() => {
    if (missing.length === 0) return
    for (const lookup of missing) asked.current.add(`${snapshotId}:${lookupKey(lookup)}`)
    void Promise.all(
      missing.map((lookup) =>
        api.getRetainers({ snapshotId, node: lookup.item, count: LOOKUP_RETAINERS }).then(
          (page): [string, Link[]] => [lookupKey(lookup), linksFrom(lookup, page.items)],
          (): [string, Link[]] => [lookupKey(lookup), []],
        ),
      ),
    ).then((answers) =>
      setFound((previous) => {
        const next = new Map(previous.snapshotId === snapshotId ? previous.links : [])
        for (const [key, value] of answers) next.set(key, value)
        return { snapshotId, links: next }
      }),
    )
    // `wanted` names the missing lookups; the array itself is new on every render.
  }, [api, snapshotId, wanted])
  return useMemo(() => [...links.values()].flat(), [links])
}
