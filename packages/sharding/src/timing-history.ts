/**
 * The timing history: how long each test file takes, smoothed over runs, so that shards can be
 * balanced by time rather than by count. Pure: reading and writing the file is the caller's I/O.
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
}

export interface TimedFile {
  path: string
  durationMs: number
  state: string
}

export function emptyTimingHistory(): TimingHistory {
  return { format: 1, files: {} }
}

/**
 * The history with a run's files folded in. Skipped files tell nothing about their time and are
 * left out; failed ones count (a failing file still takes its time).
 */
export function recordTimings(history: TimingHistory, files: readonly TimedFile[], at: Date): TimingHistory {
  const next: Record<string, FileTiming> = { ...history.files }
  for (const { path, durationMs, state } of files) {
    if (state === 'skipped' || !Number.isFinite(durationMs) || durationMs < 0) continue
    const known = next[path]
    next[path] = {
      estimateMs:
        known === undefined
          ? round(durationMs)
          : round(SMOOTHING * durationMs + (1 - SMOOTHING) * known.estimateMs),
      lastMs: round(durationMs),
      samples: (known?.samples ?? 0) + 1,
      updatedAt: at.toISOString(),
    }
  }
  return { format: 1, files: sortKeys(next) }
}

/** Reads a history from its JSON text; anything unreadable or of another format is an empty history. */
export function parseTimingHistory(text: string | null): TimingHistory {
  if (text === null) return emptyTimingHistory()
  try {
    const value = JSON.parse(text) as Partial<TimingHistory>
    if (value.format !== 1 || typeof value.files !== 'object' || value.files === null)
      return emptyTimingHistory()
    const files: Record<string, FileTiming> = {}
    for (const [path, timing] of Object.entries(value.files)) {
      if (isFileTiming(timing)) files[path] = timing
    }
    return { format: 1, files }
  } catch {
    return emptyTimingHistory()
  }
}

export function serializeTimingHistory(history: TimingHistory): string {
  return `${JSON.stringify(history, null, 2)}\n`
}

function isFileTiming(value: unknown): value is FileTiming {
  if (typeof value !== 'object' || value === null) return false
  const timing = value as Record<string, unknown>
  return (
    typeof timing.estimateMs === 'number' &&
    typeof timing.lastMs === 'number' &&
    typeof timing.samples === 'number' &&
    typeof timing.updatedAt === 'string'
  )
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
