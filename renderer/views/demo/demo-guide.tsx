// The demo's guide: a banner that walks a newcomer through finding the demo's leak, one step
// at a time: take a snapshot of the running program, open Arrays, ask "Why alive?" of the top
// array, then read the answer. The step follows from what the user has done, not a script.
import type { Place } from '../../../shared/view/navigation'

export type DemoStep = 'capture' | 'arrays' | 'why' | 'done'

/** Where the user is in the demo, from the place and whether the demo was captured yet. */
export function demoStep(place: Place, captured: boolean): DemoStep {
  if (!captured) return 'capture'
  if (place.node !== null) return 'done'
  if (place.view === 'arrays') return 'why'
  return 'arrays'
}

interface Props {
  step: DemoStep
  onShowAttach: () => void
  onShowArrays: () => void
  onEnd: () => void
}

export function DemoGuide({ step, onShowAttach, onShowArrays, onEnd }: Props): React.JSX.Element {
  return (
    <aside className="demo-guide" aria-label="Demo guide">
      {step === 'capture' && (
        <p>
          <strong>Demo, step 1 of 3.</strong> A small Node service is running and leaking: it keeps
          every request&apos;s samples in a cache. Its heap grows in the chart. Press{' '}
          <em>Take snapshot</em> to capture it.{' '}
          <button onClick={onShowAttach}>Show the target</button>
        </p>
      )}
      {step === 'arrays' && (
        <p>
          <strong>Demo, step 2 of 3.</strong> The snapshot is open. Big arrays that stay alive are
          the usual suspects: <button onClick={onShowArrays}>Show arrays</button>
        </p>
      )}
      {step === 'why' && (
        <p>
          <strong>Demo, step 3 of 3.</strong> The arrays are sorted by retained size. Press{' '}
          <em>Why alive?</em> on one with 20,000 items.
        </p>
      )}
      {step === 'done' && (
        <p>
          <strong>That is the leak.</strong> Read the retainer path from the GC root down: the
          global <code>service</code> holds <code>sessionCache</code>, a Map that nothing ever
          evicts, whose <code>RequestSamples</code> hold the <code>latencies</code> arrays. Evicting
          old sessions would free them. Click objects in the graph to see more.
        </p>
      )}
      <button onClick={onEnd}>End the demo</button>
    </aside>
  )
}
