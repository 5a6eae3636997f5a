/**
 * The watch loop as the views show it.
 * - `off`: not asked to watch; `starting`: scanning the project; `watching`: saves rerun tests;
 * - `paused`: saves are held (counted in `held`) and run together on resume; `stopped`.
 */
export interface WatchState {
  status: 'off' | 'starting' | 'watching' | 'paused' | 'stopped'
  /** What is watched: the project root (absolute), and the folders left out. */
  root: string | null
  ignored: readonly string[]
  /** Since when it is in this status. */
  since: number | null
  /** Files saved while paused (relative), to run on resume. */
  held: readonly string[]
}

export function initialWatchState(): WatchState {
  return { status: 'off', root: null, ignored: [], since: null, held: [] }
}
