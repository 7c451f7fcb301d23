// Worker entry of an engine host: registers tsx (the sources are TypeScript), then runs it.
import { register } from 'tsx/esm/api'

register()
await import('./engine-host.ts')
