// What every tool of the MCP server answers with: a short text (the CLI's own formatting, cut at
// MAX_TEXT_CHARS) and the same facts as structured content; lists paged (DEFAULT_ROWS a call,
// at most MAX_ROWS, `start` to go on) with a line that says how to get more; a failure is one
// line with isError, never a thrown error.
import { z } from 'zod'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'

/** Rows a paged tool answers when `count` is not given. */
export const DEFAULT_ROWS = 20
/** The most rows one call answers, whatever `count` asks. */
export const MAX_ROWS = 100
/** The text answer is cut here (the structured content keeps every row of the page). */
export const MAX_TEXT_CHARS = 8000
/** Longest error line. */
const MAX_ERROR_CHARS = 500

/** `start` and `count` of a paged tool's input. */
export const pagingInput = {
  start: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 31)
    .default(0)
    .describe('first row to answer (0-based); the answer says where the next page starts'),
  count: z
    .number()
    .int()
    .min(1)
    .max(MAX_ROWS)
    .default(DEFAULT_ROWS)
    .describe(`rows to answer (default ${DEFAULT_ROWS}, at most ${MAX_ROWS})`),
}

/** Where a page sits in its list: `next` is the `start` of the following page, null at the end. */
export interface PageFacts {
  start: number
  total: number
  next: number | null
}

export const pageOutput = {
  start: z.number(),
  total: z.number(),
  next: z.number().nullable(),
}

/** The facts of a page of `shown` rows from `start` in a list of `total`. */
export function pageFacts(start: number, shown: number, total: number): PageFacts {
  const end = start + shown
  return { start, total, next: end < total ? end : null }
}

/** The line under a page: which rows these are, and how to get the next ones. */
export function pageLine(page: PageFacts, shown: number, what: string): string {
  if (page.total === 0) return `(no ${what})`
  if (shown === 0) return `(no ${what} from start ${page.start}; there are ${page.total})`
  const rows = `${what} ${(page.start + 1).toLocaleString('en-US')}–${(page.start + shown).toLocaleString('en-US')} of ${page.total.toLocaleString('en-US')}`
  return page.next === null
    ? `(${rows})`
    : `(${rows}; call again with start: ${page.next} for more)`
}

/** A tool's answer: the text (cut at MAX_TEXT_CHARS) and the structured content. */
export function answer(text: string, structured: object): CallToolResult {
  return {
    content: [{ type: 'text', text: clipText(text) }],
    structuredContent: structured as Record<string, unknown>,
  }
}

/** Text longer than the cap, cut at a line end before it, with a note saying so. */
export function clipText(text: string, limit = MAX_TEXT_CHARS): string {
  if (text.length <= limit) return text
  const cutAt = text.lastIndexOf('\n', limit)
  const kept = text.slice(0, cutAt > limit / 2 ? cutAt : limit)
  return `${kept}\n… (text cut at ${limit.toLocaleString('en-US')} characters: ${(text.length - kept.length).toLocaleString('en-US')} more; the structured content has all of this page, or ask for fewer rows with count)`
}

/** Any message as one line of at most MAX_ERROR_CHARS. */
export function oneLine(message: string): string {
  const line = message.replace(/\s*\n\s*/g, '; ').trim()
  return line.length <= MAX_ERROR_CHARS ? line : line.slice(0, MAX_ERROR_CHARS - 1) + '…'
}

/** A tool error: isError, one line. */
export function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: oneLine(message) }], isError: true }
}

/**
 * A failed call that is the caller's to fix (a bad argument, an object not found), thrown by the
 * tools and answered as a tool error with its message.
 */
export class ToolError extends Error {
  override readonly name = 'ToolError'
}

// Output schemas: the main fields of the protocol's DTOs (shared/protocol/dto.ts), loose so that
// the optional fields they carry (a location, a map slot, a preview) pass too.

export const objectSummaryOutput = z.looseObject({
  node: z.number(),
  id: z.number(),
  type: z.string(),
  name: z.string(),
  className: z.string(),
  label: z.string(),
  selfSize: z.number(),
  retainedSize: z.number(),
  distance: z.number().nullable(),
})

export const snapshotInfoOutput = z.looseObject({
  snapshotId: z.string(),
  file: z.string(),
  nodeCount: z.number(),
  edgeCount: z.number(),
  totalSize: z.number(),
  exposeInternals: z.boolean(),
  allocationStacks: z.boolean(),
  allocationTimeline: z.boolean(),
})

export const referenceOutput = z.looseObject({
  edge: z.looseObject({
    type: z.string(),
    name: z.string(),
    edge: z.number(),
    isWeak: z.boolean(),
  }),
  node: objectSummaryOutput,
})

export const pathStepOutput = z.looseObject({
  node: objectSummaryOutput,
  edge: z.looseObject({ type: z.string(), name: z.string() }).nullable(),
})

const readableStepOutput = z.looseObject({
  node: objectSummaryOutput,
  via: z.looseObject({ kind: z.string(), name: z.string(), text: z.string() }).nullable(),
})

export const explanationOutput = {
  target: objectSummaryOutput,
  reachable: z.boolean(),
  truncated: z.boolean(),
  verdict: z.string(),
  routes: z.array(
    z.looseObject({
      steps: z.array(pathStepOutput),
      readable: z.array(readableStepOutput),
      holder: objectSummaryOutput.nullable(),
      sameHolderRoutes: z.number(),
    }),
  ),
  fix: z
    .looseObject({
      text: z.string(),
      code: z.string(),
      note: z.string(),
      cut: z.looseObject({ from: z.number(), fromId: z.number(), edge: z.number() }),
      freedBytes: z.number(),
      freedCount: z.number(),
    })
    .nullable(),
  paths: z.array(z.array(pathStepOutput)),
}
