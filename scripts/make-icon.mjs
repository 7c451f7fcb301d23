// Draws Heapgraph's icons into build/ with no image library: a retainer graph (GC root at the
// top, the retained array in amber, the path that keeps it alive highlighted) on a navy tile.
// build/icon.png (512×512) is the app icon electron-builder turns into .icns/.ico and Linux's
// sizes; heapsnapshot.icns/.ico (PNG payloads) are the document icon of associated files.
// Run `node scripts/make-icon.mjs` after changing a shape; the outputs are committed.
import { writeFileSync } from 'node:fs'
import { crc32, deflateSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'

const BUILD = fileURLToPath(new URL('../build/', import.meta.url))

// Colours as [r, g, b] 0..255.
const NAVY = [30, 42, 74]
const EDGE = [120, 146, 204]
const NODE = [232, 238, 252]
const AMBER = [245, 165, 36]
const PAPER = [250, 251, 254]
const FOLD = [210, 218, 236]

// Signed distances in the 512-unit design space: negative inside, positive outside.
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r
function segment(ax, ay, bx, by, width) {
  return (x, y) => {
    const dx = bx - ax
    const dy = by - ay
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) - width / 2
  }
}
function roundedRect(x0, y0, x1, y1, r) {
  const cx = (x0 + x1) / 2
  const cy = (y0 + y1) / 2
  const hx = (x1 - x0) / 2 - r
  const hy = (y1 - y0) / 2 - r
  return (x, y) => {
    const qx = Math.abs(x - cx) - hx
    const qy = Math.abs(y - cy) - hy
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r
  }
}
/** A page whose top-right corner is folded down (the document icon's sheet). */
function page(x0, y0, x1, y1, cut) {
  const body = roundedRect(x0, y0, x1, y1, 24)
  // Positive beyond the fold line from (x1 - cut, y0) to (x1, y0 + cut).
  return (x, y) => Math.max(body(x, y), (x - (x1 - cut) - (y - y0)) / Math.SQRT2)
}
/** The folded-down flap: the triangle under the fold line. */
function flap(x1, y0, cut) {
  return (x, y) => Math.max((x - (x1 - cut) - (y - y0)) / Math.SQRT2, x1 - cut - x, y - (y0 + cut))
}

/** The graph: nodes and references in design units, placed by an offset and a scale. */
function graphLayers(offsetX, offsetY, scale) {
  const at = (x, y) => [offsetX + x * scale, offsetY + y * scale]
  const nodes = {
    root: at(256, 118),
    left: at(146, 236),
    right: at(366, 236),
    leaf: at(120, 384),
    array: at(300, 392),
  }
  const edge = (from, to, width, color) => ({
    shape: segment(...nodes[from], ...nodes[to], width * scale),
    color,
  })
  const node = (name, radius, color) => ({ shape: circle(...nodes[name], radius * scale), color })
  return [
    edge('root', 'left', 16, EDGE),
    edge('left', 'leaf', 16, EDGE),
    edge('left', 'array', 16, EDGE),
    edge('root', 'right', 26, AMBER),
    edge('right', 'array', 26, AMBER),
    node('root', 40, NODE),
    node('left', 32, NODE),
    node('right', 34, NODE),
    node('leaf', 28, NODE),
    node('array', 58, AMBER),
    node('array', 30, NAVY),
  ]
}

const APP_ICON = [
  { shape: roundedRect(24, 24, 488, 488, 104), color: NAVY },
  ...graphLayers(0, 12, 1),
]
const SHEET = page(80, 16, 432, 496, 112)
const DOCUMENT_ICON = [
  { shape: (x, y) => SHEET(x, y) - 8, color: FOLD },
  { shape: SHEET, color: PAPER },
  { shape: flap(432, 16, 112), color: FOLD },
  { shape: roundedRect(112, 176, 400, 464, 48), color: NAVY },
  ...graphLayers(112 + 6, 176 - 24, 288 / 512),
]

/** Paints the layers (back to front) at `size` pixels; edges are antialiased by distance. */
function render(layers, size) {
  const rgba = Buffer.alloc(size * size * 4)
  const unitsPerPixel = 512 / size
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) * unitsPerPixel
      const y = (py + 0.5) * unitsPerPixel
      let [r, g, b, a] = [0, 0, 0, 0]
      for (const { shape, color } of layers) {
        const coverage = Math.max(0, Math.min(1, 0.5 - shape(x, y) / unitsPerPixel))
        if (coverage === 0) continue
        // "Over" compositing with straight alpha.
        const outA = coverage + a * (1 - coverage)
        r = (color[0] * coverage + r * a * (1 - coverage)) / outA
        g = (color[1] * coverage + g * a * (1 - coverage)) / outA
        b = (color[2] * coverage + b * a * (1 - coverage)) / outA
        a = outA
      }
      rgba.set([r, g, b, a * 255].map(Math.round), (py * size + px) * 4)
    }
  }
  return rgba
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A PNG: 8-bit RGBA, no interlace, filter 0 on every row. */
function png(layers, size) {
  const rgba = render(layers, size)
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 6, 0, 0, 0], 8)
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let row = 0; row < size; row++) {
    rgba.copy(rows, row * (size * 4 + 1) + 1, row * size * 4, (row + 1) * size * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** Apple's icns with PNG payloads: ic07 128, ic08 256, ic09 512 pixels. */
function icns(layers) {
  const entries = [
    ['ic07', 128],
    ['ic08', 256],
    ['ic09', 512],
  ].map(([type, size]) => {
    const data = png(layers, size)
    const head = Buffer.alloc(8)
    head.write(type, 0, 'latin1')
    head.writeUInt32BE(data.length + 8, 4)
    return Buffer.concat([head, data])
  })
  const body = Buffer.concat(entries)
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'latin1')
  head.writeUInt32BE(body.length + 8, 4)
  return Buffer.concat([head, body])
}

/** Windows' ico with PNG payloads (Vista and later): 16, 32, 48 and 256 pixels. */
function ico(layers) {
  const sizes = [16, 32, 48, 256]
  const images = sizes.map((size) => png(layers, size))
  const directory = Buffer.alloc(6 + 16 * sizes.length)
  directory.writeUInt16LE(1, 2) // type: icon
  directory.writeUInt16LE(sizes.length, 4)
  let offset = directory.length
  sizes.forEach((size, entry) => {
    const at = 6 + 16 * entry
    directory.writeUInt8(size % 256, at) // 0 means 256
    directory.writeUInt8(size % 256, at + 1)
    directory.writeUInt16LE(1, at + 4) // colour planes
    directory.writeUInt16LE(32, at + 6) // bits per pixel
    directory.writeUInt32LE(images[entry].length, at + 8)
    directory.writeUInt32LE(offset, at + 12)
    offset += images[entry].length
  })
  return Buffer.concat([directory, ...images])
}

writeFileSync(`${BUILD}icon.png`, png(APP_ICON, 512))
writeFileSync(`${BUILD}heapsnapshot.icns`, icns(DOCUMENT_ICON))
writeFileSync(`${BUILD}heapsnapshot.ico`, ico(DOCUMENT_ICON))
process.stdout.write('wrote build/icon.png, build/heapsnapshot.icns, build/heapsnapshot.ico\n')
