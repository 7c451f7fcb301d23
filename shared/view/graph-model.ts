// Shared by the renderer and its tests: a pure model of the retainer graph view.
// The bounded neighbourhood drawn for an object: its retainer paths from the GC roots plus the
// retainers the user expanded, merged by node. Never the heap: fan-ins fold into an "N more"
// node, weak references are left out unless asked for, and V8 internals whose meaning is clear
// (an array's elements store, a Map's table, a closure's context) fold into readable steps.
// One graph may be about several objects at once (their paths merged, shared prefixes drawn
// once) and mark some as new. A cut reference ("what frees it") marks the cut edge, the drawn
// objects it frees and the path that keeps the target alive; without the cut the model is the
// same as before it. Also here: cycle marks, size by retained size, a layered layout (ELK),
// DOT and SVG export.
// The model lives in shared/view/graph/, one module per concern; this file gathers them.
export * from './graph/build'
export * from './graph/folding'
export * from './graph/cycles'
export * from './graph/cut'
export * from './graph/shading'
export * from './graph/palette'
export * from './graph/layout'
export * from './graph/export'
