// The chain by which V8's feedback holds an object in a hand-built snapshot: a function's
// closure -{feedback_cell}-> FeedbackCell -{value}-> FeedbackVector -[0]-> AllocationSite, whose
// {transition_info} the caller points at a boilerplate object. For the leak tests that leave out
// clusters held only by V8's internals.
import type { NodeHandle, SnapshotBuilder } from './snapshot-builder'

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
