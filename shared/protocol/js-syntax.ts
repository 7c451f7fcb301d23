// How JavaScript writes things, for the engine's explanations and the views alike.

/** A property name as JavaScript reads it: `.name` for identifiers (`.#x` too), else `["a b"]`. */
export function propertyAccess(name: string): string {
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
