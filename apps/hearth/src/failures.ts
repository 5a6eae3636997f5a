import { isTestSetupError, WatchError } from '@hearth/core'
import { asStateWriteError, isDriverError, isStateWriteError } from '@hearth/driver'
import { isConfigError } from '@hearth/environments'
import { UsageError } from './args.js'

/** What a thrown error means for the user: what went wrong, the fix, and the documented exit code. */
export interface Failure {
  cause: string
  fix: string | null
  /** 2 usage or configuration, 3 a runtime that cannot be used, 70 a bug in hearth. */
  code: 2 | 3 | 70
  /** A bug in hearth: the stack helps the report. */
  internal: boolean
}

/** The one reading of errors into exit codes: the CLI's last resort and the sessions' `session/failed`. */
export function failureOf(error: unknown): Failure {
  if (isConfigError(error)) return { cause: error.message, fix: null, code: 2, internal: false }
  if (error instanceof UsageError || isTestSetupError(error))
    return { cause: error.message, fix: error.fix, code: 2, internal: false }
  if (isDriverError(error)) return { cause: error.message, fix: error.fix, code: 3, internal: false }
  // The machine cannot watch the project (the inotify limit): the environment of `hearth dev` is not there.
  if (error instanceof WatchError) return { cause: error.message, fix: error.fix, code: 3, internal: false }
  // The machine refuses a write (a full disk, a read-only folder): where hearth keeps its state,
  // or anywhere else it writes (a report, the timing history).
  const refused = asStateWriteError(error, '.')
  if (isStateWriteError(refused))
    return { cause: refused.message, fix: refused.fix, code: 3, internal: false }
  const message = error instanceof Error ? error.message : String(error)
  return {
    cause: `internal error: ${message}`,
    fix: 'run again with --verbose for the stack trace, and please report it',
    code: 70,
    internal: true,
  }
}
