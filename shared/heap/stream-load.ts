// Loads a snapshot from text that is still arriving (a capture over CDP): bytes go into the
// streaming parser as they come, and the retainers are built as soon as nodes and edges are
// complete, while V8 is still sending the strings. finish() then runs the analyses.
import { buildRetainers, type Retainers } from './graph/heap-graph'
import { SnapshotParser, type ParserLimits } from './parse/snapshot-parser'
import type { CancelSignal, ProgressSink } from './progress'
import { initializeSnapshot, type HeapSnapshot } from './snapshot'

export class StreamingSnapshotLoader {
  private readonly parser: SnapshotParser
  private retainers: Retainers | undefined

  /** `limits`: as the parser's (e.g. the memory a load may take, checked at the header). */
  constructor(limits: Partial<ParserLimits> = {}) {
    this.parser = new SnapshotParser(limits)
  }

  write(data: Uint8Array): void {
    this.parser.write(data)
    if (this.retainers === undefined && this.parser.isStructureComplete) {
      const { nodeCount, firstEdge, edgeTarget } = this.parser.structure()
      this.retainers = buildRetainers(nodeCount, firstEdge, edgeTarget)
    }
  }

  finish(options: { onProgress?: ProgressSink; signal?: CancelSignal } = {}): HeapSnapshot {
    return initializeSnapshot(this.parser.finish(), { ...options, retainers: this.retainers })
  }
}
