// Keyboard shortcuts as pure tests on a key press (the DOM's KeyboardEvent has these fields).

export interface ShortcutKeys {
  key: string
  code: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  shiftKey: boolean
}

/** Whether a key press is the find shortcut (Ctrl+F or Cmd+F, no other modifier). */
export function isFindShortcut(event: ShortcutKeys): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return false
  return event.key.toLowerCase() === 'f' || event.code === 'KeyF'
}
