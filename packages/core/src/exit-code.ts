import { selectFailures } from './features/environments/selectors.js'
import { selectTestsFailed } from './features/tests/selectors.js'
import type { HearthState } from './store/state.js'

/** The documented exit codes (design.md §4). */
export const EXIT = {
  ok: 0,
  testsFailed: 1,
  usage: 2,
  environment: 3,
  interrupted: 130,
  /** A bug in hearth itself. */
  internal: 70,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/**
 * The process exit code, as a pure function of the final state: hearth's own failure first, then
 * an interruption, then a quit (the user ended `hearth dev`: 0), then an environment that could not be made ready, then failed tests.
 */
export function selectExitCode(state: HearthState): ExitCode {
  if (state.session.fatal !== null) return state.session.fatal.code
  if (state.session.interrupted !== null) return EXIT.interrupted
  const quit = state.session.quit
  if (quit !== null) {
    // Quitting is no failure, unless stopping the environments (`D`) failed: something is left.
    const stopFailed =
      quit.stopEnvironments &&
      Object.values(state.services).some((service) => service.status === 'failed' && service.since >= quit.at)
    return stopFailed ? EXIT.environment : EXIT.ok
  }
  if (selectFailures(state).length > 0) return EXIT.environment
  if (selectTestsFailed(state)) return EXIT.testsFailed
  return EXIT.ok
}
