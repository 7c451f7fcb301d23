// Progress reporting and cancellation for long engine work; both are injected by the caller.

/** One progress report: a named phase and how far it is. */
export interface Progress {
  phase: string
  done: number
  total: number
}

export type ProgressSink = (progress: Progress) => void

/** Anything with an `aborted` flag (an AbortSignal fits). */
export interface CancelSignal {
  readonly aborted: boolean
}
