import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
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
