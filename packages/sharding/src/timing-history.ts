/**
 * The timing history: how long each test file takes, smoothed over runs, so that shards can be
 * balanced by time rather than by count, and how long each environment takes to start cold, so a
 * plan can weigh what a shard pays for starting one. Pure: reading and writing the file is the
 * caller's I/O.
 */

/** Weight of the newest sample in the moving average: recent runs count most, one outlier little. */
export const SMOOTHING = 0.3

export interface FileTiming {
  /** The smoothed duration (an exponentially weighted moving average), in ms. */
  estimateMs: number
  /** The last measured duration, in ms. */
  lastMs: number
  samples: number
  /** ISO time of the last sample. */
  updatedAt: string
}

export interface TimingHistory {
  format: 1
  /** By test file path, relative to the project root, with forward slashes. */
  files: Readonly<Record<string, FileTiming>>
  /**
   * By environment name: how long the environment took to start cold (first service requested →
   * last service ready). Optional so that histories written before it existed still read as format 1.
   */
  environments?: Readonly<Record<string, FileTiming>>
  /**
   * What one run costs besides its files and its environments' start-ups: starting hearth and the
   * test runner, resets, stopping. Every shard pays it once. Optional, like `environments`.
   */
  overhead?: FileTiming
}

export interface TimedFile {
  path: string
  durationMs: number
  state: string
}

export interface EnvironmentStartup {
  name: string
  durationMs: number
}

export function emptyTimingHistory(): TimingHistory {
  return { format: 1, files: {} }
}

/**
 * The history with a run's files folded in. Skipped files tell nothing about their time and are
 * left out; failed ones count (a failing file still takes its time).
 */
export function recordTimings(history: TimingHistory, files: readonly TimedFile[], at: Date): TimingHistory {
  const samples = files
    .filter(({ state }) => state !== 'skipped')
    .map(({ path, durationMs }) => ({
      key: path,
      durationMs,
    }))
  return { ...history, format: 1, files: fold(history.files, samples, at) }
}

/**
 * The history with cold start-ups of environments folded in (the same smoothing as files). Only
 * cold starts belong here: an environment that was reused warm took no start-up time to learn from.
 */
export function recordEnvironmentStartups(
  history: TimingHistory,
  startups: readonly EnvironmentStartup[],
  at: Date,
): TimingHistory {
  const samples = startups.map(({ name, durationMs }) => ({ key: name, durationMs }))
  return { ...history, format: 1, environments: fold(history.environments ?? {}, samples, at) }
}

/** The history with one run's fixed cost (besides its files and start-ups) folded in. */
export function recordRunOverhead(history: TimingHistory, durationMs: number, at: Date): TimingHistory {
  const overhead = fold(
    history.overhead === undefined ? {} : { run: history.overhead },
    [{ key: 'run', durationMs }],
    at,
  ).run
  return overhead === undefined ? history : { ...history, format: 1, overhead }
}

/**
 * Reads a history from its JSON text. Never throws: anything unreadable or of another format is an
 * empty history, and entries that are not timings (wrong types, negative or non-finite numbers) are
 * dropped one by one.
 */
export function parseTimingHistory(text: string | null): TimingHistory {
  if (text === null) return emptyTimingHistory()
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return emptyTimingHistory()
  }
  if (!isRecord(value) || value.format !== 1 || !isRecord(value.files)) return emptyTimingHistory()
  const history: TimingHistory = { format: 1, files: timings(value.files) }
  if (isRecord(value.environments)) history.environments = timings(value.environments)
  const overhead = timings({ run: value.overhead }).run
  if (overhead !== undefined) history.overhead = overhead
  return history
}

export function serializeTimingHistory(history: TimingHistory): string {
  const { format, files, environments, overhead } = history
  const sorted: TimingHistory = { format, files: sortKeys(files) }
  if (environments !== undefined) sorted.environments = sortKeys(environments)
  if (overhead !== undefined) sorted.overhead = overhead
  return `${JSON.stringify(sorted, null, 2)}\n`
}

/** A usable timing: the shape, with durations and sample count that are finite and not negative. */
export function isFileTiming(value: unknown): value is FileTiming {
  if (!isRecord(value)) return false
  return (
    isDuration(value.estimateMs) &&
    isDuration(value.lastMs) &&
    isDuration(value.samples) &&
    typeof value.updatedAt === 'string'
  )
}

function fold(
  known: Readonly<Record<string, FileTiming>>,
  samples: ReadonlyArray<{ key: string; durationMs: number }>,
  at: Date,
): Record<string, FileTiming> {
  // A Map, not an object: a path such as `__proto__` must stay a key like any other.
  const next = new Map(Object.entries(known))
  for (const { key, durationMs } of samples) {
    if (!isDuration(durationMs)) continue
    const previous = next.get(key)
    next.set(key, {
      estimateMs:
        previous === undefined
          ? round(durationMs)
          : round(SMOOTHING * durationMs + (1 - SMOOTHING) * previous.estimateMs),
      lastMs: round(durationMs),
      samples: (previous?.samples ?? 0) + 1,
      updatedAt: at.toISOString(),
    })
  }
  return sortKeys(Object.fromEntries(next))
}

function timings(record: Record<string, unknown>): Record<string, FileTiming> {
  // Object.fromEntries defines own properties, so a `__proto__` key cannot replace the prototype.
  return Object.fromEntries(
    Object.entries(record)
      .filter((entry): entry is [string, FileTiming] => isFileTiming(entry[1]))
      .map(([key, { estimateMs, lastMs, samples, updatedAt }]) => [
        key,
        { estimateMs, lastMs, samples, updatedAt },
      ]),
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

function sortKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
