// Where and why a text is not JSON, for one-line errors: JSON.parse's messages differ between
// engines and count UTF-16 units, so on failure this scanner walks the text again, iteratively,
// and names the first problem (a syntax error, or the end of the text) at its UTF-8 byte offset.

/** The first problem of a text that is not one JSON value. */
export interface JsonProblem {
  code: 'syntax' | 'truncated'
  /** What was expected and what was found. */
  message: string
  /** Byte offset of the problem in the text's UTF-8 encoding. */
  offset: number
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
/** A number's beginning: what a number cut short at the end of the text looks like. */
const PARTIAL_NUMBER = /-?(?:(?:0|[1-9]\d*)(?:\.\d*)?(?:[eE][+-]?\d*)?)?/y
const LITERALS = ['true', 'false', 'null']
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

/** What the scanner waits for next. */
type Expect = 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after' | 'end'

/** Bytes of `text.slice(0, end)` in UTF-8 (a surrogate pair is four bytes). */
export function utf8Length(text: string, end = text.length): number {
  let bytes = 0
  for (let unit = 0; unit < end; unit++) {
    const code = text.charCodeAt(unit)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && unit + 1 < end) {
      const next = text.charCodeAt(unit + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        unit++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

function describe(text: string, at: number): string {
  const code = text.charCodeAt(at)
  if (code < 0x20) return `control character U+${code.toString(16).padStart(4, '0')}`
  return `"${String.fromCodePoint(text.codePointAt(at) ?? code)}"`
}

/**
 * The first problem of `text` as one JSON value, or null when it is valid JSON. Offsets are in
 * UTF-8 bytes; `byteBase` is added to them (a byte-order mark the decoder dropped).
 */
export function findJsonProblem(text: string, byteBase = 0): JsonProblem | null {
  const length = text.length
  /** Open containers: true for an object, false for an array. */
  const open: boolean[] = []
  let expect: Expect = 'value'
  let at = 0
  const problem = (code: JsonProblem['code'], message: string, where: number): JsonProblem => ({
    code,
    message,
    offset: byteBase + utf8Length(text, where),
  })
  const unexpected = (wanted: string): JsonProblem =>
    problem('syntax', `expected ${wanted}, found ${describe(text, at)}`, at)
  /** Scans a string from its opening quote; returns the position after it, or a problem. */
  const scanString = (): number | JsonProblem => {
    let unit = at + 1
    while (unit < length) {
      const code = text.charCodeAt(unit)
      if (code === 0x22) return unit + 1
      if (code < 0x20) {
        at = unit
        return unexpected('the rest of a string (control characters must be escaped)')
      }
      if (code === 0x5c) {
        const next = text[unit + 1]
        if (next === undefined) break
        if (next === 'u') {
          const hex = text.slice(unit + 2, unit + 6)
          if (!/^[0-9a-fA-F]*$/.test(hex)) {
            return problem('syntax', `expected four hex digits after \\u in a string`, unit)
          }
          if (hex.length < 4) break
          unit += 6
          continue
        }
        if (!ESCAPES.has(next)) {
          return problem('syntax', `unknown escape "\\${next}" in a string`, unit)
        }
        unit += 2
        continue
      }
      unit++
    }
    return problem('truncated', 'the text ended inside a string', length)
  }
  /** What follows a complete value. */
  const afterValue = (): Expect => (open.length === 0 ? 'end' : 'after')
  while (true) {
    while (at < length && /[ \t\n\r]/.test(text[at])) at++
    if (at >= length) {
      if (expect === 'end') return null
      const inside = open.length === 0 ? '' : open.at(-1) ? ' inside an object' : ' inside an array'
      return problem(
        'truncated',
        length === 0 ? 'the text is empty' : `the text ended${inside}`,
        length,
      )
    }
    const char = text[at]
    switch (expect) {
      case 'end':
        return problem('syntax', `unexpected text after the JSON value: ${describe(text, at)}`, at)
      case 'colon':
        if (char !== ':') return unexpected("':' after a property name")
        at++
        expect = 'value'
        continue
      case 'after': {
        const inObject = open.at(-1) as boolean
        if (char === ',') {
          at++
          expect = inObject ? 'key' : 'value'
        } else if (char === (inObject ? '}' : ']')) {
          at++
          open.pop()
          expect = afterValue()
        } else {
          return unexpected(inObject ? "',' or '}' in an object" : "',' or ']' in an array")
        }
        continue
      }
      case 'first-key':
      case 'key': {
        if (expect === 'first-key' && char === '}') {
          at++
          open.pop()
          expect = afterValue()
          continue
        }
        if (char !== '"') return unexpected('a property name in double quotes')
        const end = scanString()
        if (typeof end !== 'number') return end
        at = end
        expect = 'colon'
        continue
      }
      case 'first-value':
      case 'value': {
        if (expect === 'first-value' && char === ']') {
          at++
          open.pop()
          expect = afterValue()
          continue
        }
        if (char === '{' || char === '[') {
          open.push(char === '{')
          at++
          expect = char === '{' ? 'first-key' : 'first-value'
          continue
        }
        if (char === '"') {
          const end = scanString()
          if (typeof end !== 'number') return end
          at = end
          expect = afterValue()
          continue
        }
        const literal = LITERALS.find((word) => word[0] === char)
        if (literal !== undefined) {
          if (text.startsWith(literal, at)) {
            at += literal.length
            expect = afterValue()
            continue
          }
          const rest = text.slice(at, at + literal.length)
          if (at + rest.length === length && literal.startsWith(rest)) {
            return problem('truncated', `the text ended in "${rest}"`, length)
          }
          return unexpected('a JSON value')
        }
        NUMBER.lastIndex = at
        const number = NUMBER.exec(text)
        // "-", "1." or "1e+" at the very end was cut short, not mistyped.
        PARTIAL_NUMBER.lastIndex = at
        const partial = PARTIAL_NUMBER.exec(text)
        const numberEnd = number === null ? at : at + number[0].length
        if (partial !== null && at + partial[0].length === length && numberEnd < length) {
          return problem('truncated', 'the text ended in a number', length)
        }
        if (number !== null) {
          at = numberEnd
          expect = afterValue()
          continue
        }
        return unexpected('a JSON value')
      }
    }
  }
}
