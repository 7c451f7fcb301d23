// How JavaScript writes things, for the engine's explanations and the views alike.

/** A property name as JavaScript reads it: `.name` for identifiers (`.#x` too), else `["a b"]`. */
export function propertyAccess(name: string): string {
  return /^#?[A-Za-z_$][\w$]*$/.test(name) ? '.' + name : `[${JSON.stringify(name)}]`
}
