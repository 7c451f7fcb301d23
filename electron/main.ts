// The Electron shell: one secure window (context isolation, sandbox, no Node integration, strict
// CSP, navigation and window.open denied, permissions denied), typed IPC for every protocol
// method with a sender check and schema validation, the File menu and its open dialog, and a
// single instance that opens files passed on later command lines.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell } from 'electron'
import { basename, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { API_METHODS, type MenuCommand } from '../shared/protocol'
import { settle, type RpcReply } from '../shared/rpc/rpc'
import { createBackend } from './backend/backend'
import { channelOf, isTrustedSender, SNAPSHOT_CHANNEL, MENU_CHANNEL, PROGRESS_CHANNEL } from './ipc'
import { utilityHost } from './backend/engine/utility-process'

// The window's copy of the UI: its page policy allows no connections (scripts/build.mjs).
const RENDERER_INDEX = join(__dirname, 'renderer/index.html')
const RENDERER_URL = pathToFileURL(RENDERER_INDEX).href

const backend = createBackend({
  hostEntry: join(__dirname, 'engine-host.cjs'),
  spawnHost: utilityHost,
  configDir: app.getPath('userData'),
  // Captures go to the user's Documents until they choose a folder.
  captureDir: join(app.getPath('documents'), 'Heapgraph captures'),
  reveal: (file) => shell.showItemInFolder(file),
  // The demo runs on this binary as plain Node.
  node: {
    path: process.execPath,
    env: { ELECTRON_RUN_AS_NODE: '1' },
    demoProgram: join(__dirname, '../../demo/leaky-app.cjs'),
  },
})
let window: BrowserWindow | null = null

/** The snapshot files on a command line, as absolute paths (relative ones from `cwd`). */
function snapshotArguments(argv: readonly string[], cwd = process.cwd()): string[] {
  return argv.filter((arg) => /\.heapsnapshot(\.gz)?$/i.test(arg)).map((arg) => resolve(cwd, arg))
}

/** Commands wait here until the window's page has loaded. */
let pendingCommands: MenuCommand[] | null = []

function command(message: MenuCommand): void {
  if (pendingCommands) pendingCommands.push(message)
  else window?.webContents.send(MENU_CHANNEL, message)
}

/** Opens files in the window, which shows their progress and errors like any other open. */
function openFiles(files: readonly string[]): void {
  for (const path of files) command({ type: 'open-path', path })
}

function createWindow(): BrowserWindow {
  const created = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Heapgraph',
    webPreferences: {
      // Reviewed for Electronegativity's PRELOAD_JS_CHECK (it flags every preload for review):
      // the sandboxed preload exposes one invoke per protocol method, the progress and menu
      // listeners and a dropped file's path, never ipcRenderer or Node itself; the main process
      // validates every argument and sender.
      preload: join(__dirname, 'preload.cjs'), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // A middle click would otherwise open a link through the new-window path.
      disableBlinkFeatures: 'Auxclick',
    },
  })
  created.webContents.on('will-navigate', (event) => event.preventDefault())
  created.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  created.webContents.on('did-finish-load', () => {
    const waiting = pendingCommands ?? []
    pendingCommands = null
    for (const message of waiting) created.webContents.send(MENU_CHANNEL, message)
  })
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
      const reply = await settle(backend.call, method, args)
      // A new snapshot changes File › Open Recent.
      if (method === 'openSnapshot' || method === 'captureSnapshot') void buildMenu()
      return reply
    })
  }
  backend.onProgress((progress) => window?.webContents.send(PROGRESS_CHANNEL, progress))
  backend.onSnapshot((event) => window?.webContents.send(SNAPSHOT_CHANNEL, event))
}

async function buildMenu(): Promise<void> {
  const recent = await backend.listRecent({}).catch(() => [])
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
              if (!result.canceled) openFiles(result.filePaths)
            },
          },
          {
            label: 'Open Recent',
            submenu: recent.length
              ? recent.map((entry) => ({
                  label: basename(entry.file),
                  toolTip: entry.file,
                  click: () => openFiles([entry.file]),
                }))
              : [{ label: 'No recent snapshots', enabled: false }],
          },
          {
            label: 'Attach…',
            accelerator: 'CmdOrCtrl+Shift+A',
            click: () => command({ type: 'attach' }),
          },
          {
            label: 'Export…',
            accelerator: 'CmdOrCtrl+E',
            click: () => command({ type: 'export' }),
          },
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
  app.on('second-instance', (_event, argv, workingDirectory) => {
    openFiles(snapshotArguments(argv, workingDirectory))
    if (window) {
      if (window.isMinimized()) window.restore()
      window.focus()
    }
  })
  // macOS opens associated files (.heapsnapshot) through this event, not the command line.
  app.on('open-file', (event, path) => {
    event.preventDefault()
    openFiles([path])
  })
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
      callback(false),
    )
    // Written out here so that the audit checks it. Electronegativity's CSP_GLOBAL_CHECK (LOW)
    // warns that script-src 'self' is risky where a page hosts JSONP, Angular or uploaded files;
    // this renderer runs only its own bundle and shows heap strings as text, never as markup.
    session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
      callback({
        responseHeaders: {
          ...details.responseHeaders,
          'Content-Security-Policy': [
            "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          ],
        },
      }),
    )
    registerIpc()
    void buildMenu()
    window = createWindow()
    openFiles(snapshotArguments(process.argv))
  })
  app.on('window-all-closed', () => {
    void backend.dispose().finally(() => app.quit())
  })
}
