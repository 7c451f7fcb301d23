// The real CLI (bin/heapgraph.mjs) as a child process, for the CLI tests: run it, parse its JSON,
// and check the error contract (exit 2 for usage, 1 otherwise; one stderr line; no stack trace).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect } from 'vitest'
import { REPO_ROOT } from './fixtures'

export const BIN = join(REPO_ROOT, 'bin/heapgraph.mjs')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  durationMs: number
}

export interface RunOptions {
  /** Files loaded with --import before the CLI. */
  imports?: readonly string[]
  env?: Record<string, string>
  /** The Node binary to run it with (default: this process's). */
  node?: string
}

/** Runs `heapgraph ...args` from the repo root; never rejects on a non-zero exit. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  // The child must not inherit vitest's loaders.
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  delete env.NODE_OPTIONS
  const imports = (options.imports ?? []).flatMap((file) => ['--import', pathToFileURL(file).href])
  const startedAt = performance.now()
  return new Promise((resolve, reject) => {
    execFile(
      options.node ?? process.execPath,
      [...imports, BIN, ...args],
      { cwd: REPO_ROOT, env, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        const durationMs = performance.now() - startedAt
        if (error && typeof error.code !== 'number') reject(error)
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr, durationMs })
      },
    )
  })
}

/** Runs a command that must succeed and parses its JSON output. */
export async function runJson<T>(args: readonly string[]): Promise<T> {
  const result = await runCli(args)
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as T
}

/** The error contract: this exit code and exactly one line on stderr, no stack trace. */
export function expectOneLineError(result: CliResult, code: number): string {
  expect(result.code, result.stderr).toBe(code)
  expect(result.stderr).toMatch(/^heapgraph: [^\n]+\n$/)
  expect(result.stderr).not.toContain('    at ')
  return result.stderr
}
