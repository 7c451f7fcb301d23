// The chain by which V8's feedback holds an object in a hand-built snapshot: a function's
// closure -{feedback_cell}-> FeedbackCell -{value}-> FeedbackVector -[0]-> AllocationSite, whose
// {transition_info} the caller points at a boilerplate object; and three snapshots of a process
// whose new objects V8's feedback holds. For the leak tests that leave out
// clusters held only by V8's internals.
import { SnapshotBuilder, type NodeHandle } from './snapshot-builder'

/** Adds global.render and its feedback chain; returns the allocation site at its end. */
export function addFeedbackChain(builder: SnapshotBuilder, global: NodeHandle): NodeHandle {
  const render = builder.node('closure', 'render', { selfSize: 32 })
  builder.edge(global, 'property', 'render', render)
  const cell = builder.node('hidden', 'system / FeedbackCell', { selfSize: 16 })
  const vector = builder.node('hidden', 'system / FeedbackVector', { selfSize: 64 })
  const site = builder.node('hidden', 'system / AllocationSite', { selfSize: 32 })
  builder.edge(render, 'internal', 'feedback_cell', cell)
  builder.edge(cell, 'internal', 'value', vector)
  builder.edge(vector, 'hidden', 0, site)
  return site
}

/**
 * One of three snapshots of a hand-built "process": between the baseline (step 0) and the target
 * (step 1) a Record goes into global.records and a Boilerplate object into an allocation site
 * that only V8's feedback for the function `render` holds. Objects are made in the same order
 * each time, so their ids match across the three.
 */
export function internalsSnapshot(step: 0 | 1 | 2): string {
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots('user-roots')
  const site = addFeedbackChain(builder, global)
  const records = builder.node('object', 'Array', { selfSize: 32 })
  builder.edge(global, 'property', 'records', records)
  const store = builder.node('array', '(object elements)', { selfSize: 24 })
  builder.edge(records, 'internal', 'elements', store)
  if (step > 0) {
    builder.edge(
      site,
      'internal',
      'transition_info',
      builder.node('object', 'Boilerplate', { selfSize: 5000 }),
    )
    builder.edge(store, 'element', 0, builder.node('object', 'Record', { selfSize: 100 }))
  }
  return builder.toText()
}
