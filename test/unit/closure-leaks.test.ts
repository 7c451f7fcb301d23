// Closure leaks on hand-built heaps: Chrome's scope sections as the parser reads them, and the
// context variables the analysis lists: held by live functions known not to read them (unused,
// shared), or, without scope information, by functions of which none is known to (unknown).
import { describe, expect, it } from 'vitest'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { getClosureLeaks } from '../../shared/heap/queries/closures'
import { SnapshotBuilder, serializeSnapshot, type NodeHandle } from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

/**
 * A script laid out as V8 writes it: its Script node, SharedFunctionInfos with scope ids,
 * ScopeInfos, contexts and closures; with the 'chrome' layout its scope sections too.
 */
class Program {
  readonly b: SnapshotBuilder
  readonly global: NodeHandle
  readonly nativeContext: NodeHandle
  readonly script: NodeHandle
  private held = 0

  constructor(layout: 'chrome' | 'node') {
    this.b = new SnapshotBuilder({ layout })
    const roots = this.b.standardRoots('user-roots')
    this.global = roots.global
    this.nativeContext = roots.nativeContext
    this.script = this.b.node('code', 'system / Script')
    this.b.edge(this.script, 'internal', 'name', this.b.node('string', 'file:///app.js'))
    this.b.edge(roots.strongRoots, 'element', 1, this.script)
  }

  /** A number node as Chrome writes small integers: named `int`, its value in a string. */
  number(value: number): NodeHandle {
    const node = this.b.node('number', 'int')
    this.b.edge(node, 'internal', 'value', this.b.node('string', String(value)))
    return node
  }

  scopeInfo(scopeId: number, type = 'FUNCTION_SCOPE'): NodeHandle {
    const info = this.b.node('code', 'system / ScopeInfo', { selfSize: 40 })
    this.b.edge(info, 'internal', 'scope_id', this.number(scopeId))
    this.b.edge(info, 'internal', 'scope_type_name', this.b.node('string', type))
    return info
  }

  /** A function of the script with V8's scope id, and its ScopeInfo when it has a context. */
  shared(name: string, scopeId: number, scopeInfo?: NodeHandle): NodeHandle {
    const shared = this.b.node('code', `system / SharedFunctionInfo / ${name}`, { selfSize: 56 })
    this.b.edge(shared, 'internal', 'script', this.script)
    this.b.edge(shared, 'internal', 'scope_id', this.number(scopeId))
    if (scopeInfo !== undefined) this.b.edge(shared, 'internal', 'name_or_scope_info', scopeInfo)
    this.b.edge(this.script, 'internal', `info ${name}`, shared)
    return shared
  }

  /** A context of `scopeInfo` holding `variables` (name to value), inside `outer`. */
  context(
    scopeInfo: NodeHandle,
    variables: Record<string, NodeHandle>,
    outer = this.nativeContext,
  ): NodeHandle {
    const context = this.b.node('object', 'system / Context / scope @1', { selfSize: 48 })
    this.b.edge(context, 'internal', 'scope_info', scopeInfo)
    this.b.edge(context, 'internal', 'previous', outer)
    for (const [name, value] of Object.entries(variables)) {
      this.b.edge(context, 'context', name, value)
    }
    return context
  }

  /** A live closure of `shared` in `context`, kept on the global. */
  closure(name: string, shared: NodeHandle, context: NodeHandle, live = true): NodeHandle {
    const closure = this.b.node('closure', name, { selfSize: 32 })
    this.b.edge(closure, 'internal', 'shared', shared)
    this.b.edge(closure, 'internal', 'context', context)
    if (live) this.b.edge(this.global, 'property', `f${this.held++}`, closure)
    return closure
  }

  array(selfSize: number): NodeHandle {
    return this.b.node('object', 'Array', { selfSize })
  }
}

/**
 * makeHandlers (scope 10) keeps `payload` (slot 0) and `count` (slot 1) in its context;
 * reader (20) reads payload, bystander (30) reads count, outer (40) reads nothing itself but
 * has an inner function (41) that reads payload.
 */
function handlers(layout: 'chrome' | 'node', live: readonly string[]) {
  const program = new Program(layout)
  if (layout === 'chrome') {
    const { b, script } = program
    b.scope({ script, scopeId: -2, depth: 0 })
    b.scope({ script, scopeId: 10, depth: 1, variables: ['payload', 'count'] })
    b.scope({ script, scopeId: 20, depth: 2, uses: [[10, 0]] })
    b.scope({ script, scopeId: 30, depth: 2, uses: [[10, 1]] })
    b.scope({ script, scopeId: 40, depth: 2 })
    b.scope({ script, scopeId: 41, depth: 3, uses: [[10, 0]] })
  }
  const info = program.scopeInfo(10)
  program.shared('makeHandlers', 10, info)
  const payload = program.array(80_000)
  const context = program.context(info, { payload })
  const closures: Record<string, NodeHandle> = {}
  for (const [name, scopeId] of [
    ['reader', 20],
    ['bystander', 30],
    ['outer', 40],
  ] as const) {
    if (live.includes(name))
      closures[name] = program.closure(name, program.shared(name, scopeId), context)
  }
  return { program, payload, context, closures }
}

describe('scope sections', () => {
  it('are read into a table: scripts as node ordinals, negative ids, variables and uses', () => {
    const { program } = handlers('chrome', ['reader'])
    const scopes = load(program.b).graph.scopes
    expect(scopes).not.toBeNull()
    expect(Array.from(scopes?.scriptNode ?? [])).toEqual(new Array(6).fill(program.script))
    expect(Array.from(scopes?.scopeId ?? [])).toEqual([-2, 10, 20, 30, 40, 41])
    expect(Array.from(scopes?.depth ?? [])).toEqual([0, 1, 2, 2, 2, 3])
    expect(Array.from(scopes?.firstVariable ?? [])).toEqual([0, 0, 2, 2, 2, 2, 2])
    const names = load(program.b).graph.strings
    expect(Array.from(scopes?.variableName ?? [], (id) => names.get(id))).toEqual([
      'payload',
      'count',
    ])
    expect(Array.from(scopes?.firstUse ?? [])).toEqual([0, 0, 0, 1, 2, 2, 3])
    expect(Array.from(scopes?.useDeclaringScopeId ?? [])).toEqual([10, 10, 10])
    expect(Array.from(scopes?.useSlot ?? [])).toEqual([0, 1, 0])
  })

  it('are read the same at every chunk size', () => {
    const bytes = handlers('chrome', ['reader']).program.b.toBytes()
    const whole = parseSnapshotBytes(bytes).scopes
    for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
      expect(parseSnapshotBytes(bytes, chunkSize).scopes, `chunks of ${chunkSize}`).toEqual(whole)
    }
  })

  it('are absent from Node snapshots', () => {
    const { program } = handlers('node', ['reader'])
    expect(load(program.b).graph.scopes).toBeNull()
  })

  it('are refused when their counts disagree, or name a script that is not a node', () => {
    const { program } = handlers('chrome', ['reader'])
    const raw = program.b.toObject()
    const tooFew = { ...raw, scope_context_vars: raw.scope_context_vars?.slice(1) }
    expect(() =>
      parseSnapshotBytes(new TextEncoder().encode(serializeSnapshot(tooFew, 'chrome'))),
    ).toThrow(HeapSnapshotError)
    const scopes = [...(raw.scopes ?? [])]
    scopes[0] = 7
    const badScript = { ...raw, scopes }
    expect(() =>
      parseSnapshotBytes(new TextEncoder().encode(serializeSnapshot(badScript, 'chrome'))),
    ).toThrow(/not a node/)
  })
})

describe('closure leaks', () => {
  it('lists a variable some holders read and others keep without reading (shared)', () => {
    const { program, payload, closures } = handlers('chrome', ['reader', 'bystander'])
    const report = getClosureLeaks(load(program.b))
    expect(report.hasScopeInfo).toBe(true)
    expect(report.total).toBe(1)
    const [leak] = report.items
    expect(leak.variable).toBe('payload')
    expect(leak.value.node).toBe(payload)
    expect(leak.use).toBe('shared')
    expect(leak.context.label).toBe('scope of makeHandlers (file:///app.js)')
    expect(leak.holders.map((holder) => [holder.closure.node, holder.usesVariable])).toEqual([
      [closures.bystander, false],
      [closures.reader, true],
    ])
    expect(leak).toMatchObject({ holderCount: 2, usingCount: 1, notUsingCount: 1, unknownCount: 0 })
    expect(leak.holders[0].heldBy?.via?.text).toMatch(/^\.f\d+$/)
  })

  it('lists a variable no live holder reads (unused), the dead field of DevTools', () => {
    const { program } = handlers('chrome', ['bystander'])
    const [leak] = getClosureLeaks(load(program.b)).items
    expect(leak.use).toBe('unused')
    expect(leak.notUsingCount).toBe(1)
  })

  it('leaves out a variable every holder reads, also through a function written inside it', () => {
    for (const live of [['reader'], ['outer'], ['reader', 'outer']]) {
      const { program } = handlers('chrome', live)
      expect(getClosureLeaks(load(program.b)).total, live.join()).toBe(0)
    }
  })

  it('says when the snapshot does not tell which function reads it (no scope information)', () => {
    const { program, closures } = handlers('node', ['reader', 'bystander'])
    const report = getClosureLeaks(load(program.b))
    expect(report.hasScopeInfo).toBe(false)
    const [leak] = report.items
    expect(leak.use).toBe('unknown')
    expect(leak.unknownCount).toBe(2)
    expect(leak.holders.map((holder) => holder.usesVariable)).toEqual([null, null])
    expect(leak.holders.map((holder) => holder.closure.node).sort()).toEqual(
      [closures.reader, closures.bystander].sort(),
    )
    // One function alone holding its scope says nothing without scope information.
    expect(getClosureLeaks(load(handlers('node', ['reader']).program.b)).total).toBe(0)
  })

  it('counts functions held through inner scopes, and suspended generators, as holders', () => {
    const { program, context } = handlers('chrome', [])
    const { b } = program
    // A closure of a block scope inside makeHandlers: its context's outer one is makeHandlers'.
    const block = program.context(program.scopeInfo(35, 'BLOCK_SCOPE'), {}, context)
    const inBlock = program.closure('bystander', program.shared('bystander', 30), block)
    // A suspended generator of `reader` runs in a context of its own inside makeHandlers'.
    const generator = b.node('object', 'Generator', { selfSize: 40 })
    const readerFunction = program.closure('reader', program.shared('reader', 20), context, false)
    b.edge(generator, 'internal', 'function', readerFunction)
    b.edge(generator, 'internal', 'context', program.context(program.scopeInfo(20), {}, context))
    b.edge(program.global, 'property', 'generator', generator)
    const [leak] = getClosureLeaks(load(b)).items
    expect(leak.use).toBe('shared')
    // The generator's function is alive too (the generator holds it), in makeHandlers' scope.
    expect(leak.holders.map((holder) => [holder.closure.node, holder.usesVariable])).toEqual([
      [inBlock, false],
      [generator, true],
      [readerFunction, true],
    ])
  })

  it('leaves out small values, `this`, and top-level scopes', () => {
    const { program } = handlers('chrome', ['bystander'])
    expect(getClosureLeaks(load(program.b), { minRetainedSize: 100_000 }).total).toBe(0)
    expect(getClosureLeaks(load(program.b), { minRetainedSize: 1000 }).minRetainedSize).toBe(1000)
    const module = new Program('chrome')
    const info = module.scopeInfo(-2, 'MODULE_SCOPE')
    const context = module.context(info, {
      cache: module.array(90_000),
      this: module.array(90_000),
    })
    module.closure('a', module.shared('a', 5), context)
    module.closure('b', module.shared('b', 6), context)
    expect(getClosureLeaks(load(module.b)).total).toBe(0)
  })

  it('ranks by the value retained size and pages', () => {
    const program = new Program('node')
    for (const size of [20_000, 90_000, 50_000]) {
      const info = program.scopeInfo(size)
      program.shared(`make${size}`, size, info)
      const context = program.context(info, { value: program.array(size) })
      program.closure('a', program.shared('a', 1), context)
      program.closure('b', program.shared('b', 2), context)
    }
    const snapshot = load(program.b)
    const sizes = getClosureLeaks(snapshot).items.map((leak) => leak.value.retainedSize)
    expect(sizes).toEqual([90_000, 50_000, 20_000])
    const page = getClosureLeaks(snapshot, { start: 1, count: 1 })
    expect(page).toMatchObject({ start: 1, total: 3 })
    expect(page.items.map((leak) => leak.value.retainedSize)).toEqual([50_000])
  })
})
