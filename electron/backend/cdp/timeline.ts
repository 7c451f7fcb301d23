// The heap timeline of an attached target (memory_profiler for V8): Runtime.getHeapUsage polled
// at a chosen interval into a timestamped series, with markers for garbage collections and
// snapshots. ArrayBuffer backing stores live outside the JS heap, so they are kept when the
// target reports them.
import type { HeapUsageSample, TargetSession } from './session'

export interface TimelineMarker {
  timeMs: number
  kind: 'gc' | 'snapshot'
  label: string
}

export interface TimelineOptions {
  intervalMs: number
  /** Called with each new sample. */
  onSample?: (sample: HeapUsageSample) => void
  /** Called once if polling stops on an error (e.g. the target exited). */
  onError?: (error: unknown) => void
}

export class HeapTimeline {
  readonly samples: HeapUsageSample[] = []
  readonly markers: TimelineMarker[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private stopped = false
  private readonly unsubscribe: () => void

  constructor(
    private readonly session: TargetSession,
    private readonly options: TimelineOptions,
  ) {
    if (!(options.intervalMs >= 50))
      throw new RangeError('the sampling interval must be at least 50 ms')
    // Garbage collections and snapshots made through the session become markers.
    this.unsubscribe = session.onEvent((kind, label) => this.mark(kind, label, session.now()))
  }

  /** Starts polling; the first sample is taken at once. */
  start(): void {
    this.stopped = false
    void this.poll()
  }

  private async poll(): Promise<void> {
    if (this.stopped) return
    try {
      const sample = await this.session.getHeapUsage()
      if (this.stopped) return
      this.samples.push(sample)
      this.options.onSample?.(sample)
      this.timer = setTimeout(() => void this.poll(), this.options.intervalMs)
    } catch (error) {
      this.stop()
      this.options.onError?.(error)
    }
  }

  stop(): void {
    this.stopped = true
    this.unsubscribe()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Records an event at the session's current time. */
  mark(kind: TimelineMarker['kind'], label: string, timeMs: number): void {
    this.markers.push({ kind, label, timeMs })
  }
}
