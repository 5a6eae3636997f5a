/**
 * The watch loop as the views show it.
 * - `off`: not asked to watch; `starting`: scanning the project; `watching`: saves rerun tests;
 * - `paused`: saves are held (counted in `held`) and run together on resume; `stopped`;
 * - `failed`: the watcher could not start (`error` says why).
 */
export interface WatchState {
  status: 'off' | 'starting' | 'watching' | 'paused' | 'stopped' | 'failed'
  /** What is watched: the project root (absolute), and the folders left out. */
  root: string | null
  ignored: readonly string[]
  /** Since when it is in this status. */
  since: number | null
  /** Files saved while paused (relative), to run on resume. */
  held: readonly string[]
  /** Why it failed to start, or the last problem it reported while watching. */
  error: { message: string; fix: string | null } | null
}

export function initialWatchState(): WatchState {
  return { status: 'off', root: null, ignored: [], since: null, held: [], error: null }
}
