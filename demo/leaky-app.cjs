// Heapgraph's demo: a small "web service" that leaks, the way real ones do. Every request's
// samples are kept in a session cache that nothing ever evicts, so big arrays pile up; a
// listener on a long-lived event bus also pins a typed array through its closure. Heapgraph's
// "Try the demo" starts this with an inspector, attaches, and asks why the arrays are alive.
'use strict'
const { EventEmitter } = require('node:events')

// Half a request's samples; two copies make one request's 20,000.
const LATENCY_PATTERN = Array.from({ length: 10_000 }, (_, i) => (i % 97) * 0.25)

class RequestSamples {
  constructor(id) {
    this.id = id
    this.startedAt = Date.now()
    // The leak: 20,000 numbers per request, kept forever. Made by one built-in call, and stored
    // in the cache before any JavaScript runs again: the inspector takes a snapshot between two
    // steps of JavaScript, and an array still being filled would be held by the stack there.
    this.latencies = LATENCY_PATTERN.concat(LATENCY_PATTERN)
  }
}

const sessionCache = new Map()
const bus = new EventEmitter()
globalThis.service = { sessionCache, bus, handled: 0 }

function handleRequest(id) {
  sessionCache.set(`session-${id}`, new RequestSamples(id))
  globalThis.service.handled++
}

// Garbage that does go away: the heap chart shows it being collected. Made before the request,
// so that once a request's samples exist, no more JavaScript runs in that tick.
function churn() {
  const scratch = Array.from({ length: 5_000 }, (_, i) => ({ i }))
  return scratch.length
}

// A second leak: a closure over a thumbnail buffer, registered and never removed.
const thumbnails = new Float64Array(250_000)
bus.on('tick', function renderThumbnails() {
  thumbnails[0]++
})

for (let id = 0; id < 30; id++) handleRequest(id)
let next = 30
const timer = setInterval(() => {
  bus.emit('tick')
  churn()
  // Stop growing at about 40 MB so the demo never hurts the machine.
  if (next < 250) handleRequest(next++)
}, 200)

// Started by Heapgraph with a pipe on stdin: when Heapgraph goes away, so does the demo.
if (!process.stdin.isTTY) {
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}
process.on('SIGTERM', () => {
  clearInterval(timer)
  process.exit(0)
})
console.log('heapgraph demo: leaking arrays into service.sessionCache')
