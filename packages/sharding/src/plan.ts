/**
 * The shard planner: splits test files over N CI machines so that the slowest machine finishes as
 * early as possible, counting what each machine pays to start the environments its files need.
 *
 * Pure and deterministic: the same files, history and shard count give the same plan (and digest)
 * on every machine, whatever order the files come in. Paths are ordered by UTF-16 code unit, never
 * by locale; all arithmetic is done on integer tenths of a millisecond, so no sum depends on the
 * order it was added in.
 */
import { createHash } from 'node:crypto'
import { isFileTiming, type TimingHistory } from './timing-history.js'

export const PLAN_SCHEMA = 'hearth.plan/1'
/** A file's predicted time when the history knows no file at all (scaled by its size, if known). */
export const DEFAULT_FILE_MS = 1000
/** An environment's predicted cold start-up when the history has never seen it start. */
export const DEFAULT_STARTUP_MS = 10_000
/** How far `proposeShardCount` goes when no `maxShards` is given. */
export const DEFAULT_MAX_SHARDS = 32
/** A predicted time scales with the file's size relative to its peers, within these bounds. */
export const SIZE_SCALE_MIN = 0.25
export const SIZE_SCALE_MAX = 4

export interface PlanFile {
  /** Project-relative, forward slashes: the key of the timing history. */
  path: string
  group: string | null
  environment: string | null
  /** The file's size, used to scale a predicted time against files of known time; 0 = unknown. */
  sizeBytes?: number
}

export interface PlanOptions {
  files: readonly PlanFile[]
  history: TimingHistory
  shards: number
}

/** Where a file's predicted time came from. */
export type Prediction = 'history' | 'group' | 'suite' | 'default'

export interface PlannedFile {
  path: string
  group: string | null
  environment: string | null
  predictedMs: number
  prediction: Prediction
}

export interface PlannedEnvironment {
  name: string
  startupMs: number
  /** True when the history has no start-up of this environment (DEFAULT_STARTUP_MS was assumed). */
  predicted: boolean
}

export interface PlannedShard {
  /** 1-based, as in `hearth ci --shard i/N`. */
  index: number
  /** Sorted by path. */
  files: PlannedFile[]
  /** The environments the shard's files need, each started once on it; sorted by name. */
  environments: PlannedEnvironment[]
  testMs: number
  startupMs: number
  /** The fixed cost of a run (the history's `overhead`), paid by a shard with files; 0 by an empty one. */
  overheadMs: number
  /** testMs + startupMs + overheadMs. */
  predictedMs: number
}

export interface ShardPlan {
  schema: typeof PLAN_SCHEMA
  shardCount: number
  shards: PlannedShard[]
  /** All files plus each needed environment's start-up once. */
  totalMs: number
  /** The fixed cost every shard with files pays once (the history's `overhead`, else 0). */
  overheadMs: number
  /** The slowest shard. */
  predictedMaxMs: number
  /**
   * No plan's slowest shard can be faster: the average (totalMs / shardCount, as if start-ups were
   * shared) or the longest file with its environment's start-up, whichever is larger, plus the
   * fixed cost of a run. `file` names that file when it sets the floor.
   */
  lowerBound: { ms: number; by: 'average' | 'longest-file'; file: string | null }
  /** Paths whose time was predicted (not in the history), sorted. */
  predicted: string[]
  /** sha256 (hex, first 16) of the assignment: which path in which shard, and how many shards. */
  digest: string
}

export interface ProposeShardCountOptions extends Omit<PlanOptions, 'shards'> {
  /** The slowest shard should take no longer than this. */
  targetMs: number
  maxShards?: number
}

/**
 * Splits the files into `shards` shards. Throws a RangeError when `shards` is not a positive
 * integer; any history (empty, partial, hand-made) is accepted, unknown times are predicted.
 * Duplicate paths are planned once (the entry that sorts first by group, environment, size wins).
 */
export function planShards(options: PlanOptions): ShardPlan {
  const { shards } = options
  if (!Number.isSafeInteger(shards) || shards < 1) {
    throw new RangeError(`A plan needs a whole number of shards of at least 1, not ${String(shards)}.`)
  }
  return planPrepared(prepare(options.files, options.history), shards)
}

/**
 * The plan with the fewest shards (from 1 up to `maxShards`, default DEFAULT_MAX_SHARDS) whose
 * slowest shard is predicted to take at most `targetMs`; when none does, the plan with `maxShards`
 * shards and `fits: false`.
 */
export function proposeShardCount(options: ProposeShardCountOptions): { plan: ShardPlan; fits: boolean } {
  const { targetMs, maxShards = DEFAULT_MAX_SHARDS } = options
  if (!(targetMs > 0) || !Number.isFinite(targetMs)) {
    throw new RangeError(`A target time must be a positive number of milliseconds, not ${String(targetMs)}.`)
  }
  if (!Number.isSafeInteger(maxShards) || maxShards < 1) {
    throw new RangeError(`maxShards must be a whole number of at least 1, not ${String(maxShards)}.`)
  }
  const prepared = prepare(options.files, options.history)
  const { total, longest } = bounds(prepared.problem)
  // Each shard has the target less the fixed cost of a run for its work. Fewer shards than
  // total/room cannot fit (the floor leaves room for rounding), nor can any count when one file
  // alone is too long; more shards than files change nothing.
  const fixedMs = prepared.problem.ms.length === 0 ? 0 : prepared.overheadTicks / 10
  const roomMs = targetMs - fixedMs
  const from = roomMs > 0 ? Math.max(1, Math.floor(total / 10 / roomMs)) : 1
  const to = Math.min(maxShards, Math.max(1, prepared.problem.ms.length))
  if (roomMs > 0 && longest.ticks / 10 <= roomMs) {
    for (let count = from; count <= to; count++) {
      const plan = planPrepared(prepared, count)
      if (plan.predictedMaxMs <= targetMs) return { plan, fits: true }
    }
  }
  // Nothing fits: the fewest shards whose slowest is as short as any count can make it, which is
  // the longest file (with its environment's start-up) at best. More shards would only idle.
  const floorMs = longest.ticks / 10 + fixedMs
  let best: ShardPlan | null = null
  const first = Math.min(to, Math.max(1, Math.floor(total / Math.max(1, longest.ticks))))
  for (let count = first; count <= to; count++) {
    const plan = planPrepared(prepared, count)
    if (best === null || plan.predictedMaxMs < best.predictedMaxMs) best = plan
    if (plan.predictedMaxMs <= floorMs) break
  }
  return { plan: best ?? planPrepared(prepared, 1), fits: false }
}

/** The 1-based shard that runs `path`, or null when the plan does not hold it. */
export function shardOf(plan: ShardPlan, path: string): number | null {
  for (const shard of plan.shards) {
    if (shard.files.some((file) => file.path === path)) return shard.index
  }
  return null
}

// ---------------------------------------------------------------------------------------------
// Predictions

interface Prepared {
  /** In solver order: predicted time descending, then path. */
  files: PlannedFile[]
  environments: PlannedEnvironment[]
  /** The fixed cost of a run, in ticks (tenths of a millisecond). */
  overheadTicks: number
  problem: Problem
}

/** The solver's input: integers only (tenths of a millisecond), files in solver order. */
interface Problem {
  ms: number[]
  /** Index into `startup`, or -1 for a file that needs no environment. */
  env: number[]
  startup: number[]
  paths: string[]
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

function prepare(input: readonly PlanFile[], history: TimingHistory): Prepared {
  const files = canonicalFiles(input)
  const predicted = predict(files, history)
  predicted.sort((a, b) => b.ticks - a.ticks || compareText(a.file.path, b.file.path))

  const names = [...new Set(files.flatMap((file) => (file.environment === null ? [] : [file.environment])))]
  names.sort(compareText)
  const environments = names.map((name): PlannedEnvironment => {
    const known = ownEntry(history.environments, name)
    return known === undefined
      ? { name, startupMs: DEFAULT_STARTUP_MS, predicted: true }
      : { name, startupMs: toTicks(known.estimateMs) / 10, predicted: false }
  })
  const envIndex = new Map(names.map((name, index) => [name, index]))

  return {
    files: predicted.map(({ file, ticks, prediction }) => ({
      path: file.path,
      group: file.group,
      environment: file.environment,
      predictedMs: ticks / 10,
      prediction,
    })),
    environments,
    overheadTicks: history.overhead === undefined ? 0 : toTicks(history.overhead.estimateMs),
    problem: {
      ms: predicted.map(({ ticks }) => ticks),
      env: predicted.map(({ file }) => (file.environment === null ? -1 : envIndex.get(file.environment)!)),
      startup: environments.map(({ startupMs }) => toTicks(startupMs)),
      paths: predicted.map(({ file }) => file.path),
    },
  }
}

/** Sorted by path, one entry a path, whatever order (and duplicates) the caller passed. */
function canonicalFiles(input: readonly PlanFile[]): PlanFile[] {
  const sorted = input
    .map(({ path, group, environment, sizeBytes }) => ({
      path,
      group: group ?? null,
      environment: environment ?? null,
      ...(sizeBytes === undefined ? {} : { sizeBytes }),
    }))
    .sort(
      (a, b) =>
        compareText(a.path, b.path) ||
        compareNullable(a.group, b.group) ||
        compareNullable(a.environment, b.environment) ||
        (validSize(a.sizeBytes) ?? -1) - (validSize(b.sizeBytes) ?? -1),
    )
  return sorted.filter((file, index) => index === 0 || sorted[index - 1]!.path !== file.path)
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return compareText(a, b)
}

/**
 * A file in the history keeps its estimate. Another gets the median estimate of the known files of
 * its group (files without a group have none), else of the whole suite, scaled by its size against
 * the median size of those known files; with nothing known, DEFAULT_FILE_MS scaled by its size
 * against the median size of all files.
 */
function predict(
  files: readonly PlanFile[],
  history: TimingHistory,
): Array<{ file: PlanFile; ticks: number; prediction: Prediction }> {
  const known = files.map((file) => ownEntry(history.files, file.path)?.estimateMs)
  const suite = new Peers()
  const groups = new Map<string, Peers>()
  const allSizes: number[] = []
  files.forEach((file, index) => {
    const size = validSize(file.sizeBytes)
    if (size !== undefined) allSizes.push(size)
    const estimate = known[index]
    if (estimate === undefined) return
    suite.add(estimate, size)
    if (file.group !== null) {
      const peers = groups.get(file.group) ?? new Peers()
      groups.set(file.group, peers)
      peers.add(estimate, size)
    }
  })
  const medianSize = median(allSizes)

  return files.map((file, index) => {
    const estimate = known[index]
    if (estimate !== undefined) return { file, ticks: toTicks(estimate), prediction: 'history' }
    const size = validSize(file.sizeBytes)
    const group = file.group === null ? undefined : groups.get(file.group)
    const [peers, prediction]: [Peers, Prediction] =
      group !== undefined ? [group, 'group'] : [suite, suite.known > 0 ? 'suite' : 'default']
    if (prediction === 'default') {
      return { file, ticks: toTicks(DEFAULT_FILE_MS * sizeScale(size, medianSize)), prediction }
    }
    return { file, ticks: toTicks(peers.predict(size)), prediction }
  })
}

/** Known files that a file's time is predicted from: their median estimate and median size. */
class Peers {
  private readonly estimates: number[] = []
  private readonly sizes: number[] = []
  private medians: { estimate: number | undefined; size: number | undefined } | undefined

  get known(): number {
    return this.estimates.length
  }

  add(estimate: number, size: number | undefined): void {
    this.estimates.push(estimate)
    if (size !== undefined) this.sizes.push(size)
    this.medians = undefined
  }

  predict(size: number | undefined): number {
    this.medians ??= { estimate: median(this.estimates), size: median(this.sizes) }
    return this.medians.estimate! * sizeScale(size, this.medians.size)
  }
}

function sizeScale(size: number | undefined, medianSize: number | undefined): number {
  if (size === undefined || medianSize === undefined || medianSize <= 0) return 1
  return Math.min(SIZE_SCALE_MAX, Math.max(SIZE_SCALE_MIN, size / medianSize))
}

/** A size that says something: a positive, finite number (0 is what a missing file stats as). */
function validSize(size: number | undefined): number | undefined {
  return typeof size === 'number' && Number.isFinite(size) && size > 0 ? size : undefined
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** An own, usable entry (never one inherited from Object.prototype, nor a malformed one). */
function ownEntry(
  record: Readonly<Record<string, unknown>> | undefined,
  key: string,
): { estimateMs: number } | undefined {
  if (typeof record !== 'object' || record === null || !Object.hasOwn(record, key)) return undefined
  const value = record[key]
  return isFileTiming(value) ? value : undefined
}

/**
 * Tenths of a millisecond, capped at about 115 days, so that sums over any suite stay exact
 * integers (below 2^53) and an absurd history entry cannot overflow a shard's load.
 */
function toTicks(ms: number): number {
  return Math.min(Math.round(ms * 10), MAX_TICKS)
}

const MAX_TICKS = 1e11

// ---------------------------------------------------------------------------------------------
// Planning

function planPrepared(prepared: Prepared, shardCount: number): ShardPlan {
  const { problem } = prepared
  const assignment = solve(problem, shardCount)
  const { total, longest } = bounds(problem)
  const average = Math.ceil(total / shardCount)

  const shards: PlannedShard[] = []
  for (let index = 0; index < shardCount; index++) {
    shards.push({
      index: index + 1,
      files: [],
      environments: [],
      testMs: 0,
      startupMs: 0,
      overheadMs: 0,
      predictedMs: 0,
    })
  }
  const testTicks = new Array<number>(shardCount).fill(0)
  const envSets = Array.from({ length: shardCount }, () => new Set<number>())
  prepared.files.forEach((file, i) => {
    const shard = assignment[i]!
    shards[shard]!.files.push(file)
    testTicks[shard]! += problem.ms[i]!
    if (problem.env[i]! >= 0) envSets[shard]!.add(problem.env[i]!)
  })
  let maxTicks = 0
  for (const [index, shard] of shards.entries()) {
    shard.files.sort((a, b) => compareText(a.path, b.path))
    const envs = [...envSets[index]!].sort((a, b) => a - b)
    shard.environments = envs.map((env) => ({ ...prepared.environments[env]! }))
    const startupTicks = envs.reduce((sum, env) => sum + problem.startup[env]!, 0)
    const overhead = shard.files.length === 0 ? 0 : prepared.overheadTicks
    shard.testMs = testTicks[index]! / 10
    shard.startupMs = startupTicks / 10
    shard.overheadMs = overhead / 10
    shard.predictedMs = (testTicks[index]! + startupTicks + overhead) / 10
    maxTicks = Math.max(maxTicks, testTicks[index]! + startupTicks + overhead)
  }
  // Whatever the plan, the slowest shard runs files and pays the fixed cost once.
  const fixed = problem.ms.length === 0 ? 0 : prepared.overheadTicks

  const byLongest = longest.ticks > average
  return {
    schema: PLAN_SCHEMA,
    shardCount,
    shards,
    totalMs: total / 10,
    overheadMs: prepared.overheadTicks / 10,
    predictedMaxMs: maxTicks / 10,
    lowerBound: {
      ms: ((byLongest ? longest.ticks : average) + fixed) / 10,
      by: byLongest ? 'longest-file' : 'average',
      file: byLongest ? longest.path : null,
    },
    predicted: prepared.files
      .filter((file) => file.prediction !== 'history')
      .map((file) => file.path)
      .sort(compareText),
    digest: digestOf(shards),
  }
}

function bounds(problem: Problem): { total: number; longest: { ticks: number; path: string | null } } {
  let total = 0
  const needed = new Set<number>()
  let longest = { ticks: 0, path: null as string | null }
  problem.ms.forEach((ms, i) => {
    total += ms
    const env = problem.env[i]!
    const startup = env >= 0 ? problem.startup[env]! : 0
    if (env >= 0) needed.add(env)
    const ticks = ms + startup
    // Files are in solver order, so the first of equal length is the first by path among them.
    if (longest.path === null || ticks > longest.ticks) longest = { ticks, path: problem.paths[i]! }
  })
  for (const env of needed) total += problem.startup[env]!
  return { total, longest }
}

/**
 * The digest of an assignment: which path in which shard, and how many shards (a plan's `digest`).
 * A plan file read back can be checked against it.
 */
export function planDigest(shards: ReadonlyArray<{ files: ReadonlyArray<{ path: string }> }>): string {
  return digestOf(shards)
}

function digestOf(shards: ReadonlyArray<{ files: ReadonlyArray<{ path: string }> }>): string {
  const assignment = JSON.stringify([
    PLAN_SCHEMA,
    shards.map((shard) => shard.files.map((file) => file.path)),
  ])
  return createHash('sha256').update(assignment).digest('hex').slice(0, 16)
}

// ---------------------------------------------------------------------------------------------
// The solver. Three candidates, each improved by local search; the best one wins:
// - greedy: longest file first, onto the shard whose load (with any new start-up) grows least;
// - grouped: files of one environment together (largest environment first), packed first-fit into
//   shards of a capacity found by binary search (MULTIFIT), files without environment filling gaps;
// - packed: the same first-fit packing in plain longest-first order.
// Best = lowest slowest shard, then fewest start-ups paid, then most even loads, then candidate order.

/** Local search stops after this many evaluated moves or swaps per candidate, keeping big suites fast. */
const SEARCH_BUDGET = 500_000
/** Swaps are tried exhaustively below this many pairs per round, else near the balancing size only. */
const EXHAUSTIVE_SWAPS = 60_000
const SWAP_WINDOW = 4

function solve(problem: Problem, shardCount: number): Int32Array {
  const n = problem.ms.length
  if (n === 0) return new Int32Array(0)
  if (shardCount === 1) return new Int32Array(n)

  const candidates: Int32Array[] = [greedy(problem, shardCount)]
  const { total, longest } = bounds(problem)
  const floor = Math.max(Math.ceil(total / shardCount), longest.ticks)
  candidates.push(multifit(problem, shardCount, groupedOrder(problem), floor))
  // Without environments, grouping changes nothing: the plain packing would be the same candidate.
  if (problem.startup.length > 0) {
    candidates.push(
      multifit(
        problem,
        shardCount,
        problem.ms.map((_, i) => i),
        floor,
      ),
    )
  }

  let best: { assignment: Int32Array; score: Score } | undefined
  for (const candidate of candidates) {
    const state = new State(problem, shardCount, candidate)
    state.improve(floor)
    const score = state.score()
    if (best === undefined || compareScores(score, best.score) < 0) best = { assignment: state.assign, score }
  }
  return best!.assignment
}

interface Score {
  max: number
  startups: number
  squares: number
}

function compareScores(a: Score, b: Score): number {
  return a.max - b.max || a.startups - b.startups || a.squares - b.squares
}

function greedy(problem: Problem, shardCount: number): Int32Array {
  const { ms, env, startup } = problem
  const envCount = startup.length
  const assign = new Int32Array(ms.length)
  const load = new Float64Array(shardCount)
  const has = new Uint8Array(shardCount * envCount)
  for (let i = 0; i < ms.length; i++) {
    const e = env[i]!
    let bestShard = 0
    let bestLoad = Number.POSITIVE_INFINITY
    for (let k = 0; k < shardCount; k++) {
      const next = load[k]! + ms[i]! + (e >= 0 && has[k * envCount + e] === 0 ? startup[e]! : 0)
      if (next < bestLoad) {
        bestLoad = next
        bestShard = k
      }
    }
    assign[i] = bestShard
    load[bestShard] = bestLoad
    if (e >= 0) has[bestShard * envCount + e] = 1
  }
  return assign
}

/** Environments by their total (files + one start-up) descending, then index; files without one last. */
function groupedOrder(problem: Problem): number[] {
  const weight = problem.startup.slice()
  problem.ms.forEach((ms, i) => {
    if (problem.env[i]! >= 0) weight[problem.env[i]!]! += ms
  })
  const rank = weight.map((_, e) => e).sort((a, b) => weight[b]! - weight[a]! || a - b)
  const position = new Int32Array(rank.length)
  rank.forEach((e, p) => {
    position[e] = p
  })
  const order = problem.ms.map((_, i) => i)
  const key = (i: number): number => (problem.env[i]! < 0 ? rank.length : position[problem.env[i]!]!)
  // Stable on solver order, so files stay longest-first within an environment.
  return order.sort((a, b) => key(a) - key(b) || a - b)
}

/**
 * First-fit packing into shards of a capacity, the smallest capacity that fits found by binary
 * search (first-fit is not monotone in capacity, so the best packing seen is kept).
 */
function multifit(problem: Problem, shardCount: number, order: readonly number[], floor: number): Int32Array {
  const { total } = bounds(problem)
  const everything = total + problem.startup.reduce((sum, s) => sum + s, 0)
  let best = packFirstFit(problem, shardCount, order, everything)!
  let bestMax = maxLoad(problem, shardCount, best)
  let low = floor
  let high = bestMax
  // Stop within 0.05% of the floor: the local search does the last steps.
  for (let step = 0; step < 64 && high - low > Math.max(1, Math.floor(low / 2000)); step++) {
    const middle = Math.floor((low + high) / 2)
    const packed = packFirstFit(problem, shardCount, order, middle)
    if (packed === null) {
      low = middle + 1
      continue
    }
    const max = maxLoad(problem, shardCount, packed)
    if (max < bestMax) {
      best = packed
      bestMax = max
    }
    high = Math.min(middle, max)
  }
  return best
}

function packFirstFit(
  problem: Problem,
  shardCount: number,
  order: readonly number[],
  capacity: number,
): Int32Array | null {
  const { ms, env, startup } = problem
  const envCount = startup.length
  const assign = new Int32Array(ms.length)
  const load = new Float64Array(shardCount)
  const has = new Uint8Array(shardCount * envCount)
  // What is still to place of each environment: a shard that takes all of it starts it only once.
  const remaining = new Float64Array(envCount)
  for (let i = 0; i < ms.length; i++) if (env[i]! >= 0) remaining[env[i]!]! += ms[i]!

  for (const i of order) {
    const e = env[i]!
    const size = ms[i]!
    let shard = -1
    if (e < 0) {
      for (let k = 0; k < shardCount && shard < 0; k++) if (load[k]! + size <= capacity) shard = k
    } else {
      for (let k = 0; k < shardCount && shard < 0; k++) {
        if (has[k * envCount + e] === 1 && load[k]! + size <= capacity) shard = k
      }
      const opening = startup[e]!
      for (let k = 0; k < shardCount && shard < 0; k++) {
        if (has[k * envCount + e] === 0 && load[k]! + opening + remaining[e]! <= capacity) shard = k
      }
      for (let k = 0; k < shardCount && shard < 0; k++) {
        if (has[k * envCount + e] === 0 && load[k]! + opening + size <= capacity) shard = k
      }
      if (shard >= 0 && has[shard * envCount + e] === 0) {
        has[shard * envCount + e] = 1
        load[shard]! += opening
      }
      remaining[e]! -= size
    }
    if (shard < 0) return null
    assign[i] = shard
    load[shard]! += size
  }
  return assign
}

function maxLoad(problem: Problem, shardCount: number, assign: Int32Array): number {
  return new State(problem, shardCount, assign).score().max
}

/**
 * A mutable assignment with its loads, for local search. Moves and swaps take files out of the
 * slowest shard and are kept only when the slowest shard gets faster, or stays as slow while the
 * loads get more even (sum of squares), so the search always ends.
 */
class State {
  readonly assign: Int32Array
  private readonly load: Float64Array
  /** Files of each environment per shard: shard * envCount + env. */
  private readonly count: Int32Array
  private readonly members: number[][]
  /** Each shard's files by size, for the windowed swap search; dropped when the shard changes. */
  private readonly bySize: Array<number[] | undefined>
  private readonly position: Int32Array
  private readonly envCount: number

  constructor(
    private readonly problem: Problem,
    private readonly shardCount: number,
    assign: Int32Array,
  ) {
    this.assign = assign.slice()
    this.envCount = problem.startup.length
    this.load = new Float64Array(shardCount)
    this.count = new Int32Array(shardCount * this.envCount)
    this.members = Array.from({ length: shardCount }, () => [])
    this.bySize = new Array(shardCount).fill(undefined)
    this.position = new Int32Array(problem.ms.length)
    for (let i = 0; i < problem.ms.length; i++) this.add(i, this.assign[i]!)
  }

  score(): Score {
    let max = 0
    let squares = 0
    for (const load of this.load) {
      max = Math.max(max, load)
      squares += load * load
    }
    let startups = 0
    for (const count of this.count) if (count > 0) startups++
    return { max, startups, squares }
  }

  improve(floor: number): void {
    let budget = SEARCH_BUDGET
    while (budget > 0) {
      const slowest = this.slowest()
      if (this.load[slowest]! <= floor) return
      const move = this.bestMove(slowest)
      budget -= move.evaluated
      if (move.file >= 0) {
        this.relocate(move.file, move.to)
        continue
      }
      const swap = this.bestSwap(slowest, budget)
      budget -= swap.evaluated
      if (swap.file < 0) return
      this.relocate(swap.file, swap.to)
      this.relocate(swap.other, slowest)
    }
  }

  private slowest(): number {
    let slowest = 0
    for (let k = 1; k < this.shardCount; k++) if (this.load[k]! > this.load[slowest]!) slowest = k
    return slowest
  }

  /** The highest and second highest loads of shards other than `except`, with the highest's index. */
  private others(except: number): { first: number; firstShard: number; second: number } {
    let first = 0
    let firstShard = -1
    let second = 0
    for (let k = 0; k < this.shardCount; k++) {
      if (k === except) continue
      const load = this.load[k]!
      if (load > first || firstShard < 0) {
        second = first
        first = load
        firstShard = k
      } else if (load > second) second = load
    }
    return { first, firstShard, second }
  }

  private bestMove(from: number): Candidate {
    const { ms, env, startup } = this.problem
    const top = this.others(from)
    const fromLoad = this.load[from]!
    const best = new Candidate(fromLoad)
    for (const i of this.members[from]!) {
      const e = env[i]!
      const left =
        fromLoad - ms[i]! - (e >= 0 && this.count[from * this.envCount + e] === 1 ? startup[e]! : 0)
      for (let to = 0; to < this.shardCount; to++) {
        if (to === from) continue
        best.evaluated++
        const toLoad = this.load[to]!
        const arrived =
          toLoad + ms[i]! + (e >= 0 && this.count[to * this.envCount + e] === 0 ? startup[e]! : 0)
        const rest = to === top.firstShard ? top.second : top.first
        best.offer(Math.max(rest, left, arrived), fromLoad, left, toLoad, arrived, i, to, -1)
      }
    }
    return best
  }

  private bestSwap(from: number, budget: number): Candidate {
    const fromLoad = this.load[from]!
    const best = new Candidate(fromLoad)
    const top = this.others(from)
    const own = this.members[from]!
    const exhaustive = own.length * (this.problem.ms.length - own.length) <= EXHAUSTIVE_SWAPS
    for (let to = 0; to < this.shardCount && best.evaluated < budget; to++) {
      if (to === from) continue
      const rest = to === top.firstShard ? top.second : top.first
      const theirs = this.members[to]!
      if (theirs.length === 0) continue
      if (exhaustive) {
        for (const a of own) for (const b of theirs) this.offerSwap(best, from, to, a, b, rest)
        continue
      }
      // Only the files of `to` whose size is near the one that would even the two shards out.
      const sorted = this.sortedBySize(to)
      const gap = (fromLoad - this.load[to]!) / 2
      for (const a of own) {
        const wanted = this.problem.ms[a]! - gap
        let low = 0
        let high = sorted.length
        while (low < high) {
          const middle = (low + high) >> 1
          if (this.problem.ms[sorted[middle]!]! < wanted) low = middle + 1
          else high = middle
        }
        const end = Math.min(sorted.length, low + SWAP_WINDOW)
        for (let j = Math.max(0, low - SWAP_WINDOW); j < end; j++) {
          this.offerSwap(best, from, to, a, sorted[j]!, rest)
        }
      }
    }
    return best
  }

  private sortedBySize(shard: number): number[] {
    const { ms } = this.problem
    let sorted = this.bySize[shard]
    if (sorted === undefined) {
      sorted = this.members[shard]!.slice().sort((x, y) => ms[x]! - ms[y]! || x - y)
      this.bySize[shard] = sorted
    }
    return sorted
  }

  private offerSwap(best: Candidate, from: number, to: number, a: number, b: number, rest: number): void {
    const { ms, env, startup } = this.problem
    best.evaluated++
    const ea = env[a]!
    const eb = env[b]!
    let left = this.load[from]! - ms[a]! + ms[b]!
    let arrived = this.load[to]! - ms[b]! + ms[a]!
    if (ea !== eb) {
      const E = this.envCount
      if (ea >= 0) {
        if (this.count[from * E + ea] === 1) left -= startup[ea]!
        if (this.count[to * E + ea] === 0) arrived += startup[ea]!
      }
      if (eb >= 0) {
        if (this.count[to * E + eb] === 1) arrived -= startup[eb]!
        if (this.count[from * E + eb] === 0) left += startup[eb]!
      }
    }
    best.offer(Math.max(rest, left, arrived), this.load[from]!, left, this.load[to]!, arrived, a, to, b)
  }

  private relocate(i: number, to: number): void {
    this.remove(i)
    this.add(i, to)
  }

  private add(i: number, shard: number): void {
    const e = this.problem.env[i]!
    if (e >= 0 && this.count[shard * this.envCount + e]!++ === 0)
      this.load[shard]! += this.problem.startup[e]!
    this.load[shard]! += this.problem.ms[i]!
    this.assign[i] = shard
    this.bySize[shard] = undefined
    this.position[i] = this.members[shard]!.push(i) - 1
  }

  private remove(i: number): void {
    const shard = this.assign[i]!
    const e = this.problem.env[i]!
    if (e >= 0 && --this.count[shard * this.envCount + e]! === 0)
      this.load[shard]! -= this.problem.startup[e]!
    this.load[shard]! -= this.problem.ms[i]!
    this.bySize[shard] = undefined
    const list = this.members[shard]!
    const last = list.pop()!
    if (last !== i) {
      list[this.position[i]!] = last
      this.position[last] = this.position[i]!
    }
  }
}

/**
 * The best improving step seen. A step improves when the slowest shard gets faster, or stays as slow
 * while the loads get more even (a lower sum of squares); the best has the lowest resulting maximum,
 * then the lowest sum of squares, then was seen first.
 */
class Candidate {
  file = -1
  to = -1
  other = -1
  evaluated = 0
  private max = 0
  private squares = 0

  constructor(private readonly currentMax: number) {}

  offer(
    max: number,
    fromLoad: number,
    left: number,
    toLoad: number,
    arrived: number,
    file: number,
    to: number,
    other: number,
  ): void {
    if (max > this.currentMax) return
    // The change in the sum of squared loads, factored so that it stays exact on integers.
    const squares = (left - fromLoad) * (left + fromLoad) + (arrived - toLoad) * (arrived + toLoad)
    if (max === this.currentMax && squares >= 0) return
    if (this.file >= 0 && (max > this.max || (max === this.max && squares >= this.squares))) return
    this.max = max
    this.squares = squares
    this.file = file
    this.to = to
    this.other = other
  }
}
