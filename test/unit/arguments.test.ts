// The CLI's option values, parsed in one place: whole numbers, durations and byte sizes, each
// mistake a UsageError naming the option and the value.
import { describe, expect, it } from 'vitest'
import { parseByteSize, parseDuration, UsageError, wholeNumber } from '../../electron/cli/arguments'

describe('CLI option values', () => {
  it('reads positive whole numbers, with a fallback when absent', () => {
    expect(wholeNumber('12', 'top')).toBe(12)
    expect(wholeNumber(undefined, 'top')).toBeUndefined()
    expect(wholeNumber(undefined, 'top', 30)).toBe(30)
    for (const bad of ['0', '-3', '1.5', 'abc', '', '1e3', true]) {
      expect(() => wholeNumber(bad, 'top')).toThrow(UsageError)
    }
    expect(() => wholeNumber('abc', 'paths')).toThrow(
      '--paths takes a positive whole number, not "abc"',
    )
  })

  it('reads durations in milliseconds', () => {
    expect(parseDuration('500ms', 'interval')).toBe(500)
    expect(parseDuration('1s', 'interval')).toBe(1000)
    expect(parseDuration('2', 'interval')).toBe(2000)
    expect(parseDuration('1.5m', 'duration')).toBe(90_000)
    expect(() => parseDuration('soon', 'duration')).toThrow(
      '--duration takes a duration like 500ms, 1s or 2m, not "soon"',
    )
  })

  it('reads byte sizes, decimal and binary', () => {
    expect(parseByteSize('1048576', 'fail-on')).toBe(1_048_576)
    expect(parseByteSize('500kB', 'fail-on')).toBe(500_000)
    expect(parseByteSize('1 MB', 'fail-on')).toBe(1_000_000)
    expect(parseByteSize('2GiB', 'fail-on')).toBe(2 * 2 ** 30)
    for (const bad of ['1.5', 'lots', '3 parsecs', '-1MB']) {
      expect(() => parseByteSize(bad, 'fail-on')).toThrow('--fail-on takes a size')
    }
  })
})
