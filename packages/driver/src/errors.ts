/**
 * A failure a user can act on: what went wrong and how to fix it. Drivers throw these for
 * everything that is not a bug (runtime missing, port taken, image missing, process crashed).
 */
export class DriverError extends Error {
  override readonly name = 'DriverError'
  readonly code: DriverErrorCode
  readonly fix: string

  constructor(code: DriverErrorCode, message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.fix = fix
  }
}

export type DriverErrorCode =
  | 'runtime-unavailable'
  | 'permission-denied'
  | 'image-missing'
  | 'port-conflict'
  | 'start-failed'
  | 'exited'
  | 'timeout'
  | 'aborted'

export function isDriverError(error: unknown): error is DriverError {
  return (
    error instanceof Error && error.name === 'DriverError' && typeof (error as DriverError).fix === 'string'
  )
}
