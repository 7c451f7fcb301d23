// Vitest's global setup: builds the renderer once, before any test file starts, so the e2e files
// (each in its own worker) find it fresh instead of each deciding to build it at once.
import { ensureRendererBuilt } from '../../electron/cli/serve'

export async function setup(): Promise<void> {
  await ensureRendererBuilt((text) => process.stderr.write(`${text}\n`))
}
