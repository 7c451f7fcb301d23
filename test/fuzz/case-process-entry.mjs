// Entry of a fuzz case process: registers tsx (the sources are TypeScript), then runs it.
import { register } from 'tsx/esm/api'

register()
await import('./case-process.ts')
