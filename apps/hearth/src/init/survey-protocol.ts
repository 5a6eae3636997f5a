/**
 * The messages between `hearth init` and its Vitest surveyor (`vitest-survey.ts`), a short-lived
 * child process that loads the project's own Vitest, owner by owner, and reports what Vitest
 * resolved: each project's globs and setup files, and which project each test file belongs to.
 */

export interface SurveyOwner {
  /** The owner's folder: Vitest's root. */
  root: string
  /** Its config file, or null for Vitest's defaults. */
  configFile: string | null
  /** The `vitest/node` entry the folder resolves. */
  nodeEntry: string
}

export interface SurveyRequest {
  owners: readonly SurveyOwner[]
}

/** A Vitest project as Vitest resolved it. */
export interface SurveyedProject {
  /** Empty for the one unnamed project of a config without `test.projects`. */
  name: string
  /** Its root (absolute). */
  root: string
  /** The folder its `include` globs are relative to (`test.dir`, default the root). */
  dir: string
  include: string[]
  exclude: string[]
  /** Absolute, as Vitest resolved them. */
  setupFiles: string[]
  globalSetup: string[]
  /** The config file that defines it (a package's own, for a project listed by glob), or null. */
  configFile: string | null
}

export interface SurveyedFile {
  /** Absolute. */
  file: string
  /** The name of the project that runs it. */
  project: string
}

export type SurveyedOwner =
  | {
      root: string
      configFile: string | null
      projects: SurveyedProject[]
      files: SurveyedFile[]
    }
  | { root: string; configFile: string | null; error: string }

export interface SurveyResponse {
  owners: SurveyedOwner[]
}

/** Sent before each owner is loaded: a config that never settles or crashes is then named. */
export interface SurveyProgress {
  loading: SurveyOwner
}

/** What the surveyor sends: progress, then the response. */
export type SurveyMessage = SurveyProgress | SurveyResponse
