// The UI's display formatting: the same helpers as the CLI's.
export {
  displayClass,
  fileName,
  formatBytes,
  formatDistance,
  formatReference,
  objectLabel,
  runningCodeNote,
} from '../shared/view/format'
