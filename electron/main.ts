// The Electron shell: one secure window (context isolation, sandbox, no Node integration, strict
// CSP, navigation and window.open denied, permissions denied), typed IPC for every protocol
// method with a sender check and schema validation, the File menu and its open dialog, and a
// single instance that opens files passed on later command lines.
import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { API_METHODS } from '../shared/protocol'
import { settle, type RpcReply } from '../shared/rpc/rpc'
import { createBackend } from './backend/backend'
import { channelOf, isTrustedSender, PROGRESS_CHANNEL } from './ipc'
import { utilityHost } from './utility-host'

const RENDERER_INDEX = join(__dirname, '../renderer/index.html')
const RENDERER_URL = pathToFileURL(RENDERER_INDEX).href
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const backend = createBackend({
  hostEntry: join(__dirname, 'engine-host.cjs'),
  spawnHost: utilityHost,
  configDir: app.getPath('userData'),
  // The demo runs on this binary as plain Node.
  node: {
    path: process.execPath,
    env: { ELECTRON_RUN_AS_NODE: '1' },
    demoProgram: join(__dirname, '../../demo/leaky-app.cjs'),
  },
})
let window: BrowserWindow | null = null

function snapshotArguments(argv: readonly string[]): string[] {
  return argv.filter((arg) => /\.heapsnapshot(\.gz)?$/i.test(arg))
}

async function openFiles(files: readonly string[]): Promise<void> {
  for (const file of files) {
    await backend.openSnapshot({ file }).catch((error: unknown) => {
      dialog.showErrorBox(
        'Cannot open snapshot',
        error instanceof Error ? error.message : String(error),
      )
    })
  }
}

function createWindow(): BrowserWindow {
  const created = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Heapgraph',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  created.webContents.on('will-navigate', (event) => event.preventDefault())
  created.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  void created.loadFile(RENDERER_INDEX)
  return created
}

function registerIpc(): void {
  for (const method of Object.keys(API_METHODS)) {
    ipcMain.handle(channelOf(method), async (event, args: unknown): Promise<RpcReply> => {
      if (!isTrustedSender(event.senderFrame?.url, RENDERER_URL)) {
        return { error: { code: 'forbidden', message: 'IPC from an untrusted frame' } }
      }
      // A reply, never a throw: Electron would keep only a thrown error's message.
      return settle(backend.call, method, args)
    })
  }
  backend.onProgress((progress) => window?.webContents.send(PROGRESS_CHANNEL, progress))
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          {
            label: 'Open…',
            accelerator: 'CmdOrCtrl+O',
            click: async () => {
              const result = await dialog.showOpenDialog({
                properties: ['openFile', 'multiSelections'],
                filters: [{ name: 'Heap snapshots', extensions: ['heapsnapshot', 'gz'] }],
              })
              if (!result.canceled) await openFiles(result.filePaths)
            },
          },
          { role: 'recentDocuments' },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'viewMenu' },
    ]),
  )
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', (_event, argv) => {
    void openFiles(snapshotArguments(argv))
    if (window) {
      if (window.isMinimized()) window.restore()
      window.focus()
    }
  })
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
      callback(false),
    )
    session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] },
      }),
    )
    registerIpc()
    buildMenu()
    window = createWindow()
    void openFiles(snapshotArguments(process.argv))
  })
  app.on('window-all-closed', () => {
    void backend.dispose().finally(() => app.quit())
  })
}
