// How JavaScript writes things, for the engine's explanations and the views alike.

/**
 * A name that is already a subscript: heapgraph_py names a Python dict's entries by their key
 * as code writes it (`["user:42"]`, `[-1]`, `[(1, "a")]`, `[<app.Key>]`), which no V8 property
 * name looks like.
 */
const SUBSCRIPT = /^\[(".*"|-?\d[\w.+-]*|\(.*\)|<[\w.]+>|b'.*'|True|False|None)\]$/s

/** Whether a property name is a subscript already (a Python dict's key, from heapgraph_py). */
export function isSubscript(name: string): boolean {
  return SUBSCRIPT.test(name)
}

/** A property name as JavaScript reads it: `.name` for identifiers (`.#x` too), else `["a b"]`. */
export function propertyAccess(name: string): string {
  if (SUBSCRIPT.test(name)) return name
  return /^#?[A-Za-z_$][\w$]*$/.test(name) ? '.' + name : `[${JSON.stringify(name)}]`
}

/** An edge as DevTools prints it in paths: `.prop`, `[3]`, `->ctx`, `[[weak]]`, `{internal}`. */
export function formatEdge(type: string, name: string): string {
  switch (type) {
    case 'context':
      return '->' + name
    case 'element':
      return '[' + name + ']'
    case 'weak':
      return '[[' + name + ']]'
    case 'property':
    case 'shortcut':
      return propertyAccess(name)
    default:
      return '{' + name + '}'
  }
}
