// Builds the renderer into dist/renderer (served by web mode, loaded by the desktop window).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One bundle on purpose: the app is loaded from disk or loopback, never over a network.
    chunkSizeWarningLimit: 4096,
  },
})
