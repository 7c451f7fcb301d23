// Script names as people read them: relative to the folder that a program's own scripts share
// (its paths and URLs, never node: or V8's built-ins). Pure string work over any list of script
// names, so labels of snapshots and sites of allocation profiles shorten paths the same way.

/** Whether a script name is one of the program's own files: an absolute path or a URL. */
export function isUserScript(url: string): boolean {
  // Absolute paths (POSIX or Windows) and URLs; not node:, V8's extensions or eval code.
  return /^(\/|[A-Za-z]:[\\/]|[a-z][\w+.-]*:\/\/)/.test(url)
}

/**
 * The folder common to the user scripts among `urls` (ending with its separator), or '' when
 * they share none worth cutting: at least the scheme and host of a URL, or the first folder of
 * a path, are kept.
 */
export function commonScriptFolder(urls: Iterable<string>): string {
  let common: string[] | null = null
  let separator = '/'
  for (const url of urls) {
    if (!isUserScript(url)) continue
    // Windows paths split on either separator; the root keeps the one they use.
    const windows = /^[A-Za-z]:\\/.test(url)
    const folders = url.split(windows ? /[\\/]/ : '/').slice(0, -1)
    if (common === null) {
      common = folders
      separator = windows ? '\\' : '/'
    } else {
      let shared = 0
      while (shared < common.length && common[shared] === folders[shared]) shared++
      common.length = shared
    }
  }
  if (common === null || common.length < 2 || (common.length === 3 && common[1] === '')) return ''
  return common.join(separator) + separator
}

/** A script name relative to `root` (from commonScriptFolder), or as it is outside it. */
export function relativeScriptName(root: string, url: string): string {
  const plain = url.startsWith('file://') ? url.slice('file://'.length) : url
  const rootPlain = root.startsWith('file://') ? root.slice('file://'.length) : root
  if (rootPlain && plain.startsWith(rootPlain) && plain.length > rootPlain.length)
    return plain.slice(rootPlain.length)
  return url
}
