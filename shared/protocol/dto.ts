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
  /** A Python object's reference count (heapgraph_py snapshots), as `sys.getrefcount(x) - 1`. */
  refcount?: number
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

// The analyses other tools have (issue 14): duplicated strings, detached DOM trees, closure
// leaks, and DevTools' named filters of objects retained by the console or by event handlers.

/** Copies of one text held by the program: what keeping one copy would save. */
export interface DuplicateString {
  /** The text, cut at 200 characters (see `complete`). */
  text: string
  /**
   * False when `text` is not all of it: cut here, or cut by V8, which writes at most 1024
   * characters of a string into a snapshot (such texts are matched by those characters and
   * their size, so copies of one long text are found among strings of the same representation).
   */
  complete: boolean
  /** Characters, when the snapshot tells them all; null otherwise. */
  length: number | null
  /**
   * Copies the program holds: reachable strings (plain, or concatenated as their parts read)
   * with this text that some reference of the program holds (a property, an element, a closure
   * variable, a Map or Set entry, a store of a program's object), not only V8's bookkeeping.
   */
  count: number
  /** Bytes of those copies (each copy's retained size: a concatenated string with the parts only it holds). */
  totalSize: number
  /** Bytes that one shared copy would save: all the copies but the largest. */
  wastedSize: number
  /**
   * Copies that only V8's internals hold (code, scripts, feedback): further ones, not counted
   * above, unless internal copies were asked for (then they are among `count`).
   */
  internalCount: number
  /** The largest copies (at most 3). */
  examples: ObjectSummary[]
  /**
   * Who holds the copies, grouped by the holder's class and the reference (10 000 `User`
   * objects' `.status`), most copies first, at most 5; each with one holder as an example.
   */
  holders: StringHolders[]
}

/** Copies of a text held the same way: by objects of one class, through one reference. */
export interface StringHolders extends ArrayHolder {
  /** Copies held this way (among the first 10 000 copies of the text, largest first). */
  count: number
}

/** Duplicated strings, largest waste first (`getDuplicateStrings`, `heapgraph strings`). */
export interface DuplicateStringsReport extends Page<DuplicateString> {
  /** Over every text listed (all pages): copies, and bytes one copy each would save. */
  copyCount: number
  wastedSize: number
  /**
   * Texts left out because no more than one copy is held by the program (the others only by
   * V8's internals), unless asked to include them: their number, copies and waste.
   */
  internalOnly: { textCount: number; copyCount: number; wastedSize: number }
}

/** A detached DOM node held from outside its tree, and what holds it. */
export interface DetachedEntry {
  node: ObjectSummary
  /** The object that is not a detached DOM node which holds it, and how (read as code). */
  holder: ArrayHolder
}

/**
 * Detached DOM nodes linked to each other (one removed subtree: its elements, text nodes and
 * their data), as DevTools' "Detached elements" groups them.
 */
export interface DetachedTree {
  /**
   * The tree's root as far as the snapshot tells: the node the others refer to most (each
   * child refers to its parent), ties broken by retained size.
   */
  root: ObjectSummary
  /** Detached DOM nodes in the tree. */
  nodeCount: number
  /** Their self sizes summed, bytes. */
  selfSize: number
  /** What its nodes retain together: each node's retained size, counted once, bytes. */
  retainedSize: number
  /** Nodes of the tree held from outside it, largest first, at most 5. */
  heldBy: DetachedEntry[]
  /** How many nodes of the tree are held from outside it. */
  entryCount: number
}

/** Detached DOM trees, largest retained size first (`getDetachedTrees`, `heapgraph detached`). */
export interface DetachedDomReport extends Page<DetachedTree> {
  /** False for snapshots without a DOM (Node.js): nothing in them can be detached. */
  hasDom: boolean
  /** Detached DOM nodes in every tree. */
  detachedNodeCount: number
  /** The trees' retained sizes summed, bytes. */
  retainedSize: number
}

/**
 * How a context variable's holders use it:
 * - `unused`: every function that holds the context is known not to read it (nor any function
 *   written inside them): nothing that can still run reads it (DevTools' dead context fields);
 * - `shared`: some holders read it and some are known not to: those keep it alive for nothing
 *   once the others are gone (the shared-context leak);
 * - `unknown`: the snapshot does not tell which function reads it (it has no scope
 *   information: Node.js, older Chrome), and two or more functions share the context.
 */
export type CaptureUse = 'unused' | 'shared' | 'unknown'

/** A live function (or suspended generator or async function) whose scope chain holds a context. */
export interface ClosureHolder {
  closure: ObjectSummary
  /**
   * True when its code, or code written inside it, reads the variable; false when neither does;
   * null when the snapshot does not tell (no scope information for its script).
   */
  usesVariable: boolean | null
  /** What holds the function, read as code (null: a GC root, or nothing found). */
  heldBy: ArrayHolder | null
}

/** A variable of a closure scope whose value retains much, held by functions that may not use it. */
export interface ClosureLeak {
  /** The scope's context (labelled by the function whose scope it is). */
  context: ObjectSummary
  variable: string
  /** The variable's value (its retained size is what ranks the leak). */
  value: ObjectSummary
  use: CaptureUse
  /** The holders, those known not to use it first, then unknown, then users; at most 8. */
  holders: ClosureHolder[]
  holderCount: number
  usingCount: number
  notUsingCount: number
  unknownCount: number
}

/** Closure leaks, largest captured value first (`getClosureLeaks`, `heapgraph closures`). */
export interface ClosureLeakReport extends Page<ClosureLeak> {
  /** True when the snapshot says which scopes use which variables (Chrome's scope sections). */
  hasScopeInfo: boolean
  /** The smallest retained size of a value listed, bytes. */
  minRetainedSize: number
}

/**
 * DevTools' named filters: objects that only the DevTools console (objects logged or inspected
 * there), only event handlers (the functions of DOM event listeners), or only detached DOM
 * nodes keep alive.
 */
export type RetainerKind = 'console' | 'event-handlers' | 'detached-dom'

/** Objects a kind of retainer alone keeps alive, largest retained size first (`getRetainedBy`). */
export interface RetainedByReport extends Page<ObjectSummary> {
  kind: RetainerKind
  /** Self sizes of every object listed (all pages): what letting go of those retainers frees. */
  selfSize: number
  /** The retainers found: console handles, event-listener functions, or detached DOM nodes. */
  retainerCount: number
}
