export type WatchAction =
  /** The watcher scans the project. */
  | { type: 'watch/starting'; at: number; root: string; ignored: readonly string[] }
  /** Scanned: saves from now on rerun what they affect. */
  | { type: 'watch/ready'; at: number }
  /** Hold saves (space in `hearth dev`): they are collected, and run together on resume. */
  | { type: 'watch/paused'; at: number }
  | { type: 'watch/resumed'; at: number }
  /** Files saved while paused (relative paths). */
  | { type: 'watch/held'; at: number; paths: readonly string[] }
  | { type: 'watch/stopped'; at: number }
  /** The watcher could not start (the inotify limit, a folder it may not read): nothing is watched. */
  | { type: 'watch/failed'; at: number; message: string; fix: string | null }
  /** The watcher reported a problem while watching (it goes on). */
  | { type: 'watch/error'; at: number; message: string }
