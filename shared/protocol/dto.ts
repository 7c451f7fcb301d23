// The wire types: every object the engine answers with, as the protocol, the CLI's JSON, the
// library and the UI see it. Declared here, once; the engine (shared/heap/queries) builds them.

export interface StackFrame {
  functionName: string
  scriptName: string
  scriptId: number
  /** 1-based as V8 writes them; null when unknown (V8 writes 0). */
  line: number | null
  column: number | null
}

export type ArrayKind = 'array' | 'typed-array' | 'array-buffer' | 'backing-store' | 'elements'

export interface ArrayEntry extends ObjectSummary {
  kind: ArrayKind
  /** Element count (bytes for buffers and stores); null when the snapshot does not tell. */
  length: number | null
  /** True when `length` is derived from store bytes (a capacity) rather than counted. */
  lengthIsEstimate: boolean
  /** Bytes of the elements store or backing store as V8 reported them. */
  storeSize: number
  /**
   * What holds it, as the verdict of "Why alive?" names it: the holder on a shortest route, read
   * as code; set where the caller asked for it (null: no object holds it, a GC root does, or
   * nothing reaches it).
   */
  heldBy?: ArrayHolder | null
}

/** The object that holds an array, and how. */
export interface ArrayHolder {
  object: ObjectSummary
  /** How it holds the array: `.items`, `[3]`, `entry "k"`, `captures x`. */
  via: StepVia | null
}

/** What arrays can be sorted by, biggest first unless asked otherwise. */
export type ArraySortKey = 'retainedSize' | 'selfSize' | 'length' | 'storeSize'

/** Arrays whose retainer paths share a signature (as memlab clusters leaks). */
export interface ArrayGroup {
  /** The normalized retainer path: the array's class, then `<edge` `class` steps rootwards. */
  signature: string
  /** The same path as a reader says it, root side first: `global.leakCache → Map entries → Array`. */
  path: string
  count: number
  /** Sums over the group's arrays, bytes (an array inside another counts in both). */
  selfSize: number
  retainedSize: number
  storeSize: number
  /** Sum of the lengths the snapshot tells. */
  length: number
}

export interface Cycle {
  /** Members of the node's strongly connected component, largest retained size first. */
  members: ObjectSummary[]
  total: number
}

/** How one class changed between two snapshots (DevTools' Diff, plus retained sizes). */
export interface ClassDiff {
  classKey: string
  className: string
  /** Objects whose id is not among the base's objects of this class. */
  addedCount: number
  /** Base objects whose id is not among this class's objects now. */
  removedCount: number
  countDelta: number
  /** Self sizes of the added objects, bytes. */
  addedSize: number
  /** Self sizes of the removed objects (as they were in the base), bytes. */
  removedSize: number
  sizeDelta: number
  countBefore: number
  countAfter: number
  /** The class's retained size in each snapshot, by the Summary's rule, bytes. */
  retainedSizeBefore: number
  retainedSizeAfter: number
  retainedSizeDelta: number
}

/** A deleted object: only what the base recorded, since it no longer exists. */
export interface DeletedObject {
  id: number
  selfSize: number
}

/** Where a function was written. `line` and `column` are 1-based, as editors show them. */
export interface SourceLocation {
  /** The script's name as V8 has it (a path or URL); null when the script has none. */
  url: string | null
  /** The same, relative to the folder common to the snapshot's scripts where that is shorter. */
  file: string | null
  scriptId: number
  line: number
  column: number
}

/** Suspects that share a retainer-path signature. */
export interface LeakCluster {
  /**
   * What holds the cluster's largest head, in one line (as why's verdict); set where the caller
   * asked for it (the CLI, for the clusters it prints), null where no path was found.
   */
  verdict?: string | null
  /** The class of every head in the cluster (it is part of the signature). */
  className: string
  /** Heads: suspects not dominated by another suspect. */
  count: number
  /** Heads plus the suspects they dominate (folded into them). */
  suspectCount: number
  /** Sum of the heads' retained sizes, bytes (heads never dominate each other). */
  retainedSize: number
  /** From a GC root to the largest head, as findRetainerPaths returns it (empty if none). */
  path: PathStep[]
  /** The heads' @ids, largest retained size first, at most `maxObjectIds` of them. */
  objectIds: number[]
  /** The normalized retainer path: head class, then `<edge` `class` steps towards the root. */
  signature: string
  /**
   * True when the path runs only through V8's internals (`{feedback_cell}`,
   * `{transition_info}`, `system / …` objects): no code of the program holds the heads.
   */
  heldByInternals: boolean
}

/** Clusters a leak report leaves out: those held only by V8's internals. */
export interface LeftOutClusters {
  clusterCount: number
  suspectCount: number
  retainedSize: number
  /** The largest of them, as `clusters` lists them (at most `maxClusters`). */
  clusters: LeakCluster[]
}

/** A class whose count or retained size grew across the three snapshots. */
export interface GrowingClass {
  classKey: string
  className: string
  /** Object counts in the baseline, target and final snapshots. */
  counts: [number, number, number]
  /** Retained sizes in the three snapshots, bytes. */
  retainedSizes: [number, number, number]
}

export interface LeakReport {
  /** Largest retained size first; at most `maxClusters` of them. */
  clusters: LeakCluster[]
  /**
   * Every cluster found, also those past `maxClusters` (but not those held only by V8's
   * internals, unless asked for: see `internalOnly`).
   */
  clusterCount: number
  /** Suspects found, folded or not, in the clusters counted. */
  suspectCount: number
  /** Bytes retained by the clusters counted together (the suspects' heads never nest). */
  retainedSize: number
  /**
   * Clusters held only by V8's internals, left out of the numbers above and of `clusters`
   * (none when the caller asked to include them).
   */
  internalOnly: LeftOutClusters
  /** The cap applied to each cluster's `objectIds`. */
  maxObjectIds: number
  /** Largest retained-size growth first. */
  growing: GrowingClass[]
}

/** What a slot of a Map's hash table holds. */
export interface MapSlot {
  /** An entry's key or its value. */
  role: 'key' | 'value'
  /**
   * For a value: its entry's key as text (a string key quoted, any other key as its class and
   * @id), or null when the snapshot leaves the key out (a small integer, undefined, null, true
   * or false).
   */
  key: string | null
}

/**
 * How two snapshots' object ids overlap, and whether they look like snapshots of one process
 * (ids are only comparable within one).
 */
export interface IdComparison {
  baseCount: number
  afterCount: number
  /** Ids both have. */
  commonCount: number
  /** Shared ids whose object has the same class in both. */
  sameClassCount: number
  /** Null when they look like one process; else why not. */
  mismatch: 'no-common-ids' | 'classes-differ' | null
}

/** An object as the CLI and UI list it. */
export interface ObjectSummary {
  /** Node ordinal in this snapshot (not stable across snapshots). */
  node: number
  /** V8's @id, stable across snapshots of one process. */
  id: number
  type: string
  name: string
  className: string
  /**
   * What identifies the object, for people: a function's name and file:line:column, a module's
   * file, a string's text, an array's length (see labels.ts).
   */
  label: string
  /** For a function: where it was written, when the snapshot says. */
  location?: SourceLocation
  selfSize: number
  retainedSize: number
  /** Distance from GC roots; null when no root reaches the object. */
  distance: number | null
}

/** A class member as the Summary lists it. */
export interface MemberSummary extends ObjectSummary {
  /** Its own properties in one line (`{id: 3, name: "x", items: Array(50000)}`), if asked for. */
  preview?: string
}

export interface ObjectDetails extends ObjectSummary {
  retainerCount: number
  edgeCount: number
  /** The immediate dominator, null for the root. */
  dominator: ObjectSummary | null
  detachedness: 'unknown' | 'attached' | 'detached'
  /** True when only system roots (not user roots) reach the object. */
  isSystemReachable: boolean
  /** A string's text, a number's value, an object's properties in one line. */
  value: ObjectValue
}

export interface EdgeSummary {
  type: string
  name: string
  /** Edge ordinal. */
  edge: number
  isWeak: boolean
  /** Set for a slot of a Map's hash table: the entry's key or value, and the key. */
  mapSlot?: MapSlot
}

/** One reference: the edge and the object at its other end. */
export interface Reference {
  edge: EdgeSummary
  node: ObjectSummary
}

/** A page of a sorted list. */
export interface Page<T> {
  start: number
  total: number
  items: T[]
}

/** One step of a path: the object, and the reference to it from the previous step's object. */
export interface PathStep {
  node: ObjectSummary
  edge: PathEdge | null
}

/** A reference as a path names it (`mapSlot` as in EdgeSummary). */
export interface PathEdge {
  type: string
  name: string
  /** The edge ordinal in this snapshot (what a cut takes); set by the engine's paths. */
  ordinal?: number
  mapSlot?: MapSlot
}

export interface RetainerPaths {
  /** Each path runs from a GC root (first step) to the target (last step). */
  paths: PathStep[][]
  /** False when no GC root reaches the object (it is garbage awaiting collection). */
  reachable: boolean
  /** True when the search stopped at its state budget before finding `count` paths. */
  truncated: boolean
}

export interface ClassSummary {
  /** Stable key across snapshots: `,<className>` or `<scriptId>,<line>,<column>,<className>`. */
  classKey: string
  className: string
  count: number
  selfSize: number
  retainedSize: number
  /** Smallest distance from GC roots among members; null when none is reachable. */
  distance: number | null
}

export interface ObjectValue {
  /** A string's text (up to the limit asked for) and whether that is all of it. */
  text?: { value: string; complete: boolean; length: number | null }
  /** A number's value, when the snapshot recorded it. */
  number?: number
  /** An object's own properties in one line. */
  preview?: string
}

/** One edge of a cut: its holder and the edge. */
export interface CutEdge {
  from: ObjectSummary
  edge: EdgeSummary
}

export interface CutResult {
  from: ObjectSummary
  edge: EdgeSummary
  /**
   * Copies of the same reference cut with it: V8 writes an object's properties and elements
   * both from the object and from its own stores (`properties`, `elements`, and a global
   * object's property cells), and a reference only goes when every copy does.
   */
  alsoCut: CutEdge[]
  /** False when the reference does not retain by DevTools' rules (weak, ...): it frees nothing. */
  isRetaining: boolean
  /** Self sizes (as DevTools shows them) of the objects reachable before and not after, bytes. */
  freedBytes: number
  freedCount: number
  target: ObjectSummary
  /** False for objects no root reaches even before the cut (unreachable cycles). */
  targetWasReachable: boolean
  targetFreed: boolean
  /** When the target survives: a shortest path to it that avoids the cut reference. */
  stillAlivePath: PathStep[] | null
  /**
   * Where that path starts: at an object the GC root holds, or at an object that no retaining
   * reference holds (DevTools counts those as roots of their own).
   */
  stillAliveVia: 'gc-root' | 'unretained-object' | null
  /** The freed objects with the largest self sizes, largest first. */
  largestFreed: ObjectSummary[]
}

/** One explanation of why the object is alive. */
export interface Route {
  /** The route as the snapshot has it, root first (every step an edge of the snapshot). */
  steps: PathStep[]
  /** The same route read as code. */
  readable: ReadableStep[]
  /** The object that holds the target on this route, as code reads it. */
  holder: ObjectSummary | null
  /**
   * Other routes found that reach the target through the same holder (further routes listed
   * after this one included).
   */
  sameHolderRoutes: number
}

export interface Explanation {
  target: ObjectSummary
  /** False when no GC root reaches the object (garbage awaiting collection). */
  reachable: boolean
  /** True when the search stopped at its budget. */
  truncated: boolean
  /** One line that says what holds the object, made from the first route. */
  verdict: string
  /** Routes that are different explanations, the one a programmer would draw first. */
  routes: Route[]
  /** What would free it, checked by a recount; null when no recognizable fix frees it. */
  fix: Fix | null
}

export type StepKind =
  'property' | 'element' | 'capture' | 'entry' | 'key' | 'member' | 'reaction' | 'internal'

/** How one object holds the next, in code terms. */
export interface StepVia {
  kind: StepKind
  /** The property, variable or key; the index for an element. */
  name: string
  /** As printed: `.items`, `[3]`, `captures payload`, `entry "user:42"`, `member`. */
  text: string
}

/** One raw reference of the snapshot: the holder's node ordinal and the edge ordinal. */
export interface RawReference {
  from: number
  edge: number
}

export interface ReadableStep {
  node: ObjectSummary
  via: StepVia | null
  /** On a first step: how code names where the route starts (`require.cache`), if not global. */
  start?: string
  /** The snapshot's references this step stands for, outermost first. */
  references: RawReference[]
}

export interface Fix {
  /** The change in one line: the code, then what it needs said (`code — note`). */
  text: string
  /** The change as code: `appBus.off("config-reloaded", onConfigReloaded)`; "" when only words say it. */
  code: string
  /** Where or when to make it, in words; "" when the code says all. */
  note: string
  /**
   * The reference it removes (checked by a recount): the holder, the edge by ordinal, and as
   * `heapgraph why --cut` takes it (`@123:.listeners`).
   */
  cut: { from: number; fromId: number; edge: number; edgeName: string; option: string }
  /** What the recount frees when that reference goes. */
  freedBytes: number
  freedCount: number
}

/** A snapshot file: what the CLI's JSON reports it as, and the UI lists (with an id there). */
export interface SnapshotFacts {
  file: string
  nodeCount: number
  edgeCount: number
  /** Bytes: the root's retained size plus extra native bytes. */
  totalSize: number
  /** True for snapshots taken with exposeInternals (no user roots). */
  exposeInternals: boolean
  /** True when objects carry allocation stacks (recorded with allocation tracking). */
  allocationStacks: boolean
  /** True when the snapshot has a timeline of allocations (its `samples`). */
  allocationTimeline: boolean
}

/** Why an object is alive (`heapgraph why`, the library's why()): the explanation, and each
 * route's raw path. */
export interface WhyResult extends Explanation {
  /** Each route as the snapshot has it: from an object a GC root holds (edge null) to the target. */
  paths: PathStep[][]
}

/** One object as `heapgraph export --format ndjson` writes it: without a label (made per object
 * on demand, too slow for every object), with its immediate dominator's @id. */
export interface ExportedObject extends Omit<ObjectSummary, 'label'> {
  dominatorId: number | null
}

// Allocation profiles (.heapprofile: a sampling heap profile, tracemalloc for V8).

/** How allocation sites are grouped: per function, per source line, per file. */
export type AllocationGrouping = 'function' | 'line' | 'file'

/**
 * One allocation site of a profile, bottom-up: what was allocated in it (self) and in what it
 * called (total, each stack counted once however often the site recurs in it). For grouping
 * by line, `line` is the allocating function's line (a sampling profile records where each
 * function is defined, not the statement); by file, `functionName` is '' and line/column null.
 */
export interface AllocationSite {
  functionName: string
  /** The script's URL or path as V8 reported it ('' for V8's own code). */
  url: string
  /** 1-based; null when unknown (or grouped by file). */
  line: number | null
  column: number | null
  /** Bytes sampled as allocated in the site itself. */
  selfSize: number
  /** Samples taken in the site itself. */
  count: number
  /** Bytes sampled in the site and everything it called. */
  totalSize: number
}

/** A profile read bottom-up (`heapgraph allocations --json`). */
export interface AllocationReport {
  file: string
  totalSize: number
  sampleCount: number
  sites: AllocationSite[]
}

/** A site's growth from a base profile to a newer one (tracemalloc's compare_to). */
export interface AllocationSiteChange extends AllocationSite {
  baseSelfSize: number
  baseCount: number
  /** selfSize − baseSelfSize. */
  sizeDiff: number
  /** count − baseCount. */
  countDiff: number
}

/** A profile compared with a base profile, largest growth first. */
export interface AllocationComparison {
  file: string
  baseFile: string
  totalSize: number
  baseTotalSize: number
  sites: AllocationSiteChange[]
}

/** A node of a profile's call tree (top-down), its children fetched by id. */
export interface CallTreeNode {
  id: number
  functionName: string
  url: string
  line: number | null
  column: number | null
  selfSize: number
  /** Bytes sampled in this call and everything it called. */
  totalSize: number
  /** Samples taken in this call itself. */
  count: number
  childCount: number
}

/**
 * One interval of a snapshot's allocation timeline (recorded with "Allocations on timeline"):
 * the objects allocated in it that are still alive. Its objects have ids in (afterId, upToId].
 */
export interface AllocationInterval {
  index: number
  /**
   * True for the first interval: objects allocated before the recording's first sample (the
   * heap as it was when recording began), which a timeline chart leaves out.
   */
  beforeRecording: boolean
  /** Milliseconds since the recording started. */
  startMs: number
  /** Null for the last interval, which ends when the snapshot was taken. */
  endMs: number | null
  afterId: number
  /** Null for the last interval: every id after afterId. */
  upToId: number | null
  count: number
  /** Self sizes summed, bytes. */
  size: number
}

/** A function that allocates, as an allocation profile or a stack names it. */
export interface AllocationSiteKey {
  functionName: string
  /** Script URL or path (`file://` URLs and paths match). */
  url: string
  /** The function's 1-based line; null matches any. */
  line: number | null
}

/** Which objects the Summary counts: all, or those allocated in an interval or at a site. */
export interface SummaryFilter {
  allocatedBetween?: { afterId: number; upToId: number | null }
  allocatedAt?: AllocationSiteKey
}
