// The one typed contract between the UI and the backend: HeapgraphApi, its DTOs, events, and an
// argument schema per method (API_METHODS) that every transport validates before dispatching.
// Only small plain objects cross it; lists come back as pages sorted inside the engine.
import { z } from 'zod'
import type {
  ArrayEntry,
  ArrayGroup,
  ClassDiff,
  ClassSummary,
  CutResult,
  Cycle,
  DeletedObject,
  Explanation,
  IdComparison,
  LeakReport,
  MemberSummary,
  ObjectDetails,
  ObjectSummary,
  Page,
  PathStep,
  Reference,
  RetainerPaths,
  SnapshotFacts,
  StackFrame,
  AllocationInterval,
  AllocationSite,
  AllocationSiteChange,
  CallTreeNode,
  ClosureLeakReport,
  DetachedDomReport,
  DuplicateStringsReport,
  RetainedByReport,
} from './protocol/dto'

export type * from './protocol/dto'
export type PathStepDto = PathStep

/** An open snapshot as the UI lists it. */
export interface SnapshotInfo extends SnapshotFacts {
  snapshotId: string
  /** The root's node ordinal: 0 as V8 writes snapshots, else where `snapshot.root_index` says. */
  rootNode: number
  /** The attach session it was captured from, while that target may still be live. */
  attachId?: string
}

/** A snapshot file opened before, most recent first. */
export interface RecentFile {
  file: string
  openedAt: number
  nodeCount: number
  totalSize: number
}

/** One own property of a live object (the object panel's preview while attached). */
export interface LiveProperty {
  name: string
  type: string
  /** The value's short description (a number, a string, "Array(3)", "Object"...). */
  description: string
}

/** The demo target: a small Node program shipped with the app, attached. */
export interface DemoInfo extends AttachInfo {
  pid: number
}

/** Progress of a long operation (open, capture), identified by the caller's operationId. */
export interface ProgressEvent {
  operationId: string
  phase: string
  done: number
  total: number
}

/** A snapshot file being opened (by this window, another one, or `heapgraph serve FILE`). */
export interface OpeningSnapshot {
  /** Its progress events carry this id; `cancel` takes it. */
  operationId: string
  file: string
}

/**
 * A snapshot's life, pushed to every window: being opened, opened, failed to open, closed, or
 * lost (its engine process went away: killed, out of memory; it is closed).
 */
export type SnapshotEvent =
  | ({ type: 'opening' } & OpeningSnapshot)
  | { type: 'opened'; operationId: string; snapshot: SnapshotInfo }
  | { type: 'failed'; operationId: string; file: string; message: string }
  | { type: 'closed'; snapshotId: string }
  | {
      type: 'lost'
      snapshotId: string
      file: string
      /** Why, for people ("was killed (SIGKILL; out of memory?)"). */
      reason: string
    }

/** A failed call: a code the UI can branch on and a one-line message for people. */
export interface ApiErrorShape {
  code: string
  message: string
}

/** Thrown by clients when a call fails (same code and message on every transport). */
export class ApiError extends Error implements ApiErrorShape {
  override readonly name = 'ApiError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const snapshotId = z.string().min(1).max(64)
const node = z.number().int().nonnegative()
const start = z.number().int().nonnegative().default(0)
const count = z.number().int().nonnegative().max(10_000).default(50)
const operationId = z.string().min(1).max(64).optional()
const attachId = z.string().min(1).max(64)
const arrayKinds = z
  .array(z.enum(['array', 'typed-array', 'array-buffer', 'backing-store', 'elements']))
  .optional()
const arraySort = z
  .enum(['retainedSize', 'selfSize', 'length', 'storeSize'])
  .default('retainedSize')
const sortOrder = z.enum(['descending', 'ascending']).default('descending')

const profileId = z.string().min(1).max(64)
const allocationGrouping = z.enum(['function', 'line', 'file']).default('function')

/** Objects allocated in an interval of the timeline (ids), or at a site (a function). */
const objectIdBound = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 53)
const summaryFilter = z
  .object({
    allocatedBetween: z
      .object({ afterId: objectIdBound, upToId: objectIdBound.nullable() })
      .optional(),
    allocatedAt: z
      .object({
        functionName: z.string().max(2000),
        url: z.string().max(4096),
        line: z.number().int().positive().nullable(),
      })
      .optional(),
  })
  .strict()

/** Argument schemas, one per method: the source of truth for validation on every transport. */
export const API_METHODS = {
  openSnapshot: z.object({ file: z.string().min(1).max(4096), operationId }),
  closeSnapshot: z.object({ snapshotId }),
  listSnapshots: z.object({}),
  listOpening: z.object({}),
  cancel: z.object({ operationId: z.string().min(1).max(64) }),
  getSummary: z.object({
    snapshotId,
    start,
    count,
    filter: z.string().max(200).optional(),
    only: summaryFilter.optional(),
  }),
  getClassMembers: z.object({
    snapshotId,
    classKey: z.string().max(2000),
    start,
    count,
    // Each member's own properties in one line (per page only).
    withPreview: z.boolean().default(true),
    only: summaryFilter.optional(),
  }),
  findObject: z.object({ snapshotId, objectId: z.number().int().nonnegative() }),
  getObject: z.object({ snapshotId, node }),
  getEdges: z.object({ snapshotId, node, start, count }),
  getRetainers: z.object({ snapshotId, node, start, count }),
  findRetainerPaths: z.object({
    snapshotId,
    node,
    count: z.number().int().min(1).max(20).default(1),
  }),
  // Why it is alive, as code reads it: a verdict, routes that are different explanations,
  // and a fix checked by a recount.
  explainRetention: z.object({
    snapshotId,
    node,
    count: z.number().int().min(1).max(20).default(1),
    internals: z.boolean().default(false),
    // The fix costs a recount per candidate: the UI asks for it after the routes.
    withFix: z.boolean().default(true),
  }),
  getDominatedChildren: z.object({ snapshotId, node, start, count }),
  getArrays: z.object({
    snapshotId,
    start,
    count,
    kinds: arrayKinds,
    sort: arraySort,
    order: sortOrder,
    // Label or retainer-path text, ignoring case.
    filter: z.string().max(200).optional(),
    // One group of getArrayGroups.
    signature: z.string().max(4000).optional(),
    // What holds each array of the page (a shortest retainer path each).
    withHolders: z.boolean().default(false),
  }),
  // The arrays grouped by retainer-path signature, as memlab clusters leaks.
  getArrayGroups: z.object({
    snapshotId,
    start,
    count,
    kinds: arrayKinds,
    sort: arraySort,
    order: sortOrder,
    filter: z.string().max(200).optional(),
  }),
  getCycle: z.object({ snapshotId, node }),
  search: z.object({ snapshotId, text: z.string().max(500), start, count }),
  getAllocationStack: z.object({ snapshotId, node }),
  // The allocation timeline of a snapshot recorded with allocations on a timeline.
  getAllocationTimeline: z.object({ snapshotId }),
  listTargets: z.object({
    host: z.string().min(1).max(255).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(9229),
  }),
  listNodeProcesses: z.object({}),
  // Python processes that installed heapgraph_py's handler, and a snapshot of one (written by
  // the process itself into the capture folder, then opened).
  listPythonProcesses: z.object({}),
  capturePython: z.object({
    pid: z.number().int().positive(),
    operationId,
    collect: z.boolean().default(false),
  }),
  attach: z.union([
    z.object({ webSocketUrl: z.string().min(1).max(2048) }),
    z.object({ pid: z.number().int().positive() }),
  ]),
  detach: z.object({ attachId }),
  collectGarbage: z.object({ attachId }),
  getHeapUsage: z.object({ attachId }),
  captureSnapshot: z.object({
    attachId,
    operationId,
    exposeInternals: z.boolean().default(false),
  }),
  previewObject: z.object({ attachId, objectId: z.number().int().nonnegative() }),
  // Allocation recordings of an attached target (one at a time per target): a sampling heap
  // profile (.heapprofile), or a timeline (a snapshot with allocation stacks). Saved in the
  // capture folder; stopping opens the result.
  startRecording: z.object({
    attachId,
    kind: z.enum(['sampling', 'timeline']),
    intervalBytes: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31)
      .default(32 * 1024),
    includeCollected: z.boolean().default(false),
  }),
  stopRecording: z.object({ recordingId: z.string().min(1).max(64), operationId }),
  cancelRecording: z.object({ recordingId: z.string().min(1).max(64) }),
  listRecordings: z.object({}),
  // Comparison of snapshotId against an older snapshot of the same process.
  diffSnapshots: z.object({
    snapshotId,
    baseSnapshotId: snapshotId,
    start,
    count,
    filter: z.string().max(200).optional(),
    // Leave out classes with no net change (as many new objects as deleted, same sizes).
    hideUnchanged: z.boolean().default(false),
  }),
  // Whether snapshotId and an older snapshot look like snapshots of one process.
  compareSnapshotIds: z.object({ snapshotId, baseSnapshotId: snapshotId }),
  getNewObjects: z.object({
    snapshotId,
    baseSnapshotId: snapshotId,
    classKey: z.string().max(2000),
    start,
    count,
  }),
  getDeletedObjects: z.object({
    snapshotId,
    baseSnapshotId: snapshotId,
    classKey: z.string().max(2000),
    start,
    count,
  }),
  // What cutting one reference would free (a reachability recount, not the dominator shortcut).
  cutReference: z
    .object({
      snapshotId,
      from: node,
      edge: node.optional(),
      edgeName: z.string().max(2000).optional(),
      target: node.optional(),
    })
    .refine((args) => (args.edge === undefined) !== (args.edgeName === undefined), {
      message: 'give the reference as edge or as edgeName, not both',
    }),
  // memlab's method: baseline, target (after the action), final (after undoing it).
  findLeaks: z.object({
    baseSnapshotId: snapshotId,
    targetSnapshotId: snapshotId,
    finalSnapshotId: snapshotId,
    includeStrings: z.boolean().default(false),
    // Count clusters held only by V8's internals with the others (default: apart).
    includeInternalOnly: z.boolean().default(false),
  }),
  startDemo: z.object({}),
  listRecent: z.object({}),
  // Where captures are saved: shown, changed, and a snapshot's file saved elsewhere or shown in
  // the system's file manager.
  getCaptureFolder: z.object({}),
  setCaptureFolder: z.object({ folder: z.string().min(1).max(4096) }),
  saveSnapshotAs: z.object({
    snapshotId,
    file: z.string().min(1).max(4096),
    overwrite: z.boolean().default(false),
  }),
  revealFile: z.object({ file: z.string().min(1).max(4096) }),
  // Allocation profiles (.heapprofile): opened in the backend (they are small), read bottom-up
  // by site (compared with a base profile, as tracemalloc's compare_to), top-down as a call
  // tree, and as a flame chart.
  openProfile: z.object({ file: z.string().min(1).max(4096) }),
  closeProfile: z.object({ profileId }),
  listProfiles: z.object({}),
  getAllocationSites: z.object({ profileId, by: allocationGrouping, start, count }),
  compareAllocationSites: z.object({
    profileId,
    baseProfileId: profileId,
    by: allocationGrouping,
    start,
    count,
  }),
  // A call-tree node (the head when nodeId is left out) and a page of its children.
  getCallTree: z.object({
    profileId,
    nodeId: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 53)
      .optional(),
    start,
    count,
  }),
  getFlameChart: z.object({ profileId }),
  // The analyses other tools have (issue 14), paged, largest first.
  // Texts held more than once; with includeInternal also those V8's internals hold.
  getDuplicateStrings: z.object({
    snapshotId,
    start,
    count,
    includeInternal: z.boolean().default(false),
  }),
  // Detached DOM trees with what holds them (empty for snapshots without a DOM).
  getDetachedTrees: z.object({ snapshotId, start, count }),
  // Context variables whose value retains at least minRetainedSize bytes, held by live
  // functions that cannot all be shown to use them.
  getClosureLeaks: z.object({
    snapshotId,
    start,
    count,
    minRetainedSize: z
      .number()
      .nonnegative()
      .max(2 ** 53)
      .default(10_000),
  }),
  // DevTools' named filters: objects only the console, event handlers or detached DOM nodes keep.
  getRetainedBy: z.object({
    snapshotId,
    kind: z.enum(['console', 'event-handlers', 'detached-dom']),
    start,
    count,
  }),
} as const

export type ApiMethod = keyof typeof API_METHODS
export type ApiArgs<M extends ApiMethod> = z.input<(typeof API_METHODS)[M]>
export type ParsedArgs<M extends ApiMethod> = z.output<(typeof API_METHODS)[M]>

/** What each method returns. */
export interface ApiResults {
  openSnapshot: SnapshotInfo
  closeSnapshot: null
  listSnapshots: SnapshotInfo[]
  listOpening: OpeningSnapshot[]
  cancel: null
  getSummary: Page<ClassSummary>
  getClassMembers: Page<MemberSummary>
  findObject: ObjectSummary | null
  getObject: ObjectDetails
  getEdges: Page<Reference>
  getRetainers: Page<Reference>
  findRetainerPaths: RetainerPaths
  explainRetention: Explanation
  getDominatedChildren: Page<ObjectSummary>
  getArrays: Page<ArrayEntry>
  getArrayGroups: Page<ArrayGroup>
  getCycle: Cycle
  search: Page<ObjectSummary>
  getAllocationStack: StackFrame[] | null
  getAllocationTimeline: AllocationInterval[]
  listTargets: TargetInfo[]
  listNodeProcesses: NodeProcessInfo[]
  listPythonProcesses: PythonProcessInfo[]
  capturePython: SnapshotInfo
  attach: AttachInfo
  detach: null
  collectGarbage: null
  getHeapUsage: HeapUsage
  captureSnapshot: SnapshotInfo
  previewObject: LiveProperty[]
  diffSnapshots: Page<ClassDiff>
  compareSnapshotIds: IdComparison
  getNewObjects: Page<ObjectSummary>
  getDeletedObjects: Page<DeletedObject>
  findLeaks: LeakReport
  cutReference: CutResult
  startDemo: DemoInfo
  listRecent: RecentFile[]
  getCaptureFolder: CaptureFolderInfo
  setCaptureFolder: CaptureFolderInfo
  saveSnapshotAs: { file: string }
  revealFile: null
  startRecording: RecordingInfo
  stopRecording: RecordedResult
  cancelRecording: null
  listRecordings: RecordingInfo[]
  openProfile: ProfileInfo
  closeProfile: null
  listProfiles: ProfileInfo[]
  getAllocationSites: Page<AllocationSite>
  compareAllocationSites: Page<AllocationSiteChange>
  getCallTree: { node: CallTreeNode; children: Page<CallTreeNode> }
  getFlameChart: FlameChart
  getDuplicateStrings: DuplicateStringsReport
  getDetachedTrees: DetachedDomReport
  getClosureLeaks: ClosureLeakReport
  getRetainedBy: RetainedByReport
}

/** A recording under way on an attached target. */
export interface RecordingInfo {
  recordingId: string
  attachId: string
  kind: 'sampling' | 'timeline'
  /** Where it will be written. */
  file: string
  /** When it started, ms since the epoch (the page shows the time since). */
  startedAt: number
}

/** What a stopped recording became, opened: a profile, or a snapshot with allocation stacks. */
export type RecordedResult =
  | { kind: 'sampling'; durationMs: number; profile: ProfileInfo }
  | { kind: 'timeline'; durationMs: number; snapshot: SnapshotInfo }

/** An open allocation profile. */
export interface ProfileInfo {
  profileId: string
  file: string
  /** Bytes sampled in all. */
  totalSize: number
  sampleCount: number
  /** Calls in its call tree. */
  nodeCount: number
  /** The folder its scripts share, which labels leave out. */
  scriptRoot: string
}

/**
 * A profile's flame chart (an icicle, the head on top): bars in drawing order as parallel
 * arrays, each as wide as its call's total bytes and placed in bytes from the left edge. Bars
 * narrower than a pixel of a wide screen are left out.
 */
export interface FlameChart {
  totalSize: number
  maxDepth: number
  nodeId: number[]
  depth: number[]
  start: number[]
  width: number[]
  /** Index into `frames` of each bar's call frame. */
  frame: number[]
  frames: { functionName: string; url: string; line: number | null; column: number | null }[]
}

/** The folder snapshots captured from the UI go to. */
export interface CaptureFolderInfo {
  folder: string
  /** True while the user has not chosen one. */
  isDefault: boolean
}

/** A debuggable target of a CDP endpoint. */
export interface TargetInfo {
  id: string
  type: string
  title: string
  url: string
  webSocketUrl: string
}

/**
 * A local Node process, with its inspector port when one is open. listNodeProcesses returns
 * those with an open inspector first, then the other Node processes, then Heapgraph's own.
 */
export interface NodeProcessInfo {
  pid: number
  command: string
  inspectorPort: number | null
  /** Heapgraph's own process: an engine host it forked, or its CLI or server. */
  isHeapgraph: boolean
}

/**
 * A Python process that can be asked for its heap: its heapgraph_py handler is installed
 * (heapgraph_py.install()), or it runs CPython 3.14+ (sys.remote_exec sends it the writer).
 */
export interface PythonProcessInfo {
  pid: number
  /** The interpreter's version, e.g. 3.11.7 (3.14 for one found by its executable). */
  python: string
  /** Its command line (the first arguments). */
  argv: string[]
  /** The signal that asks it for a snapshot, e.g. SIGUSR2 ('' when via is remote_exec). */
  signal: string
  via: 'signal' | 'remote_exec'
}

/** An attached target. */
export interface AttachInfo {
  attachId: string
  title: string
}

/** One reading of the target's heap usage, in bytes. */
export interface HeapUsage {
  timeMs: number
  usedSize: number
  totalSize: number
  embedderHeapUsedSize: number | null
  backingStorageSize: number | null
}

/** What the desktop app's menus and command line ask the window to do. */
export type MenuCommand =
  { type: 'open-path'; path: string } | { type: 'attach' } | { type: 'export' }

/** The API as the renderer sees it, whatever the transport. */
export type HeapgraphApi = {
  [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiResults[M]>
} & {
  /** Subscribes to progress events; returns the unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void
  /** Subscribes to snapshots being opened, opened, closed or lost; returns the unsubscribe. */
  onSnapshot(listener: (event: SnapshotEvent) => void): () => void
}

/** The subscriptions every transport carries besides the calls. */
export type ApiEvents = Pick<HeapgraphApi, 'onProgress' | 'onSnapshot'>

/** Validates a call's arguments against its schema; throws ApiError('bad-arguments'). */
export function parseArgs<M extends ApiMethod>(method: M, args: unknown): ParsedArgs<M> {
  const schema: z.ZodType = API_METHODS[method]
  const result = schema.safeParse(args ?? {})
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : ''
    throw new ApiError(
      'bad-arguments',
      `${method}: ${issue?.message ?? 'invalid arguments'}${where}`,
    )
  }
  return result.data as ParsedArgs<M>
}

/** Whether a string names an API method. */
export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.hasOwn(API_METHODS, name)
}
