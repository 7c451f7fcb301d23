// Packaging: `npm run package` says plainly when Electron's runtime cannot be had (and exits 3),
// build/electron-builder.yml is a valid config with the targets, file associations and icons
// the app needs, the bundled CLI (dist/cli) answers as the npm bin does, and electron-builder
// packs an app folder whose CLI launcher runs that bundle. Electron itself cannot run here: the
// packed folder gets a stand-in runtime (Node) and its app.asar unpacked, which Node alone
// cannot read.
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import {
  access,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { fixture, REPO_ROOT } from '../helpers/fixtures'

const require = createRequire(import.meta.url)
// electron-builder's own modules, resolved as electron-builder resolves them.
const builderRequire = createRequire(require.resolve('electron-builder/package.json'))
const appBuilderRequire = createRequire(builderRequire.resolve('app-builder-lib/package.json'))

interface Run {
  code: number | null
  stdout: string
  stderr: string
  durationMs: number
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  const startedAt = performance.now()
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.killed) reject(error)
        else
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
            stdout,
            stderr,
            durationMs: performance.now() - startedAt,
          })
      },
    )
  })
}

function electronRuntimeInstalled(): boolean {
  try {
    require('electron')
    return true
  } catch {
    return false
  }
}

/** Width and height from a PNG's IHDR chunk (which must come first). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

interface FileAssociation {
  ext: string
  name?: string
  role?: string
  icon?: string
  mimeType?: string
}
interface BuilderConfig {
  appId: string
  productName: string
  files: Array<{ filter: string[] }>
  asar: boolean
  extraResources: Array<{ from: string; to: string; filter?: string[] }>
  fileAssociations: FileAssociation[]
  mac: { target: string; category: string }
  win: { target: string }
  nsis: { perMachine: boolean }
  linux: {
    target: string[]
    category: string
    executableName: string
    fileAssociations: FileAssociation[]
  }
  deb: { fpm: string[] }
}

const CONFIG = join(REPO_ROOT, 'build/electron-builder.yml')

describe('npm run package', () => {
  const installed = electronRuntimeInstalled()
  if (installed) {
    // It would package for real (a minute or more and GitHub downloads): not a unit of CI.
    console.warn("package.test: Electron's runtime is installed here; npm run package not run")
  }

  it.skipIf(installed)(
    "says plainly that Electron's runtime cannot be downloaded, packages nothing, exits 3",
    async () => {
      const cache = await mkdtemp(join(tmpdir(), 'heapgraph-electron-cache-'))
      const hadRelease = await access(join(REPO_ROOT, 'release')).then(
        () => true,
        () => false,
      )
      try {
        const result = await run('npm', ['run', 'package', '--silent'], {
          env: {
            ...process.env,
            // Where the runtime cannot come from on any machine: a closed loopback port and an
            // empty download cache (so the test never downloads Electron, even with network).
            ELECTRON_MIRROR: 'http://127.0.0.1:9/',
            electron_config_cache: cache,
          },
          timeoutMs: 150_000,
        })
        expect(result.code, result.stderr).toBe(3)
        expect(result.stderr).toMatch(
          /^Electron's runtime cannot be downloaded here \(.+\); nothing was packaged\.$/m,
        )
        expect(result.stderr).not.toContain('    at ')
        expect(result.durationMs).toBeLessThan(150_000)
        if (!hadRelease) await expect(access(join(REPO_ROOT, 'release'))).rejects.toThrow()
      } finally {
        await rm(cache, { recursive: true, force: true })
      }
    },
    180_000,
  )
})

describe('build/electron-builder.yml', () => {
  let config: BuilderConfig

  beforeAll(async () => {
    const { getConfig, validateConfiguration } = appBuilderRequire('./out/util/config/config.js')
    const { DebugLogger } = appBuilderRequire('builder-util')
    config = await getConfig(REPO_ROOT, CONFIG, null)
    // Throws on any option electron-builder does not know or a wrong type.
    await validateConfiguration(config, new DebugLogger(false))
  })

  it('builds AppImage and deb on Linux, a dmg on macOS and an NSIS installer on Windows', () => {
    expect(config.productName).toBe('Heapgraph')
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/)
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.linux.category).toBe('Development')
    expect(config.mac.target).toBe('dmg')
    expect(config.win.target).toBe('nsis')
    // Windows registers file associations only for a per-machine install.
    expect(config.nsis.perMachine).toBe(true)
  })

  it('associates .heapsnapshot everywhere and .heapsnapshot.gz on Linux, as a viewer', async () => {
    const [snapshot] = config.fileAssociations
    expect(snapshot).toMatchObject({ ext: 'heapsnapshot', role: 'Viewer' })
    expect(snapshot.name).toBeTruthy()
    expect(snapshot.mimeType).toBe('application/x-heapsnapshot')
    // The document icon: heapsnapshot.icns on macOS, heapsnapshot.ico on Windows.
    const icns = await readFile(join(REPO_ROOT, 'build', `${snapshot.icon}.icns`))
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const ico = await readFile(join(REPO_ROOT, 'build', `${snapshot.icon}.ico`))
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1])
    expect(config.linux.fileAssociations).toEqual([
      expect.objectContaining({
        ext: 'heapsnapshot.gz',
        role: 'Viewer',
        mimeType: expect.any(String),
      }),
    ])
  })

  it('has a 512×512 PNG app icon', async () => {
    expect(pngSize(await readFile(join(REPO_ROOT, 'build/icon.png')))).toEqual({
      width: 512,
      height: 512,
    })
  })

  it('ships the bundles, the demo and package.json in an asar, no sources or tests', () => {
    expect(config.asar).toBe(true)
    const filter = config.files.flatMap((set) => set.filter)
    expect(filter).toEqual(expect.arrayContaining(['dist/**', 'demo/**', 'package.json']))
    for (const pattern of filter.filter((entry) => !entry.startsWith('!'))) {
      expect(pattern).toMatch(/^(dist|demo)\/|^package\.json$/)
    }
  })

  it('names the same binaries and folders as the CLI launchers it installs', async () => {
    expect(config.extraResources).toEqual([
      { from: 'build/bin', to: 'bin' },
      { from: 'python/heapgraph_py', to: 'python/heapgraph_py', filter: ['*.py', 'py.typed'] },
    ])
    const launcher = await readFile(join(REPO_ROOT, 'build/bin/heapgraph'), 'utf8')
    expect(launcher).toContain(`/../${config.linux.executableName}`)
    expect(launcher).toContain(`/../MacOS/${config.productName}`)
    expect(launcher).toContain('app.asar/dist/cli/heapgraph.cjs')
    const cmd = await readFile(join(REPO_ROOT, 'build/bin/heapgraph.cmd'), 'utf8')
    expect(cmd).toContain(`%~dp0..\\..\\${config.productName}.exe`)
    expect(cmd).toContain('app.asar\\dist\\cli\\heapgraph.cjs')
    // The deb puts the CLI on the PATH; electron-builder installs the app in /opt/<product>.
    const [source, destination] = config.deb.fpm[0].split('=')
    expect(destination).toBe('/usr/bin/heapgraph')
    expect(await readFile(join(REPO_ROOT, source), 'utf8')).toContain(
      `/opt/${config.productName}/resources/bin/heapgraph`,
    )
    for (const script of ['build/bin/heapgraph', source]) {
      await access(join(REPO_ROOT, script), constants.X_OK)
    }
  })
})

describe('the CLI the installed app ships', () => {
  let work: string
  let snapshot: string
  let npmBinSummary: string

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'heapgraph-package-'))
    snapshot = await fixture('map-cache')
    const built = await run(process.execPath, [
      'scripts/build.mjs',
      '--out',
      join(work, 'project/dist'),
      'node',
    ])
    expect(built.code, built.stderr).toBe(0)
    const npmBin = await runCli(['summary', snapshot, '--json', '--top', '10'])
    expect(npmBin.code, npmBin.stderr).toBe(0)
    npmBinSummary = npmBin.stdout
  }, 180_000)

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('answers as the npm bin does, with plain Node and no TypeScript loader', async () => {
    const cli = join(work, 'project/dist/cli/heapgraph.cjs')
    const summary = await run(process.execPath, [cli, 'summary', snapshot, '--json', '--top', '10'])
    expect(summary.code, summary.stderr).toBe(0)
    expect(summary.stdout).toBe(npmBinSummary)
    const usage = await run(process.execPath, [cli, 'frobnicate'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toBe('heapgraph: unknown command "frobnicate" (try heapgraph --help)\n')
  })

  it.skipIf(process.platform === 'win32')(
    'runs from a packed app folder through its launcher, as /usr/bin/heapgraph does',
    async () => {
      // The project as electron-builder sees it after `npm run build` (the UI is a stand-in).
      const project = join(work, 'project')
      await cp(join(REPO_ROOT, 'build'), join(project, 'build'), { recursive: true })
      await cp(join(REPO_ROOT, 'demo'), join(project, 'demo'), { recursive: true })
      await cp(join(REPO_ROOT, 'package.json'), join(project, 'package.json'))
      await symlink(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir')
      await mkdir(join(project, 'dist/renderer'), { recursive: true })
      await writeFile(join(project, 'dist/renderer/index.html'), '<!doctype html><title>UI</title>')
      // Electron's runtime stand-in: Node under the name electron-builder copies and renames.
      const runtime = join(work, 'runtime')
      await mkdir(runtime)
      await writeFile(join(runtime, 'electron'), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`, {
        mode: 0o755,
      })
      const output = join(work, 'release')
      const packed = await run(
        process.execPath,
        [
          require.resolve('electron-builder/cli.js'),
          '--projectDir',
          project,
          '--linux',
          'dir',
          '--config',
          'build/electron-builder.yml',
          `-c.electronDist=${runtime}`,
          `-c.directories.output=${output}`,
        ],
        { timeoutMs: 150_000 },
      )
      expect(packed.code, packed.stdout + packed.stderr).toBe(0)

      const app = join(output, 'linux-unpacked')
      const resources = join(app, 'resources')
      const asar = appBuilderRequire('@electron/asar') as {
        listPackage(archive: string): string[]
        extractAll(archive: string, destination: string): void
      }
      const listed = asar
        .listPackage(join(resources, 'app.asar'))
        .map((path) => path.replace(/\\/g, '/'))
      expect(listed).toEqual(
        expect.arrayContaining([
          '/package.json',
          '/demo/leaky-app.cjs',
          '/dist/cli/heapgraph.cjs',
          '/dist/electron/main.cjs',
          '/dist/electron/preload.cjs',
          '/dist/electron/engine-host.cjs',
          '/dist/renderer/index.html',
        ]),
      )
      for (const path of listed) {
        expect(path).toMatch(
          /^\/(package\.json|demo(\/.*)?|dist(\/(cli|electron|renderer)(\/.*)?)?)$/,
        )
        expect(path).not.toMatch(/\.(map|ts|tsx)$/)
      }
      await access(join(app, 'heapgraph-desktop'), constants.X_OK)
      await access(join(resources, 'bin/heapgraph.cmd'))

      // Node cannot read inside an asar (Electron can): unpack it under the same name.
      asar.extractAll(join(resources, 'app.asar'), join(resources, 'app.unpacked'))
      await rename(join(resources, 'app.asar'), join(work, 'app.asar'))
      await rename(join(resources, 'app.unpacked'), join(resources, 'app.asar'))
      // Reached through a symlink, as the deb's /usr/bin/heapgraph reaches it.
      const link = join(work, 'heapgraph')
      await symlink(join(resources, 'bin/heapgraph'), link)
      const summary = await run(link, ['summary', snapshot, '--json', '--top', '10'], {
        cwd: dirname(link),
      })
      expect(summary.code, summary.stderr).toBe(0)
      expect(JSON.parse(summary.stdout)).toEqual(JSON.parse(npmBinSummary))
    },
    180_000,
  )
})
