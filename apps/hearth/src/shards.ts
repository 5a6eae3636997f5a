import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { type ClassifiedTestFile, type HearthState, selectColdStart, selectRunFiles } from '@hearth/core'
import { writeFileAtomic } from '@hearth/driver'
import { parseDuration } from '@hearth/environments'
import {
  type EnvironmentStartup,
  parseTimingHistory,
  planDigest,
  planShards,
  proposeShardCount,
  recordEnvironmentStartups,
  recordRunOverhead,
  recordTimings,
  type ShardPlan,
  serializeTimingHistory,
  type TimedFile,
  type TimingHistory,
} from '@hearth/sharding'
import { UsageError } from './args.js'

/** One shard of a plan, as `--shard 2/4` names it (1-based). */
export interface ShardRef {
  index: number
  total: number
}

/** The plan file `hearth plan --output` writes and `hearth ci --plan` reads. */
export interface PlanFile extends ShardPlan {
  project: { name: string; id: string } | null
  /**
   * The commit `--since` named when the plan was made (its SHA: the ref may move before the shards
   * run), or null; `ci --plan` selects with it too.
   */
  since: string | null
  /** The `--since` as given (`origin/main`), for people. */
  sinceRef: string | null
  version: string
}

/** Where every `hearth ci` keeps the timing history, under the project root. */
export function timingsFile(root: string): string {
  return path.join(root, '.hearth', 'timings.json')
}

export async function readTimingHistory(root: string): Promise<TimingHistory> {
  return parseTimingHistory(await readFile(timingsFile(root), 'utf8').catch(() => null))
}

/** The environments this session started cold, with how long each took (see selectColdStart). */
export function coldStarts(state: HearthState): Array<{ name: string; durationMs: number }> {
  return Object.keys(state.environments)
    .map((name) => ({ name, durationMs: selectColdStart(state, name) }))
    .filter((entry): entry is { name: string; durationMs: number } => entry.durationMs !== null)
}

/**
 * What a run cost besides its files' own time and its environments' cold starts: the process's
 * whole time so far (`wallMs`: starting Node, loading the config, starting the runner, resets,
 * clean-up) less those. Files that ran side by side can make it look smaller than it is; it is
 * never below 0.
 */
export function runOverhead(state: HearthState, wallMs: number): number {
  const files = selectRunFiles(state).reduce((sum, file) => sum + (file.durationMs ?? 0), 0)
  const startups = coldStarts(state).reduce((sum, entry) => sum + entry.durationMs, 0)
  return Math.max(0, Math.round(wallMs - files - startups))
}

/**
 * Folds what this run measured besides its files (those the test controller records) into the
 * timing history: the cold starts of its environments, and its fixed cost when known, so that plans
 * know what a shard pays besides its files. Failing to write the history must not fail the run.
 */
export async function recordRunCosts(
  root: string,
  state: HearthState,
  overheadMs: number | null,
  at = new Date(),
): Promise<void> {
  const startups = coldStarts(state)
  if (startups.length === 0 && overheadMs === null) return
  try {
    await foldIntoHistory(root, { startups, overheads: overheadMs === null ? [] : [overheadMs] }, at)
  } catch {
    // The history is a cache: the next run measures again.
  }
}

/**
 * Folds what runs measured (files' durations, environments' cold starts, runs' fixed costs) into
 * the timing history at `root`: one read, one atomic write. A missing or damaged history is empty.
 */
export async function foldIntoHistory(
  root: string,
  measured: {
    files?: readonly TimedFile[]
    startups: readonly EnvironmentStartup[]
    overheads: readonly number[]
  },
  at: Date,
): Promise<string> {
  let history = recordEnvironmentStartups(
    recordTimings(await readTimingHistory(root), measured.files ?? [], at),
    measured.startups,
    at,
  )
  for (const overheadMs of measured.overheads) history = recordRunOverhead(history, overheadMs, at)
  const file = timingsFile(root)
  await writeFileAtomic(file, serializeTimingHistory(history))
  return file
}

/** `--shard 2/4` → { index: 2, total: 4 }; anything else is a usage error that shows the form. */
export function parseShardArg(text: string): ShardRef {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  const index = match === null ? Number.NaN : Number(match[1])
  const total = match === null ? Number.NaN : Number(match[2])
  if (!Number.isInteger(index) || !Number.isInteger(total) || total < 1 || index < 1 || index > total)
    throw new UsageError(
      `--shard takes i/N with 1 ≤ i ≤ N, got "${text}"`,
      'write e.g. --shard 2/4 (the second of four shards)',
    )
  return { index, total }
}

/** `--shards N`: a whole number from 1. */
export function parseShardCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_SHARDS)
    throw new UsageError(
      `--shards takes a whole number from 1 to ${MAX_SHARDS}, got "${text}"`,
      'write e.g. --shards 4',
    )
  return Number(text)
}

/** The most shards a plan proposes or takes (GitLab's `parallel` takes up to 200 jobs). */
export const MAX_SHARDS = 200

/** `--target 5m` → ms (`90s`, `5m`, `1.5h`, `45000ms`). */
export function parseTarget(text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? null : parseDuration(text)
  if (ms === null)
    throw new UsageError(
      `--target takes a duration such as 5m, 90s or 1.5h, got "${text}"`,
      'write e.g. --target 5m (the longest a shard should take)',
    )
  return ms
}

/** The planner's input for the selected files: their groups, environments and sizes. */
export function planInput(files: readonly ClassifiedTestFile[]) {
  return files.map((file) => ({
    path: file.path,
    group: file.group,
    environment: file.environment,
    ...(existsSync(file.file) ? { sizeBytes: sizeOf(file.file) } : {}),
  }))
}

/**
 * A file's size for predictions, carriage returns left out: a checkout with CRLF line ends (Windows
 * runners) must predict, and so plan, as one with LF ends does.
 */
function sizeOf(file: string): number {
  const bytes = readFileSync(file)
  let returns = 0
  for (const byte of bytes) if (byte === 13) returns++
  return bytes.length - returns
}

export function makePlan(
  files: readonly ClassifiedTestFile[],
  history: TimingHistory,
  shards: number,
): ShardPlan {
  return planShards({ files: planInput(files), history, shards })
}

export function makePlanForTarget(
  files: readonly ClassifiedTestFile[],
  history: TimingHistory,
  targetMs: number,
): { plan: ShardPlan; fits: boolean } {
  return proposeShardCount({ files: planInput(files), history, targetMs, maxShards: MAX_SHARDS })
}

/** Reads and checks a plan file; what is wrong with it is a usage error naming the file. */
export async function readPlanFile(file: string): Promise<PlanFile> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read the plan ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      'pass the file `hearth plan --output FILE` wrote (download it from the plan job first)',
    )
  })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(
      `the plan ${file} is not JSON (${(error as Error).message})`,
      'write it again with `hearth plan --output FILE`',
    )
  }
  const plan = value as Partial<PlanFile>
  const problem = planProblem(plan)
  if (problem !== null)
    throw new UsageError(
      `the plan ${file} is not a hearth plan: ${problem}`,
      'write it again with `hearth plan --output FILE` (of this hearth version), and pass it unchanged',
    )
  return plan as PlanFile
}

/** What is wrong with a plan read back, or null: the checks that keep every file on one shard. */
function planProblem(plan: Partial<PlanFile>): string | null {
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) return 'it is not an object'
  if (plan.schema !== 'hearth.plan/1')
    return `its "schema" is ${JSON.stringify(plan.schema)}, not "hearth.plan/1"`
  const count = plan.shardCount
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
    return '"shardCount" is not a whole number from 1'
  if (!Array.isArray(plan.shards) || plan.shards.length !== count)
    return `"shards" does not hold one entry for each of the ${count} shards`
  const seen = new Set<string>()
  for (const [at, shard] of plan.shards.entries()) {
    if (shard?.index !== at + 1)
      return `shards[${at}].index is ${JSON.stringify(shard?.index)}, not ${at + 1}`
    if (!Array.isArray(shard.files)) return `shards[${at}].files is not a list`
    for (const entry of shard.files) {
      if (typeof entry?.path !== 'string') return `shards[${at}].files holds an entry without a "path"`
      if (seen.has(entry.path)) return `${entry.path} is in two shards`
      seen.add(entry.path)
    }
  }
  if (typeof plan.digest !== 'string') return '"digest" is missing'
  // The digest names the assignment: a plan edited by hand (or cut short) does not match it.
  if (plan.digest !== planDigest(plan.shards))
    return `its files do not match its digest ${plan.digest} (edited?)`
  if (plan.since !== null && plan.since !== undefined && typeof plan.since !== 'string')
    return '"since" is neither null nor a commit'
  return null
}

/** What one shard runs, and what the plan and the project disagree on. */
export interface ShardPart {
  /** The files this shard runs (absolute paths). */
  files: string[]
  /** Selected files the plan does not hold (added since it was made): they run on the shard their path's hash picks. */
  unplanned: string[]
  /** Files of this shard in the plan that are no longer test files here (deleted or renamed since). */
  missing: string[]
}

/**
 * The part shard `ref` runs under `plan`: the plan's files of this shard that are still test files
 * (`discovered`: absolute path → relative), and of the files selected now (`selected`) that no shard
 * of the plan holds, those a hash of their path gives this shard. So every planned file runs where
 * the plan put it, whatever each machine selects, and every selected file runs on exactly one shard.
 */
export function shardPart(
  plan: ShardPlan,
  ref: ShardRef,
  selected: ReadonlyMap<string, string>,
  discovered: ReadonlyMap<string, string> = selected,
): ShardPart {
  const planned = new Set<string>()
  for (const shard of plan.shards) for (const file of shard.files) planned.add(file.path)
  const byRelative = new Map([...discovered].map(([file, relative]) => [relative, file]))
  const files: string[] = []
  const missing: string[] = []
  for (const { path: relative } of plan.shards.find((shard) => shard.index === ref.index)?.files ?? []) {
    const file = byRelative.get(relative)
    if (file === undefined) missing.push(relative)
    else files.push(file)
  }
  const unplanned: string[] = []
  for (const [file, relative] of selected) {
    if (planned.has(relative)) continue
    unplanned.push(relative)
    if (hashShard(relative, ref.total) === ref.index) files.push(file)
  }
  return { files: files.sort(), unplanned: unplanned.sort(), missing: missing.sort() }
}

/** A shard for a path, from a digest of it: stable across machines and runs. */
export function hashShard(relative: string, total: number): number {
  const digest = createHash('sha256').update(relative).digest()
  return (digest.readUInt32BE(0) % total) + 1
}
