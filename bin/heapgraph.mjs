#!/usr/bin/env node
// Entry point of the `heapgraph` bin: runs the TypeScript CLI through tsx, so it works right
// after `npm install` with no build step.
import { register } from 'tsx/esm/api'

register()
await import('../electron/cli.ts')
