import type { RunEvent, RunResult } from './types.js'
import type { InstanceProject, TestGlob, TestRunnerMode } from './vitest-instance.js'

/**
 * The messages between hearth and a Vitest host (a child process per owner, `vitest-host.ts`), over
 * Node's IPC channel with `serialization: 'advanced'`. Requests carry an id; a run's events carry
 * the run's id and are sent as Vitest reports them.
 */

export interface HostInit {
  /** The owner's folder: the host's cwd and Vitest's root. */
  root: string
  configFile: string | null
  /** The `vitest/node` entry the owner's folder resolves. */
  nodeEntry: string
  mode: TestRunnerMode
  env: Readonly<Record<string, string>>
  cancelGraceMs: number
  /** After a close or a lost parent, how long Vitest may take to close before the host exits anyway. */
  closeDeadlineMs: number
}

export type ToHost =
  | { type: 'init'; init: HostInit }
  | { type: 'list'; id: number }
  | { type: 'run'; id: number; files: readonly string[]; env: Readonly<Record<string, string>> | undefined }
  | { type: 'cancel'; id: number }
  | { type: 'invalidate'; files: readonly string[] }
  | { type: 'close' }
  /** Instead of init: list the test files of these owners, one after the other, then wait for close. */
  | { type: 'survey'; owners: readonly SurveyOwner[] }

export interface SurveyOwner {
  root: string
  configFile: string | null
  nodeEntry: string
}

export type SurveyResult =
  | {
      root: string
      files: string[]
      configDependencies: readonly string[]
      testGlobs: readonly TestGlob[] | null
    }
  | { root: string; error: string }

export interface HostReady {
  configFile: string | null
  projects: readonly InstanceProject[]
  configDependencies: readonly string[]
  testGlobs: readonly TestGlob[] | null
}

export type FromHost =
  | { type: 'ready'; ready: HostReady }
  | { type: 'init-failed'; message: string }
  | { type: 'listed'; id: number; files: string[] }
  | { type: 'event'; id: number; event: RunEvent }
  | { type: 'done'; id: number; result: RunResult }
  | { type: 'failed'; id: number; message: string; stack?: string }
  | { type: 'surveyed'; results: SurveyResult[] }

/** The prefix of the label variables (`labelEnvName` in @hearth/driver's labels.ts). */
export const LABEL_VARIABLE_PREFIX = 'HEARTH_LABEL_'
/** `labelEnvName(LABELS.managed)` and `labelEnvName(LABELS.kind)` (@hearth/driver's labels.ts). */
export const MANAGED_VARIABLE = 'HEARTH_LABEL_MANAGED'
export const KIND_VARIABLE = 'HEARTH_LABEL_KIND'
/** The kind label of a Vitest host. */
export const HOST_KIND = 'test-runner'
