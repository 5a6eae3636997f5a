export type SessionAction =
  /** Ctrl-C (or SIGTERM): stop what this session started, then exit 130. */
  | {
      type: 'session/interrupted'
      at: number
      signal: string
      /** `hearth dev`: leave the environments warm (by default what this session started stops). */
      keepEnvironments?: boolean
    }
  /**
   * The user quit (`q`, or `D` to stop the environments too): the session ends, its exit code 0
   * unless hearth itself failed.
   */
  | { type: 'session/quit'; at: number; stopEnvironments: boolean }
  /** hearth itself cannot go on: bad usage or config (2), no runtime (3), a bug in hearth (70). */
  | { type: 'session/failed'; at: number; cause: string; fix: string | null; code: 2 | 3 | 70 }
  /**
   * Something the user should know that does not stop the session: a test group that matches no
   * test file, test files in no group.
   */
  | { type: 'session/warning'; at: number; code: WarningCode; message: string; fix: string | null }

export type WarningCode = 'empty-group' | 'ungrouped-files' | 'stale-build' | 'reset-failed'
