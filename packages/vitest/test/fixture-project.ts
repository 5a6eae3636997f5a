import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach } from 'vitest'
import { createTestRunner, type TestRunner, type TestRunnerOptions } from '../src/test-runner.js'
import type { FileResult, RunResult, TestErrorInfo, TestResult } from '../src/types.js'

/** The real folder of the repo's own vitest (pnpm keeps it under node_modules/.pnpm). */
export const REPO_VITEST = realpathSync(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
)
/** This package's folder: fixtures link it to import `@hearth/vitest/env` from their tests. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))

/**
 * Vite's conditions with ours in front, as in the repo's vitest.config.ts: a fixture that links this
 * package imports its TypeScript sources, no build needed.
 */
export const SOURCE_CONDITIONS = `const conditions = ['@hearth/source', 'module', 'node', 'development|production']`

export interface FixtureProject {
  root: string
  /** Writes a file (creating folders) and returns its absolute path. */
  write(file: string, text: string): string
  remove(file: string): void
  path(file: string): string
}

const roots: string[] = []

/**
 * A small project in a temp folder whose `node_modules/vitest` links the repo's Vitest, so it
 * resolves `vitest` from its own root as a user's project does. `vitest: false` leaves it without.
 */
export function createFixtureProject(
  files: Record<string, string>,
  options: { vitest?: boolean; linkHearth?: boolean } = {},
): FixtureProject {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-vitest-')))
  roots.push(root)
  const project: FixtureProject = {
    root,
    path: (file) => path.join(root, file),
    write(file, text) {
      const target = path.join(root, file)
      mkdirSync(path.dirname(target), { recursive: true })
      writeFileSync(target, text)
      return target
    },
    remove(file) {
      unlinkSync(path.join(root, file))
    },
  }
  project.write('package.json', JSON.stringify({ name: 'fixture', private: true, type: 'module' }))
  if (options.vitest !== false) {
    mkdirSync(path.join(root, 'node_modules'), { recursive: true })
    symlinkSync(REPO_VITEST, path.join(root, 'node_modules/vitest'), 'dir')
  }
  if (options.linkHearth) {
    mkdirSync(path.join(root, 'node_modules/@hearth'), { recursive: true })
    symlinkSync(PACKAGE_DIR, path.join(root, 'node_modules/@hearth/vitest'), 'dir')
  }
  for (const [file, text] of Object.entries(files)) project.write(file, text)
  return project
}

/** Removes every fixture created so far (call from afterAll). */
export function removeFixtureProjects(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
}

/**
 * A run's result with what varies from run to run taken out: paths as `<root>/…`, durations as
 * `ms`, stacks dropped (the location stays), console time dropped. Files sorted by path.
 */
export function normalizeRun(result: RunResult, root: string) {
  const rel = (file: string) => file.replace(root, '<root>')
  const error = (e: TestErrorInfo) => ({
    ...e,
    stack: undefined,
    location: e.location && `${rel(e.location.file)}:${e.location.line}:${e.location.column}`,
  })
  const output = (entries: FileResult['console']) => entries.map((c) => `${c.stream}: ${c.text.trimEnd()}`)
  const test = (t: TestResult) => ({
    name: t.name,
    state: t.state,
    ms: typeof t.durationMs === 'number',
    errors: t.errors.map(error),
    console: output(t.console),
  })
  return {
    cancelled: result.cancelled,
    errors: result.errors.map(error),
    notRun: result.notRun.map((n) => `${n.reason}: ${rel(n.file)}`),
    files: [...result.files]
      .sort((a, b) => a.file.localeCompare(b.file) || a.project.localeCompare(b.project))
      .map((f) => ({
        file: rel(f.file),
        project: f.project,
        state: f.state,
        ms: typeof f.durationMs === 'number',
        errors: f.errors.map(error),
        console: output(f.console),
        tests: f.tests.map(test),
      })),
  }
}

/** Strips `undefined` fields so inline snapshots show only what is there. */
export function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export interface ProcessInfo {
  pid: number
  ppid: number
  cwd: string
  env: Record<string, string>
}

/** The live processes (from /proc) whose working directory is `dir` or a folder below it. */
export function processesUnder(dir: string): ProcessInfo[] {
  const found: ProcessInfo[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`)
      if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // Zombies are gone already, only not reaped yet.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (state === 'Z') continue
      const env = Object.fromEntries(
        readFileSync(`/proc/${entry}/environ`, 'utf8')
          .split('\0')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      )
      found.push({ pid: Number(entry), ppid: Number(ppid), cwd, env })
    } catch {
      // It exited while we looked.
    }
  }
  return found
}

/** The Vitest hosts (hearth's `test-runner` processes) working in `dir` or below. */
export function hostsUnder(dir: string): ProcessInfo[] {
  return processesUnder(dir).filter((p) => p.env.HEARTH_LABEL_KIND === 'test-runner')
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/**
 * For a test file that starts runners on fixture projects: the function that starts one (closed
 * after each test, whatever its outcome), with the fixture projects removed after the file.
 */
export function useRunners(): (
  project: FixtureProject,
  options?: Partial<TestRunnerOptions>,
) => Promise<TestRunner> {
  const runners: TestRunner[] = []
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.close()))
  })
  afterAll(removeFixtureProjects)
  return async (project, options = {}) => {
    const runner = await createTestRunner({ root: project.root, mode: 'once', ...options })
    runners.push(runner)
    return runner
  }
}
