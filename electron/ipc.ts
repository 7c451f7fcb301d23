// The desktop app's IPC contract, derived from the protocol: one channel per API method
// (`heapgraph:<method>`), a progress channel, and the sender check every handler applies (only
// the app's own renderer, loaded from its own files, may call the backend).

export const PROGRESS_CHANNEL = 'heapgraph:progress'
export const SNAPSHOT_CHANNEL = 'heapgraph:snapshot'
/** Menu and command-line requests for the window (MenuCommand). */
export const MENU_CHANNEL = 'heapgraph:menu'

/** The IPC channel of an API method. */
export function channelOf(method: string): string {
  return `heapgraph:${method}`
}

/**
 * Whether an IPC message comes from the app's renderer: a frame whose URL is a file inside the
 * renderer folder (not a navigated-to page, not another origin).
 */
export function isTrustedSender(frameUrl: string | undefined, rendererIndexUrl: string): boolean {
  if (!frameUrl) return false
  let frame: URL
  let index: URL
  try {
    frame = new URL(frameUrl)
    index = new URL(rendererIndexUrl)
  } catch {
    return false
  }
  if (frame.protocol !== 'file:' || index.protocol !== 'file:') return false
  // file://host/… is a network share (UNC on Windows), never the app's own files.
  if (frame.host !== index.host) return false
  const folder = index.pathname.slice(0, index.pathname.lastIndexOf('/') + 1)
  return frame.pathname.startsWith(folder) && !frame.pathname.slice(folder.length).includes('..')
}
