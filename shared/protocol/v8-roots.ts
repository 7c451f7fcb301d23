// V8's synthetic roots as paths name them, for the engine's explanations and the views alike.

/** GC roots that hold what running code holds: its stack, and the handles of native code. */
const RUNNING_CODE_ROOTS = new Set(['(Stack roots)', '(Handle scope)'])

/** The running-code root a path starts at ((Stack roots), (Handle scope)), or null. */
export function runningCodeRoot(path: ReadonlyArray<{ node: { name: string } }>): string | null {
  return path.slice(0, 2).find((step) => RUNNING_CODE_ROOTS.has(step.node.name))?.node.name ?? null
}
