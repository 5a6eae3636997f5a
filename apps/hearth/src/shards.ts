import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { type ClassifiedTestFile, type HearthState, selectColdStart } from '@hearth/core'
import { writeFileAtomic } from '@hearth/driver'
import { parseDuration } from '@hearth/environments'
import {
  parseTimingHistory,
  planShards,
  proposeShardCount,
  recordEnvironmentStartups,
  type ShardPlan,
  serializeTimingHistory,
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
  /** The `--since` the plan was made with: `ci --plan` selects with it too. */
  since: string | null
  version: string
}

/** Where every `hearth ci` keeps the timing history, under the project root. */
export function timingsFile(root: string): string {
  return path.join(root, '.hearth', 'timings.json')
}

export async function readTimingHistory(root: string): Promise<TimingHistory> {
  return parseTimingHistory(await readFile(timingsFile(root), 'utf8').catch(() => null))
}

/**
 * Folds the cold starts of this session's environments into the timing history, so that plans
 * know what each shard pays for the environments it needs. Attached (warm) environments teach
 * nothing; failing to write the history must not fail the run.
 */
export async function recordStartups(root: string, state: HearthState, at = new Date()): Promise<void> {
  const startups = Object.keys(state.environments)
    .map((name) => ({ name, durationMs: selectColdStart(state, name) }))
    .filter((entry): entry is { name: string; durationMs: number } => entry.durationMs !== null)
  if (startups.length === 0) return
  try {
    const history = recordEnvironmentStartups(await readTimingHistory(root), startups, at)
    await writeFileAtomic(timingsFile(root), serializeTimingHistory(history))
  } catch {
    // The history is a cache: the next run measures again.
  }
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
    ...(existsSync(file.file) ? { sizeBytes: statSync(file.file).size } : {}),
  }))
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
  const problem =
    plan === null || typeof plan !== 'object'
      ? 'it is not an object'
      : plan.schema !== 'hearth.plan/1'
        ? `its "schema" is ${JSON.stringify(plan.schema)}, not "hearth.plan/1"`
        : !Number.isInteger(plan.shardCount) || (plan.shardCount ?? 0) < 1
          ? '"shardCount" is not a whole number from 1'
          : !Array.isArray(plan.shards) || plan.shards.length !== plan.shardCount
            ? '"shards" does not hold one entry per shard'
            : plan.shards.some(
                  (shard) =>
                    !Array.isArray(shard?.files) ||
                    shard.files.some((entry) => typeof entry?.path !== 'string'),
                )
              ? 'a shard\'s "files" is not a list of { path }'
              : null
  if (problem !== null)
    throw new UsageError(
      `the plan ${file} is not a hearth plan: ${problem}`,
      'write it again with `hearth plan --output FILE` (of this hearth version)',
    )
  return plan as PlanFile
}

/** What one shard runs of the selected files, and what the plan and the selection disagree on. */
export interface ShardPart {
  /** The selected files this shard runs (absolute paths). */
  files: string[]
  /** Selected files the plan does not hold (added since it was made): they run on the shard their path's hash picks. */
  unplanned: string[]
  /** Files in this shard of the plan that are not selected now (deleted or renamed since). */
  missing: string[]
}

/**
 * The part of `selected` (absolute path → relative path) that shard `ref` runs under `plan`. Every
 * selected file runs on exactly one shard: the plan's, or for a file the plan does not know, the
 * shard a hash of its path picks (the same on every machine).
 */
export function shardPart(plan: ShardPlan, ref: ShardRef, selected: ReadonlyMap<string, string>): ShardPart {
  const home = new Map<string, number>()
  for (const shard of plan.shards) for (const file of shard.files) home.set(file.path, shard.index)
  const byRelative = new Map([...selected].map(([file, relative]) => [relative, file]))
  const files: string[] = []
  const unplanned: string[] = []
  for (const [file, relative] of selected) {
    const index = home.get(relative)
    if (index === undefined) {
      unplanned.push(relative)
      if (hashShard(relative, ref.total) === ref.index) files.push(file)
    } else if (index === ref.index) files.push(file)
  }
  const mine = plan.shards.find((shard) => shard.index === ref.index)?.files ?? []
  const missing = mine.map((file) => file.path).filter((relative) => !byRelative.has(relative))
  return { files: files.sort(), unplanned: unplanned.sort(), missing: missing.sort() }
}

/** A shard for a path, from a digest of it: stable across machines and runs. */
export function hashShard(relative: string, total: number): number {
  const digest = createHash('sha256').update(relative).digest()
  return (digest.readUInt32BE(0) % total) + 1
}
