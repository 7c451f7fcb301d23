// The retainer graph's colours, one palette per page theme: the canvas (renderer's graph-style)
// and the SVG and DOT exports (export.ts, drawn on white) take every colour from here.

/** Which page the graph is drawn on: the OS's light or dark theme. */
export type ColorScheme = 'light' | 'dark'

interface GraphPalette {
  /** The page behind the graph (and an export's background). */
  paper: string
  nodeText: string
  edgeText: string
  /** Edges, node outlines and the arrow heads. */
  line: string
  /** Edges that stand for several references folded into one step. */
  foldedLine: string
  /** Fill of "N more" and freed nodes. */
  quiet: string
  /** GC roots: fill and outline. */
  root: string
  rootLine: string
  /** The object the graph is about: fill and outline. */
  target: string
  targetLine: string
  /** New objects (since the base snapshot): fill, and outline and text. */
  newFill: string
  newText: string
  /** A cut reference. */
  cut: string
  /** The path that keeps the target alive despite a cut. */
  alive: string
  /** The ring around members of a cycle. */
  cycle: string
  /** A selected edge, the highlighted path. */
  highlight: string
  /** Fill ends by retained size: small ones blend into the page, the largest stand out. */
  shadeEnds: readonly [readonly number[], readonly number[]]
}

const SHARED = {
  root: '#1a7f37',
  rootLine: '#116329',
  target: '#cf222e',
  targetLine: '#82071e',
  newFill: '#8250df',
  cut: '#cf222e',
  alive: '#1a7f37',
  cycle: '#bf8700',
}

export const GRAPH_PALETTES: Record<ColorScheme, GraphPalette> = {
  light: {
    ...SHARED,
    paper: '#ffffff',
    nodeText: '#424a53',
    edgeText: '#24292f',
    line: '#8c959f',
    foldedLine: '#6e7781',
    quiet: '#eaeef2',
    newText: '#512a97',
    highlight: '#0969da',
    shadeEnds: [
      [0xd0, 0xd7, 0xde],
      [0x0a, 0x30, 0x69],
    ],
  },
  dark: {
    ...SHARED,
    paper: '#0d1117',
    nodeText: '#c9d1d9',
    edgeText: '#e6edf3',
    line: '#6e7681',
    foldedLine: '#8b949e',
    quiet: '#21262d',
    newText: '#d2a8ff',
    highlight: '#4493f8',
    shadeEnds: [
      [0x30, 0x36, 0x3d],
      [0x79, 0xc0, 0xff],
    ],
  },
}
