// Window events between the shell and the views.

/** Asks the retainer graph on screen to export itself (File › Export… in the desktop app). */
export const EXPORT_EVENT = 'heapgraph:export'
