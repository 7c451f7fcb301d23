// The UI's display formatting: the same helpers as the CLI's.
export { fileName, formatBytes, formatDistance, formatEdge } from '../shared/view/format'
