// Labels on hand-built heaps, one naming rule at a time: functions by name and file:line:column
// (relative to the scripts' common folder), Node modules by file, strings by text (joined,
// sliced, cut), oddballs by value, arrays by length, Maps and Sets by drawn entries, contexts by
// the function whose scope they are (linked by a SharedFunctionInfo, or read off the ScopeInfo),
// timers by callback, and the fallbacks when the snapshot has no locations or script names.
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { summarizeObject } from '../../shared/heap/queries/nodes'
import {
  LABEL_TEXT_LENGTH,
  MAX_STRING_VALUE,
  contextOwner,
  drawnEntryCount,
  shortScriptName,
  sourceLocation,
  stringValue,
} from '../../shared/heap/queries/labels'
import { mapSlotOf } from '../../shared/heap/queries/map-entries'
import {
  SnapshotBuilder,
  corrupt,
  type NodeHandle,
  type StandardRoots,
} from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

function loadText(text: string): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(new TextEncoder().encode(text)))
}

function label(snapshot: HeapSnapshot, node: NodeHandle): string {
  return summarizeObject(snapshot, node).label
}

function heap(builder = new SnapshotBuilder()): { b: SnapshotBuilder; roots: StandardRoots } {
  return { b: builder, roots: builder.standardRoots('user-roots') }
}

/**
 * A Script as V8 draws it: a code node named by its path, and an internal edge to the name. The
 * script's top-level SharedFunctionInfo refers to it, as every loaded script's does: scripts
 * count for the common folder through such edges.
 */
function addScript(b: SnapshotBuilder, path: string): NodeHandle {
  const script = b.node('code', path, { selfSize: 80 })
  b.edge(script, 'internal', 'name', b.node('string', path, { selfSize: 40 }))
  b.edge(b.node('code', '', { selfSize: 56 }), 'internal', 'script', script)
  return script
}

interface FunctionSpec {
  script?: NodeHandle
  scriptEdge?: 'script' | 'script_or_debug_info'
  /** [script id, line, column], 0-based as V8 writes them. */
  at?: [number, number, number]
}

/** A closure and its SharedFunctionInfo (a code node named by the function). */
function addFunction(
  b: SnapshotBuilder,
  name: string,
  spec: FunctionSpec = {},
): { closure: NodeHandle; shared: NodeHandle } {
  const shared = b.node('code', name, { selfSize: 56 })
  if (spec.script !== undefined) {
    b.edge(shared, 'internal', spec.scriptEdge ?? 'script', spec.script)
  }
  const closure = b.node('closure', name, { selfSize: 32 })
  b.edge(closure, 'internal', 'shared', shared)
  if (spec.at) b.location(closure, ...spec.at)
  return { closure, shared }
}

/** An oddball as Node 20 draws it: hidden, its to_string then its type_of as hidden edges. */
function addOddball(b: SnapshotBuilder, text: string, typeOf: string): NodeHandle {
  const oddball = b.node('hidden', 'system / Oddball', { selfSize: 28 })
  b.edge(oddball, 'internal', 'map', b.node('hidden', 'system / Map', { selfSize: 80 }))
  b.edge(oddball, 'hidden', 0, b.node('string', text, { selfSize: 16 }))
  b.edge(oddball, 'hidden', 1, b.node('string', typeOf, { selfSize: 16 }))
  return oddball
}

/** A context of `variables` slots (64-bit: 16-byte header, 8-byte slots, 2 fixed slots). */
function contextSize(variables: number): number {
  return 16 + 8 * (variables + 2)
}

/** A ScopeInfo whose hidden slots 0..n hold `names` (variables, then the function's name). */
function addScopeInfo(b: SnapshotBuilder, names: string[]): NodeHandle {
  const scopeInfo = b.node('code', 'system / ScopeInfo', { selfSize: 104 })
  b.edge(scopeInfo, 'internal', 'map', b.node('hidden', 'system / Map', { selfSize: 80 }))
  names.forEach((name, index) => {
    b.edge(scopeInfo, 'hidden', index, b.node('string', name, { selfSize: 24 }))
  })
  return scopeInfo
}

/** A function context holding `variables` (drawn as context edges) and its two fixed slots. */
function addContext(
  b: SnapshotBuilder,
  options: { slots: number; variables: string[]; scopeInfo?: NodeHandle; previous: NodeHandle },
): NodeHandle {
  const context = b.node('object', 'system / Context', { selfSize: contextSize(options.slots) })
  for (const variable of options.variables) {
    b.edge(context, 'context', variable, b.node('object', 'Object', { selfSize: 16 }))
  }
  if (options.scopeInfo !== undefined) {
    b.edge(context, 'internal', 'scope_info', options.scopeInfo)
  }
  b.edge(context, 'internal', 'previous', options.previous)
  return context
}

/** A Map's or Set's hash table, its slots drawn as internal edges named by index. */
function addTable(
  b: SnapshotBuilder,
  owner: NodeHandle,
  size: number,
  slots: Array<[number, NodeHandle]>,
): NodeHandle {
  const table = b.node('array', '', { selfSize: size })
  b.edge(owner, 'internal', 'table', table)
  for (const [index, target] of slots) b.edge(table, 'internal', String(index), target)
  return table
}

/** An OrderedHashMap of 2 buckets: 3 header + 2 bucket + 4 × [key, value, chain] = 17 slots. */
const MAP_TABLE_64 = 16 + 8 * 17
const MAP_TABLE_COMPRESSED = 8 + 4 * 17
/** An OrderedHashSet of 2 buckets: 3 header + 2 bucket + 4 × [key, chain] = 13 slots. */
const SET_TABLE_64 = 16 + 8 * 13

const APP = '/home/dev/app'

/** The scripts of a small app: two of its own and one of Node's (which never sets the root). */
function appScripts(b: SnapshotBuilder): {
  counter: NodeHandle
  main: NodeHandle
  listOnTimeout: NodeHandle
} {
  const counter = addScript(b, `${APP}/lib/counter.js`)
  const main = addScript(b, `${APP}/main.js`)
  const { closure } = addFunction(b, 'listOnTimeout', {
    script: addScript(b, 'node:internal/timers'),
    at: [1, 500, 2],
  })
  return { counter, main, listOnTimeout: closure }
}

describe('labels', () => {
  describe('functions', () => {
    it('names a function by name and file:line:column, the file relative to the scripts', () => {
      const { b } = heap()
      const { counter, main, listOnTimeout } = appScripts(b)
      const makeCounter = addFunction(b, 'makeCounter', {
        script: counter,
        scriptEdge: 'script_or_debug_info',
        at: [12, 9, 4],
      })
      const start = addFunction(b, 'start', { script: main, scriptEdge: 'script', at: [13, 0, 0] })
      const snapshot = load(b)
      const summary = summarizeObject(snapshot, makeCounter.closure)
      expect(summary.label).toBe('makeCounter (lib/counter.js:10:5)')
      expect(summary.location).toEqual({
        url: `${APP}/lib/counter.js`,
        file: 'lib/counter.js',
        scriptId: 12,
        line: 10,
        column: 5,
      })
      expect(sourceLocation(snapshot, makeCounter.closure)).toEqual(summary.location)
      expect(summarizeObject(snapshot, start.closure)).toMatchObject({
        label: 'start (main.js:1:1)',
        location: { url: `${APP}/main.js`, file: 'main.js', scriptId: 13, line: 1, column: 1 },
      })
      // Node's own scripts are no user file: shown as they are.
      expect(summarizeObject(snapshot, listOnTimeout)).toMatchObject({
        label: 'listOnTimeout (node:internal/timers:501:3)',
        location: { url: 'node:internal/timers', file: 'node:internal/timers' },
      })
    })

    it('reads the script through the older script_or_debug_info edge or the newer script', () => {
      for (const scriptEdge of ['script', 'script_or_debug_info'] as const) {
        const { b } = heap()
        const script = addScript(b, '/srv/site/server.js')
        const handler = addFunction(b, 'handle', { script, scriptEdge, at: [3, 41, 17] })
        const snapshot = load(b)
        expect(label(snapshot, handler.closure), scriptEdge).toBe('handle (server.js:42:18)')
        expect(sourceLocation(snapshot, handler.closure)?.url, scriptEdge).toBe(
          '/srv/site/server.js',
        )
      }
    })

    it('shows script names relative to the folder common to the user scripts only', () => {
      const { b } = heap()
      appScripts(b)
      const timers = addFunction(b, 'processTimers', {
        script: addScript(b, 'node:internal/timers'),
        at: [1, 511, 0],
      })
      const snapshot = load(b)
      expect(label(snapshot, timers.closure)).toBe('processTimers (node:internal/timers:512:1)')
      expect(shortScriptName(snapshot, `${APP}/lib/other.js`)).toBe('lib/other.js')
      expect(shortScriptName(snapshot, `file://${APP}/lib/other.js`)).toBe('lib/other.js')
      expect(shortScriptName(snapshot, '/elsewhere/other.js')).toBe('/elsewhere/other.js')
      expect(shortScriptName(snapshot, 'node:fs')).toBe('node:fs')
      // The folder itself is no shorter name.
      expect(shortScriptName(snapshot, `${APP}/`)).toBe(`${APP}/`)
    })

    it('counts only the scripts that functions refer to for the common folder', () => {
      const { b } = heap()
      const { counter } = appScripts(b)
      // A Script no SharedFunctionInfo refers to: not one of the program's.
      const stray = b.node('code', '/opt/other/stray.js', { selfSize: 80 })
      b.edge(stray, 'internal', 'name', b.node('string', '/opt/other/stray.js'))
      const make = addFunction(b, 'make', { script: counter, at: [12, 0, 0] })
      const snapshot = load(b)
      expect(label(snapshot, make.closure)).toBe('make (lib/counter.js:1:1)')
    })

    it('finds the common folder of file:// and http(s) URLs, keeping at least the host', () => {
      const files = heap()
      const a = addFunction(files.b, 'a', {
        script: addScript(files.b, 'file:///home/dev/web/src/a.mjs'),
        at: [1, 0, 9],
      })
      addScript(files.b, 'file:///home/dev/web/b.mjs')
      expect(label(load(files.b), a.closure)).toBe('a (src/a.mjs:1:10)')

      const site = heap()
      const onClick = addFunction(site.b, 'onClick', {
        script: addScript(site.b, 'https://example.com/js/app.js'),
        at: [2, 6, 2],
      })
      addScript(site.b, 'https://example.com/vendor.js')
      // Only the scheme and host are common: the URL is kept whole.
      expect(label(load(site.b), onClick.closure)).toBe(
        'onClick (https://example.com/js/app.js:7:3)',
      )

      const spread = heap()
      const x = addFunction(spread.b, 'x', {
        script: addScript(spread.b, '/a/x.js'),
        at: [1, 0, 0],
      })
      addScript(spread.b, '/b/y.js')
      // Only "/" is common: paths are kept whole.
      expect(label(load(spread.b), x.closure)).toBe('x (/a/x.js:1:1)')
    })

    it('says `script <id>` for a function with no script or an unnamed script', () => {
      const { b } = heap()
      appScripts(b)
      const noScript = addFunction(b, 'orphan', { at: [7, 2, 1] })
      // V8 names a Script whose name is undefined "" and draws its name edge to the oddball.
      const unnamed = b.node('code', '', { selfSize: 80 })
      b.edge(unnamed, 'internal', 'name', addOddball(b, 'undefined', 'undefined'))
      const evaluated = addFunction(b, 'evaluated', { script: unnamed, at: [42, 0, 9] })
      const bare = b.node('code', '', { selfSize: 80 })
      const alsoEvaluated = addFunction(b, 'alsoEvaluated', { script: bare, at: [43, 4, 0] })
      const noShared = b.node('closure', 'detached', { selfSize: 32 })
      b.location(noShared, 44, 0, 0)
      const snapshot = load(b)
      expect(summarizeObject(snapshot, noScript.closure)).toMatchObject({
        label: 'orphan (script 7:3:2)',
        location: { url: null, file: null, scriptId: 7, line: 3, column: 2 },
      })
      expect(label(snapshot, evaluated.closure)).toBe('evaluated (script 42:1:10)')
      expect(sourceLocation(snapshot, evaluated.closure)?.url).toBeNull()
      expect(label(snapshot, alsoEvaluated.closure)).toBe('alsoEvaluated (script 43:5:1)')
      expect(label(snapshot, noShared)).toBe('detached (script 44:1:1)')
    })

    it('says `name()` for a function without a location, and `anonymous` for no name', () => {
      const { b } = heap()
      const { main } = appScripts(b)
      const unlocated = addFunction(b, 'later', { script: main })
      const arrow = addFunction(b, '', { script: main, at: [13, 2, 20] })
      const anonymousUnlocated = addFunction(b, '')
      const snapshot = load(b)
      const summary = summarizeObject(snapshot, unlocated.closure)
      expect(summary.label).toBe('later()')
      expect(summary).not.toHaveProperty('location')
      expect(sourceLocation(snapshot, unlocated.closure)).toBeNull()
      expect(label(snapshot, arrow.closure)).toBe('anonymous (main.js:3:21)')
      expect(label(snapshot, anonymousUnlocated.closure)).toBe('anonymous()')
      // A SharedFunctionInfo is not a function: no location, its class as the label.
      expect(sourceLocation(snapshot, unlocated.shared)).toBeNull()
      expect(label(snapshot, unlocated.shared)).toBe('(compiled code)')
    })

    it('shortens Windows script paths relative to their common folder', () => {
      const { b } = heap()
      const a = addFunction(b, 'a', { script: addScript(b, 'C:\\app\\lib\\a.js'), at: [1, 9, 4] })
      const c = addFunction(b, 'c', { script: addScript(b, 'C:\\app\\c.js'), at: [2, 9, 4] })
      const snapshot = load(b)
      expect(label(snapshot, a.closure)).toBe('a (lib\\a.js:10:5)')
      expect(label(snapshot, c.closure)).toBe('c (c.js:10:5)')
      expect(sourceLocation(snapshot, a.closure)).toMatchObject({
        url: 'C:\\app\\lib\\a.js',
        file: 'lib\\a.js',
      })
    })

    it('takes no script name from a DebugInfo behind script_or_debug_info', () => {
      const { b } = heap()
      appScripts(b)
      // No `name` edge: the DebugInfo's own name is no script's.
      const debugInfo = b.node('hidden', 'system / DebugInfo', { selfSize: 48 })
      const a = addFunction(b, 'a', {
        script: debugInfo,
        scriptEdge: 'script_or_debug_info',
        at: [3, 9, 4],
      })
      const snapshot = load(b)
      expect(label(snapshot, a.closure)).toBe('a (script 3:10:5)')
      expect(sourceLocation(snapshot, a.closure)).toMatchObject({ url: null, file: null })
    })

    it('reads the names of Script nodes named "system / Script" for the common folder', () => {
      const { b } = heap()
      const script = (path: string): NodeHandle => {
        const node = b.node('code', 'system / Script', { selfSize: 80 })
        b.edge(node, 'internal', 'name', b.node('string', path, { selfSize: 40 }))
        return node
      }
      const a = addFunction(b, 'a', { script: script('/app/lib/a.js'), at: [1, 9, 4] })
      const c = addFunction(b, 'c', { script: script('/app/c.js'), at: [2, 9, 4] })
      const snapshot = load(b)
      expect(label(snapshot, a.closure)).toBe('a (lib/a.js:10:5)')
      expect(label(snapshot, c.closure)).toBe('c (c.js:10:5)')
      expect(shortScriptName(snapshot, '/app/lib/a.js')).toBe('lib/a.js')
      expect(shortScriptName(snapshot, '/app/c.js')).toBe('c.js')
    })

    it('reads line and column by field name in the Chrome layout (script_object_index)', () => {
      const { b } = heap(new SnapshotBuilder({ layout: 'chrome' }))
      const script = addScript(b, 'https://example.com/static/app.js')
      addScript(b, 'https://example.com/static/lib/util.js')
      const render = addFunction(b, 'render')
      b.edge(render.shared, 'internal', 'script', script)
      b.location(render.closure, 9, 99, 14, script)
      const snapshot = load(b)
      expect(summarizeObject(snapshot, render.closure)).toMatchObject({
        label: 'render (app.js:100:15)',
        location: { url: 'https://example.com/static/app.js', scriptId: 9, line: 100 },
      })
    })
  })

  describe('modules', () => {
    it('names a Node Module by its filename, relative to the scripts', () => {
      const { b, roots } = heap()
      appScripts(b)
      const module = b.node('object', 'Module', { selfSize: 96 })
      b.edge(roots.global, 'property', 'module', module)
      b.edge(module, 'property', 'id', b.node('string', '.', { selfSize: 16 }))
      b.edge(module, 'property', 'filename', b.node('string', `${APP}/lib/x.js`))
      const byId = b.node('object', 'Module', { selfSize: 96 })
      b.edge(byId, 'property', 'id', b.node('string', `${APP}/lib/y.js`))
      // A filename built by concatenation is joined.
      const joined = b.node('object', 'Module', { selfSize: 96 })
      const cons = b.node('concatenated string', '(concatenated string)', { selfSize: 32 })
      b.edge(cons, 'internal', 'first', b.node('string', `${APP}/lib/`))
      b.edge(cons, 'internal', 'second', b.node('string', 'z.js'))
      b.edge(joined, 'property', 'filename', cons)
      const outside = b.node('object', 'Module', { selfSize: 96 })
      b.edge(outside, 'property', 'filename', b.node('string', '/opt/tools/index.js'))
      const bare = b.node('object', 'Module', { selfSize: 96 })
      const snapshot = load(b)
      expect(label(snapshot, module)).toBe('Module lib/x.js')
      expect(label(snapshot, byId)).toBe('Module lib/y.js')
      expect(label(snapshot, joined)).toBe('Module lib/z.js')
      expect(label(snapshot, outside)).toBe('Module /opt/tools/index.js')
      expect(label(snapshot, bare)).toBe('Module')
    })
  })

  describe('strings', () => {
    it('quotes a string with JSON escapes', () => {
      const { b } = heap()
      const plain = b.node('string', 'hello', { selfSize: 24 })
      const tricky = b.node('string', 'say "hi"\n\t\\ ☃ \u0001', { selfSize: 40 })
      const empty = b.node('string', '', { selfSize: 16 })
      const snapshot = load(b)
      expect(label(snapshot, plain)).toBe('"hello"')
      expect(label(snapshot, tricky)).toBe('"say \\"hi\\"\\n\\t\\\\ ☃ \\u0001"')
      expect(label(snapshot, empty)).toBe('""')
      expect(stringValue(snapshot, plain)).toEqual({ text: 'hello', complete: true })
    })

    it(`cuts a label's text at ${LABEL_TEXT_LENGTH} characters with "…"`, () => {
      const { b } = heap()
      const fits = b.node('string', 'a'.repeat(LABEL_TEXT_LENGTH))
      const over = b.node('string', 'b'.repeat(LABEL_TEXT_LENGTH + 1))
      const snapshot = load(b)
      expect(label(snapshot, fits)).toBe(JSON.stringify('a'.repeat(LABEL_TEXT_LENGTH)))
      expect(label(snapshot, over)).toBe(JSON.stringify('b'.repeat(LABEL_TEXT_LENGTH - 1)) + '…')
    })

    it('never cuts a label between the two halves of a surrogate pair', () => {
      const { b } = heap()
      const emoji = b.node('string', '😀'.repeat(40), { selfSize: 96 })
      const snapshot = load(b)
      const text = label(snapshot, emoji)
      expect(text).toBe('"' + '😀'.repeat(29) + '"…')
      expect(text).not.toContain('\\ud83d')
      expect(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')).not.toMatch(/[\uD800-\uDFFF]/)
    })

    it('labels a 1 MB string by its first characters, while stringValue gives all of it', () => {
      const { b } = heap()
      const text = 'ab'.repeat(MAX_STRING_VALUE / 2)
      const big = b.node('string', text, { selfSize: text.length + 16 })
      const tooBig = b.node('string', text + 'c', { selfSize: text.length + 17 })
      const snapshot = load(b)
      expect(label(snapshot, big)).toBe(JSON.stringify(text.slice(0, LABEL_TEXT_LENGTH - 1)) + '…')
      const value = stringValue(snapshot, big)
      expect(value?.complete).toBe(true)
      expect(value?.text.length).toBe(MAX_STRING_VALUE)
      expect(value?.text === text).toBe(true)
      expect(stringValue(snapshot, big, 10)).toEqual({ text: 'ababababab', complete: false })
      const over = stringValue(snapshot, tooBig)
      expect(over?.complete).toBe(false)
      expect(over?.text === text).toBe(true)
    })

    it('joins a concatenation of concatenations in order', () => {
      const { b } = heap()
      const cons = (first: NodeHandle, second: NodeHandle): NodeHandle => {
        const node = b.node('concatenated string', '(concatenated string)', { selfSize: 32 })
        b.edge(node, 'internal', 'first', first)
        b.edge(node, 'internal', 'second', second)
        return node
      }
      const part = (text: string): NodeHandle => b.node('string', text, { selfSize: 24 })
      const greeting = cons(cons(part('Hello, '), part('wor')), cons(part('ld'), part('!')))
      const long = cons(part('x'.repeat(40)), cons(part('y'.repeat(30)), part('z'.repeat(30))))
      const snapshot = load(b)
      expect(label(snapshot, greeting)).toBe('"Hello, world!"')
      expect(stringValue(snapshot, greeting)).toEqual({ text: 'Hello, world!', complete: true })
      expect(stringValue(snapshot, greeting, 5)).toEqual({ text: 'Hello', complete: false })
      expect(label(snapshot, long)).toBe(
        JSON.stringify('x'.repeat(40) + 'y'.repeat(LABEL_TEXT_LENGTH - 41)) + '…',
      )
      expect(stringValue(snapshot, long)).toEqual({
        text: 'x'.repeat(40) + 'y'.repeat(30) + 'z'.repeat(30),
        complete: true,
      })
    })

    it('labels a sliced string as part of its parent, whose text it does not know', () => {
      const { b } = heap()
      const slice = (parent: NodeHandle | null): NodeHandle => {
        const node = b.node('sliced string', '(sliced string)', { selfSize: 32 })
        if (parent !== null) b.edge(node, 'internal', 'parent', parent)
        return node
      }
      const short = slice(b.node('string', 'abcdef'))
      const fox = 'The quick brown fox jumps over the lazy dog'
      const long = slice(b.node('string', fox))
      const consParent = b.node('concatenated string', '(concatenated string)')
      b.edge(consParent, 'internal', 'first', b.node('string', 'Hello, '))
      b.edge(consParent, 'internal', 'second', b.node('string', 'world'))
      const ofCons = slice(consParent)
      const orphan = slice(null)
      const ofSlice = slice(short)
      // A slice inside a concatenation: its text is unknown, shown as "…".
      const mixed = b.node('concatenated string', '(concatenated string)')
      b.edge(mixed, 'internal', 'first', b.node('string', 'abc'))
      b.edge(mixed, 'internal', 'second', long)
      const snapshot = load(b)
      expect(label(snapshot, short)).toBe('part of "abcdef"')
      expect(label(snapshot, long)).toBe(`part of ${JSON.stringify(fox.slice(0, 39))}…`)
      expect(label(snapshot, ofCons)).toBe('part of "Hello, world"')
      expect(label(snapshot, orphan)).toBe('(sliced string)')
      expect(label(snapshot, ofSlice)).toBe('(sliced string)')
      expect(stringValue(snapshot, short)).toBeNull()
      expect(label(snapshot, mixed)).toBe('"abc…"')
    })

    it('labels a Map key that is a sliced string by its parent, never "(sliced string)"', () => {
      const { b, roots } = heap()
      const map = b.node('object', 'Map', { selfSize: 32 })
      b.edge(roots.global, 'property', 'sessions', map)
      const key = b.node('sliced string', '(sliced string)', { selfSize: 32 })
      b.edge(key, 'internal', 'parent', b.node('string', 'user:1234:profile', { selfSize: 40 }))
      addTable(b, map, MAP_TABLE_64, [
        [5, key],
        [6, b.node('object', 'Session', { selfSize: 48 })],
      ])
      const snapshot = load(b)
      expect(label(snapshot, key)).toBe('part of "user:1234:profile"')
      expect(label(snapshot, key)).not.toContain('(sliced string)')
      expect(label(snapshot, map)).toBe('Map(≥1)')
    })
  })

  describe('oddballs', () => {
    it('names an oddball by its value, the hole as "the hole"', () => {
      const { b } = heap()
      const cases: Array<[string, string, string]> = [
        ['undefined', 'undefined', 'undefined'],
        ['null', 'object', 'null'],
        ['true', 'boolean', 'true'],
        ['false', 'boolean', 'false'],
        ['hole', 'undefined', 'the hole'],
        ['uninitialized', 'undefined', 'uninitialized'],
      ]
      const nodes = cases.map(([text, typeOf]) => addOddball(b, text, typeOf))
      // No string field: not told apart, its V8 name as for any hidden node.
      const mute = b.node('hidden', 'system / Oddball', { selfSize: 28 })
      const snapshot = load(b)
      expect(nodes.map((node) => label(snapshot, node))).toEqual(cases.map((row) => row[2]))
      expect(label(snapshot, mute)).toBe('system / Oddball')
    })
  })

  describe('arrays', () => {
    it('gives an Array its exact length when element edges fill the store, else ~', () => {
      const { b } = heap()
      const array = (capacity: number, elements: number): NodeHandle => {
        const node = b.node('object', 'Array', { selfSize: 32 })
        const store = b.node('array', '(object elements)', { selfSize: 16 + 8 * capacity })
        b.edge(node, 'internal', 'elements', store)
        for (let index = 0; index < elements; index++) {
          b.edge(node, 'element', index, b.node('object', 'Item', { selfSize: 16 }))
        }
        return node
      }
      const full = array(3, 3)
      const mostlyFull = array(8, 5)
      const sparse = array(8, 3)
      const numbers = array(4, 0)
      const noStore = b.node('object', 'Array', { selfSize: 32 })
      const snapshot = load(b)
      expect(label(snapshot, full)).toBe('Array(3)')
      expect(label(snapshot, mostlyFull)).toBe('Array(~5)')
      expect(label(snapshot, sparse)).toBe('Array(~8)')
      expect(label(snapshot, numbers)).toBe('Array(~4)')
      expect(label(snapshot, noStore)).toBe('Array')
    })

    it('says Array(?) for numbers under pointer compression, where sizes cannot tell', () => {
      const { b } = heap()
      for (let map = 0; map < 3; map++) b.node('hidden', 'system / Map', { selfSize: 40 })
      const numbers = b.node('object', 'Array', { selfSize: 16 })
      b.edge(
        numbers,
        'internal',
        'elements',
        b.node('array', '(object elements)', { selfSize: 24 }),
      )
      const objects = b.node('object', 'Array', { selfSize: 16 })
      b.edge(
        objects,
        'internal',
        'elements',
        b.node('array', '(object elements)', { selfSize: 24 }),
      )
      for (let index = 0; index < 4; index++) {
        b.edge(objects, 'element', index, b.node('object', 'Item', { selfSize: 12 }))
      }
      const snapshot = load(b)
      expect(label(snapshot, numbers)).toBe('Array(?)')
      expect(label(snapshot, objects)).toBe('Array(4)')
    })

    it('gives a typed array its length and bytes, an ArrayBuffer its bytes', () => {
      const { b } = heap()
      const buffer = (bytes: number | null): NodeHandle => {
        const node = b.node('object', 'ArrayBuffer', { selfSize: 80 })
        if (bytes !== null) {
          const store = b.node('native', 'system / JSArrayBufferData', { selfSize: bytes })
          b.edge(node, 'internal', 'backing_store', store)
        }
        return node
      }
      const view = (name: string, over: NodeHandle, selfSize = 96): NodeHandle => {
        const node = b.node('object', name, { selfSize })
        b.edge(node, 'internal', 'buffer', over)
        return node
      }
      const floatsBuffer = buffer(8000)
      const floats = view('Float64Array', floatsBuffer)
      const bytes = view('Buffer', buffer(1500))
      const onHeap = view('Uint8Array', buffer(null), 96)
      const shared = buffer(1000)
      const first = view('Uint8Array', shared)
      view('Uint16Array', shared)
      const snapshot = load(b)
      expect(label(snapshot, floats)).toBe('Float64Array(~1000, 8.00 kB)')
      expect(label(snapshot, floatsBuffer)).toBe('ArrayBuffer(8.00 kB)')
      expect(label(snapshot, bytes)).toBe('Buffer(~1500, 1.50 kB)')
      // On the heap: the view's bytes past its two headers.
      expect(label(snapshot, onHeap)).toBe('Uint8Array(~64, 64 B)')
      // Two views of one buffer: how much is whose is unknown.
      expect(label(snapshot, first)).toBe('Uint8Array(?, 1.00 kB)')
    })
  })

  describe('Map and Set', () => {
    it('counts the drawn entries of a Map with string and object keys', () => {
      const { b, roots } = heap()
      const object = (name: string): NodeHandle => b.node('object', name, { selfSize: 16 })
      const map = b.node('object', 'Map', { selfSize: 32 })
      b.edge(roots.global, 'property', 'cache', map)
      // Entries start at slot 5: keys at 5, 8, 11, 14; values at 6, 9, 12, 15; chains after.
      addTable(b, map, MAP_TABLE_64, [
        [5, b.node('string', 'alpha', { selfSize: 24 })], // a string key and its value
        [6, object('Value')],
        [8, object('Key')], // an object key whose value is a small integer
        [10, object('Stray')], // a chain slot: no entry
        [12, object('Value')], // a value whose key is a small integer
        [14, addOddball(b, 'hole', 'undefined')], // a deleted entry
        [15, addOddball(b, 'hole', 'undefined')],
      ])
      const compressed = b.node('object', 'Map', { selfSize: 16 })
      addTable(b, compressed, MAP_TABLE_COMPRESSED, [
        [5, object('Key')],
        [6, object('Value')],
        [11, b.node('string', 'beta', { selfSize: 24 })],
      ])
      const snapshot = load(b)
      expect(drawnEntryCount(snapshot, map)).toBe(3)
      expect(label(snapshot, map)).toBe('Map(≥3)')
      expect(label(snapshot, compressed)).toBe('Map(≥2)')
    })

    it('counts a Set by its keys, and keeps the class when nothing is drawn or known', () => {
      const { b } = heap()
      const set = b.node('object', 'Set', { selfSize: 32 })
      addTable(b, set, SET_TABLE_64, [
        [5, b.node('string', 'red', { selfSize: 16 })],
        [6, b.node('object', 'Stray', { selfSize: 16 })], // a chain slot
        [7, b.node('object', 'Color', { selfSize: 16 })],
      ])
      const empty = b.node('object', 'Map', { selfSize: 32 })
      addTable(b, empty, MAP_TABLE_64, [])
      const unknown = b.node('object', 'Map', { selfSize: 32 })
      addTable(b, unknown, 999, [[5, b.node('object', 'Value', { selfSize: 16 })]])
      const noTable = b.node('object', 'Set', { selfSize: 32 })
      const other = b.node('object', 'LRU', { selfSize: 32 })
      addTable(b, other, MAP_TABLE_64, [[5, b.node('object', 'Value', { selfSize: 16 })]])
      const snapshot = load(b)
      expect(drawnEntryCount(snapshot, set)).toBe(2)
      expect(label(snapshot, set)).toBe('Set(≥2)')
      expect(drawnEntryCount(snapshot, empty)).toBe(0)
      expect(label(snapshot, empty)).toBe('Map')
      expect(drawnEntryCount(snapshot, unknown)).toBeNull()
      expect(label(snapshot, unknown)).toBe('Map')
      expect(drawnEntryCount(snapshot, noTable)).toBeNull()
      expect(label(snapshot, noTable)).toBe('Set')
      expect(drawnEntryCount(snapshot, other)).toBeNull()
      expect(label(snapshot, other)).toBe('LRU')
    })
  })

  describe('Map entries', () => {
    it('gives a value\'s key as its sliced string\'s parent text, never "(sliced string)"', () => {
      const { b, roots } = heap()
      const map = b.node('object', 'Map', { selfSize: 32 })
      b.edge(roots.global, 'property', 'sessions', map)
      const key = b.node('sliced string', '(sliced string)', { selfSize: 32 })
      b.edge(key, 'internal', 'parent', b.node('string', 'user:1234:profile', { selfSize: 40 }))
      const value = b.node('object', 'Session', { selfSize: 48 })
      // Entries start at slot 5 in a table of 2 buckets: the key at 5, its value at 6.
      const table = addTable(b, map, MAP_TABLE_64, [
        [5, key],
        [6, value],
      ])
      const snapshot = load(b)
      const { firstEdge, edgeTarget } = snapshot.graph
      let valueEdge = -1
      for (let edge = firstEdge[table]; edge < firstEdge[table + 1]; edge++) {
        if (edgeTarget[edge] === value) valueEdge = edge
      }
      expect(valueEdge).not.toBe(-1)
      const slot = mapSlotOf(snapshot, valueEdge)
      expect(slot).toEqual({ role: 'value', key: 'part of "user:1234:profile"' })
      expect(slot?.key).not.toContain('(sliced string)')
    })
  })

  describe('contexts', () => {
    it("names a closure's context by the function whose ScopeInfo it is", () => {
      const { b, roots } = heap()
      const { counter } = appScripts(b)
      const makeCounter = addFunction(b, 'makeCounter', { script: counter, at: [12, 1, 0] })
      const scopeInfo = addScopeInfo(b, ['count', 'makeCounter'])
      b.edge(makeCounter.shared, 'internal', 'name_or_scope_info', scopeInfo)
      const context = addContext(b, {
        slots: 1,
        variables: ['count'],
        scopeInfo,
        previous: roots.nativeContext,
      })
      const increment = addFunction(b, 'increment', { script: counter, at: [12, 1, 30] })
      b.edge(increment.closure, 'internal', 'context', context)
      const snapshot = load(b)
      expect(label(snapshot, context)).toBe('scope of makeCounter (lib/counter.js:2:1)')
      expect(contextOwner(snapshot, context)).toEqual({
        name: 'makeCounter',
        closure: makeCounter.closure,
        file: 'lib/counter.js',
      })
    })

    it('takes the location from a closure that has one, else shows the file alone', () => {
      const { b, roots } = heap()
      const { counter, main } = appScripts(b)
      const located = addFunction(b, 'outer', { script: counter })
      const second = b.node('closure', 'outer', { selfSize: 32 })
      b.edge(second, 'internal', 'shared', located.shared)
      b.location(second, 12, 19, 2)
      const scopeInfo = addScopeInfo(b, ['a', 'outer'])
      b.edge(located.shared, 'internal', 'name_or_scope_info', scopeInfo)
      const context = addContext(b, {
        slots: 1,
        variables: ['a'],
        scopeInfo,
        previous: roots.nativeContext,
      })
      const unlocated = addFunction(b, 'loop', { script: main })
      const loopScope = addScopeInfo(b, ['i', 'loop'])
      b.edge(unlocated.shared, 'internal', 'name_or_scope_info', loopScope)
      const loopContext = addContext(b, {
        slots: 1,
        variables: ['i'],
        scopeInfo: loopScope,
        previous: context,
      })
      const snapshot = load(b)
      expect(label(snapshot, context)).toBe('scope of outer (lib/counter.js:20:3)')
      expect(contextOwner(snapshot, context)?.closure).toBe(second)
      expect(label(snapshot, loopContext)).toBe('scope of loop (main.js)')
    })

    it('calls the scope of an anonymous outermost function the top level of its file', () => {
      const { b, roots } = heap()
      const { counter } = appScripts(b)
      const wrapper = addFunction(b, '', { script: counter, at: [12, 0, 0] })
      const scopeInfo = addScopeInfo(b, ['cache', ''])
      b.edge(wrapper.shared, 'internal', 'name_or_scope_info', scopeInfo)
      const topLevel = addContext(b, {
        slots: 1,
        variables: ['cache'],
        scopeInfo,
        previous: roots.nativeContext,
      })
      // An anonymous function inside another: not the top level.
      const callback = addFunction(b, '', { script: counter, at: [12, 4, 10] })
      const innerScope = addScopeInfo(b, ['item', ''])
      b.edge(callback.shared, 'internal', 'name_or_scope_info', innerScope)
      const inner = addContext(b, {
        slots: 1,
        variables: ['item'],
        scopeInfo: innerScope,
        previous: topLevel,
      })
      const snapshot = load(b)
      expect(label(snapshot, topLevel)).toBe('top-level scope of lib/counter.js')
      expect(label(snapshot, inner)).toBe('scope of anonymous (lib/counter.js:5:11)')
    })

    it('reads the owner off the ScopeInfo when no SharedFunctionInfo links it', () => {
      const { b, roots } = heap()
      const { counter } = appScripts(b)
      // Slots 0..n-1: the context's variables (`ticks` a small integer, so not drawn); slot n:
      // the function's name; n = 2 from the context's size (16 + 8 × (2 + 2) bytes).
      const scopeInfo = addScopeInfo(b, ['count', 'ticks', 'makeCounter'])
      const context = addContext(b, {
        slots: 2,
        variables: ['count'],
        scopeInfo,
        previous: roots.nativeContext,
      })
      expect(contextSize(2)).toBe(48)
      // A function written inside the scope has it as its outer scope and tells the script.
      const increment = addFunction(b, 'increment', { script: counter })
      b.edge(increment.shared, 'internal', 'raw_outer_scope_info_or_feedback_metadata', scopeInfo)
      const snapshot = load(b)
      expect(label(snapshot, context)).toBe('scope of makeCounter (lib/counter.js)')
      expect(contextOwner(snapshot, context)).toEqual({
        name: 'makeCounter',
        closure: null,
        file: 'lib/counter.js',
      })
    })

    it('takes the file from a closure running in the context, else shows none', () => {
      const { b, roots } = heap()
      const { main } = appScripts(b)
      const scopeInfo = addScopeInfo(b, ['state', 'setup'])
      const context = addContext(b, {
        slots: 1,
        variables: ['state'],
        scopeInfo,
        previous: roots.nativeContext,
      })
      const handler = addFunction(b, 'handler', { script: main })
      b.edge(handler.closure, 'internal', 'context', context)
      const lonelyScope = addScopeInfo(b, ['state', 'lonely'])
      const lonely = addContext(b, {
        slots: 1,
        variables: ['state'],
        scopeInfo: lonelyScope,
        previous: roots.nativeContext,
      })
      const snapshot = load(b)
      expect(label(snapshot, context)).toBe('scope of setup (main.js)')
      expect(label(snapshot, lonely)).toBe('scope of lonely')
      expect(contextOwner(snapshot, lonely)).toEqual({ name: 'lonely', closure: null, file: null })
    })

    it('calls an anonymous outermost scope read off its ScopeInfo the top level', () => {
      const { b, roots } = heap()
      const { counter } = appScripts(b)
      const scopeInfo = addScopeInfo(b, ['cache', 'hits', ''])
      const context = addContext(b, {
        slots: 2,
        variables: ['cache', 'hits'],
        scopeInfo,
        previous: roots.nativeContext,
      })
      const get = addFunction(b, 'get', { script: counter })
      b.edge(get.closure, 'internal', 'context', context)
      const snapshot = load(b)
      expect(label(snapshot, context)).toBe('top-level scope of lib/counter.js')
      expect(contextOwner(snapshot, context)?.name).toBe('anonymous')
    })

    it('keeps "system / Context" when the ScopeInfo does not fit the context', () => {
      const { b, roots } = heap()
      const context = (slots: number, variables: string[], names: string[] | null) =>
        addContext(b, {
          slots,
          variables,
          scopeInfo: names === null ? undefined : addScopeInfo(b, names),
          previous: roots.nativeContext,
        })
      // Size says 1 slot, so slot 1 would be the name: it is a variable's.
      const tooSmall = context(1, ['a', 'b'], ['a', 'b', 'f'])
      // A variable the ScopeInfo does not list.
      const stranger = context(1, ['z'], ['a', 'f'])
      // No name at slot n.
      const short = context(2, ['a', 'b'], ['a', 'b'])
      // No variables drawn: nothing to check the ScopeInfo against.
      const empty = context(1, [], ['a', 'f'])
      const noScopeInfo = context(1, ['a'], null)
      const snapshot = load(b)
      for (const node of [tooSmall, stranger, short, empty, noScopeInfo]) {
        expect(label(snapshot, node), `node ${node}`).toBe('system / Context')
        expect(contextOwner(snapshot, node), `node ${node}`).toBeNull()
      }
    })
  })

  describe('timers', () => {
    it('names a Timeout by its callback, with its delay when drawn', () => {
      const { b } = heap()
      const timeout = (callback: NodeHandle | null, delay: string | null): NodeHandle => {
        const node = b.node('object', 'Timeout', { selfSize: 104 })
        if (callback !== null) b.edge(node, 'property', '_onTimeout', callback)
        if (delay !== null) b.edge(node, 'property', '_idleTimeout', b.node('number', delay))
        return node
      }
      const tick = addFunction(b, 'tick').closure
      const plain = timeout(tick, null)
      const withDelay = timeout(tick, '1000')
      const boxed = timeout(tick, 'heap number')
      const anonymous = timeout(addFunction(b, '').closure, null)
      const cleared = timeout(null, '1000')
      const snapshot = load(b)
      expect(label(snapshot, plain)).toBe('Timeout(tick)')
      expect(label(snapshot, withDelay)).toBe('Timeout(tick, 1000 ms)')
      expect(label(snapshot, boxed)).toBe('Timeout(tick)')
      expect(label(snapshot, anonymous)).toBe('Timeout(anonymous)')
      expect(label(snapshot, cleared)).toBe('Timeout')
    })
  })

  describe('other objects', () => {
    it('names numbers, the global, plain objects, synthetic and other nodes', () => {
      const { b, roots } = heap()
      const boxed = b.node('number', 'heap number', { selfSize: 16 })
      const small = b.node('number', 'smi number')
      const valued = b.node('number', '3.25', { selfSize: 16 })
      const global = b.node('object', 'global (global)', { selfSize: 40 })
      const proxy = b.node('object', 'global (global*)', { selfSize: 40 })
      const point = b.node('object', 'Object', { selfSize: 24 })
      b.edge(point, 'property', 'x', valued)
      b.edge(point, 'property', 'y', boxed)
      const cell = b.node('hidden', 'system / FeedbackCell', { selfSize: 16 })
      const native = b.node('native', 'InternalNode', { selfSize: 64 })
      const snapshot = load(b)
      expect(label(snapshot, boxed)).toBe('number')
      expect(label(snapshot, small)).toBe('number')
      expect(label(snapshot, valued)).toBe('number 3.25')
      expect(label(snapshot, global)).toBe('global')
      expect(label(snapshot, proxy)).toBe('global')
      expect(label(snapshot, point)).toBe('{x, y}')
      expect(label(snapshot, roots.gcRoots)).toBe('(GC roots)')
      // V8's own objects go by their name, not the Summary's "(system)".
      expect(label(snapshot, cell)).toBe('system / FeedbackCell')
      expect(label(snapshot, native)).toBe('InternalNode')
    })
  })

  describe('fallbacks', () => {
    /** Functions, contexts and a module over a script without a name. */
    function namelessHeap(): {
      b: SnapshotBuilder
      nodes: Record<'named' | 'wrapper' | 'scope' | 'topLevel' | 'module', NodeHandle>
    } {
      const { b, roots } = heap()
      const script = b.node('code', '', { selfSize: 80 })
      b.edge(script, 'internal', 'name', addOddball(b, 'undefined', 'undefined'))
      const named = addFunction(b, 'makeCounter', { script, at: [3, 0, 0] })
      const wrapper = addFunction(b, '', { script, at: [3, 0, 0] })
      const scopeInfo = addScopeInfo(b, ['count', 'makeCounter'])
      b.edge(named.shared, 'internal', 'name_or_scope_info', scopeInfo)
      const wrapperScope = addScopeInfo(b, ['exports', ''])
      b.edge(wrapper.shared, 'internal', 'name_or_scope_info', wrapperScope)
      const topLevel = addContext(b, {
        slots: 1,
        variables: ['exports'],
        scopeInfo: wrapperScope,
        previous: roots.nativeContext,
      })
      const scope = addContext(b, {
        slots: 1,
        variables: ['count'],
        scopeInfo,
        previous: topLevel,
      })
      const module = b.node('object', 'Module', { selfSize: 96 })
      b.edge(module, 'property', 'filename', b.node('string', `${APP}/lib/x.js`))
      return {
        b,
        nodes: { named: named.closure, wrapper: wrapper.closure, scope, topLevel, module },
      }
    }

    it('labels without a locations section or script names, in the fallback forms', () => {
      const { b, nodes } = namelessHeap()
      const snapshot = loadText(corrupt(b, { kind: 'drop-section', section: 'locations' }))
      expect(snapshot.graph.locations).toHaveLength(0)
      expect(label(snapshot, nodes.named)).toBe('makeCounter()')
      expect(label(snapshot, nodes.wrapper)).toBe('anonymous()')
      expect(sourceLocation(snapshot, nodes.named)).toBeNull()
      expect(label(snapshot, nodes.scope)).toBe('scope of makeCounter')
      // Without a file, the outermost scope is not called the top level of one.
      expect(label(snapshot, nodes.topLevel)).toBe('scope of anonymous')
      expect(label(snapshot, nodes.module)).toBe(`Module ${APP}/lib/x.js`)
      for (let node = 0; node < snapshot.graph.nodeCount; node++) {
        expect(typeof summarizeObject(snapshot, node).label).toBe('string')
      }
    })

    it('with locations but no script names, says `script <id>`', () => {
      const { b, nodes } = namelessHeap()
      const snapshot = load(b)
      expect(label(snapshot, nodes.named)).toBe('makeCounter (script 3:1:1)')
      expect(label(snapshot, nodes.scope)).toBe('scope of makeCounter (script 3:1:1)')
      expect(label(snapshot, nodes.topLevel)).toBe('scope of anonymous (script 3:1:1)')
    })

    it('stops on a concatenation that contains itself', () => {
      const { b } = heap()
      const loop = b.node('concatenated string', '(concatenated string)', { selfSize: 32 })
      b.edge(loop, 'internal', 'first', b.node('string', 'ab'))
      b.edge(loop, 'internal', 'second', loop)
      const snapshot = load(b)
      expect(label(snapshot, loop)).toMatch(/^"(ab)+/)
      expect(stringValue(snapshot, loop)?.complete).toBe(false)
    })

    it('says a concatenation whose only part is itself is not complete', () => {
      const { b } = heap()
      const loop = b.node('concatenated string', '(concatenated string)', { selfSize: 32 })
      b.edge(loop, 'internal', 'first', loop)
      const snapshot = load(b)
      expect(stringValue(snapshot, loop, 100)?.complete).toBe(false)
    })
  })
})
