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
