// The UI's display formatting: the same helpers as the CLI's.
export { fileName, formatBytes, formatDistance, formatReference } from '../shared/view/format'
