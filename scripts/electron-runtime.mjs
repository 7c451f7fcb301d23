// Where Electron's runtime is, without ever downloading it: the electron package records the
// executable's path in path.txt once its runtime is installed. (Requiring the package itself
// starts a download when the runtime is missing, since Electron 40.)
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/** The runtime's executable, or null where it was never downloaded. */
export function electronBinary() {
  let packageDir
  try {
    packageDir = dirname(require.resolve('electron/package.json'))
  } catch {
    return null
  }
  const pathFile = join(packageDir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : null
}
