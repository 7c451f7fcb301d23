// Tiny hand-built sampling heap profiles (.heapprofile) for tests: calls under calls, each with
// its frame, self size and samples, written in V8's format (0-based lines, -1 when unknown).
// Text is built without recursion, so trees thousands of calls deep serialize too.

/** A call frame as a test names it: `line` and `column` 0-based, as in the file. */
export interface FrameSpec {
  functionName: string
  url?: string
  line?: number
  column?: number
  scriptId?: string
}

export interface CallOptions {
  /** Bytes of the node's selfSize (default: the sum of its samples). */
  selfSize?: number
  /** Sizes of the samples taken in the call. */
  samples?: readonly number[]
}

interface BuiltNode {
  id: number
  frame: FrameSpec
  selfSize: number
  samples: readonly number[]
  children: number[]
}

/** The raw JSON shape of a profile. */
export interface RawProfile {
  head: RawNode
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>
}

export interface RawNode {
  callFrame: {
    functionName: string
    scriptId: string
    url: string
    lineNumber: number
    columnNumber: number
  }
  selfSize: number
  id: number
  children: RawNode[]
}

/** Builds a profile call by call; node ids are 1 (the head), 2, 3… in creation order. */
export class ProfileBuilder {
  private readonly nodes = new Map<number, BuiltNode>()
  /** The head: V8's "(root)". */
  readonly root: number

  constructor() {
    this.root = this.add({ functionName: '(root)', scriptId: '0' }, {})
  }

  private add(frame: FrameSpec, options: CallOptions): number {
    const id = this.nodes.size + 1
    const samples = options.samples ?? []
    this.nodes.set(id, {
      id,
      frame,
      selfSize: options.selfSize ?? samples.reduce((sum, size) => sum + size, 0),
      samples,
      children: [],
    })
    return id
  }

  /** A call of `frame` made from `parent`; returns its node id. */
  call(parent: number, frame: FrameSpec | string, options: CallOptions = {}): number {
    const spec = typeof frame === 'string' ? { functionName: frame } : frame
    const id = this.add(spec, options)
    this.node(parent).children.push(id)
    return id
  }

  /** A chain of calls from `parent`, one per frame; returns the last one's id. */
  chain(parent: number, frames: ReadonlyArray<FrameSpec | string>, options: CallOptions = {}) {
    let at = parent
    frames.forEach((frame, position) => {
      at = this.call(at, frame, position === frames.length - 1 ? options : {})
    })
    return at
  }

  private node(id: number): BuiltNode {
    const node = this.nodes.get(id)
    if (!node) throw new Error(`no node ${id}`)
    return node
  }

  /** Node ids with their parent's id (the head's is null), in creation order. */
  parents(): Map<number, number | null> {
    const parents = new Map<number, number | null>([[this.root, null]])
    for (const node of this.nodes.values()) {
      for (const child of node.children) parents.set(child, node.id)
    }
    return parents
  }

  /** Each node's frame, self size and sample count, by id. */
  facts(): Map<number, { frame: FrameSpec; selfSize: number; count: number }> {
    return new Map(
      [...this.nodes.values()].map((node) => [
        node.id,
        { frame: node.frame, selfSize: node.selfSize, count: node.samples.length },
      ]),
    )
  }

  private rawFrame(frame: FrameSpec): RawNode['callFrame'] {
    return {
      functionName: frame.functionName,
      scriptId: frame.scriptId ?? (frame.url ? '7' : '0'),
      url: frame.url ?? '',
      lineNumber: frame.line ?? -1,
      columnNumber: frame.column ?? -1,
    }
  }

  private rawSamples(): NonNullable<RawProfile['samples']> {
    const samples: NonNullable<RawProfile['samples']> = []
    for (const node of this.nodes.values()) {
      for (const size of node.samples) {
        samples.push({ size, nodeId: node.id, ordinal: samples.length + 1 })
      }
    }
    return samples
  }

  /** The profile as an object (recursive: for shallow trees). */
  toObject({ samples = true } = {}): RawProfile {
    const build = (id: number): RawNode => {
      const node = this.node(id)
      return {
        callFrame: this.rawFrame(node.frame),
        selfSize: node.selfSize,
        id: node.id,
        children: node.children.map(build),
      }
    }
    const head = build(this.root)
    return samples ? { head, samples: this.rawSamples() } : { head }
  }

  /** The profile as JSON text, written without recursion (any depth). */
  toText({ samples = true } = {}): string {
    const parts: string[] = ['{"head":']
    // Each entry: a node to open, or the text that closes one.
    const stack: Array<number | string> = [this.root]
    while (stack.length > 0) {
      const next = stack.pop() as number | string
      if (typeof next === 'string') {
        parts.push(next)
        continue
      }
      const node = this.node(next)
      parts.push(
        `{"callFrame":${JSON.stringify(this.rawFrame(node.frame))},"selfSize":${node.selfSize},"id":${node.id},"children":[`,
      )
      stack.push(']}')
      for (let child = node.children.length - 1; child >= 0; child--) {
        stack.push(node.children[child])
        if (child > 0) stack.push(',')
      }
    }
    if (samples) parts.push(`,"samples":${JSON.stringify(this.rawSamples())}`)
    parts.push('}')
    return parts.join('')
  }
}
