import type { Session } from '@hearth/core'
import { type ParsedArgs, UsageError } from '../args.js'
import { errStyle, type Io, println } from '../io.js'
import type { GlobalOptions } from '../wiring.js'

export function globalOptions(args: ParsedArgs): GlobalOptions {
  return {
    config: args.values.config as string | undefined,
    cwd: args.values.cwd as string | undefined,
    verbose: args.values.verbose as boolean | undefined,
  }
}

/**
 * Runs `work` with Ctrl-C wired to the session: the first interrupt stops what this run started
 * (the session then settles with exit code 130); a second one exits at once.
 */
export async function withInterrupts<T>(io: Io, session: Session, work: () => Promise<T>): Promise<T> {
  let interrupts = 0
  const unsubscribe = io.onSignal((signal) => {
    interrupts++
    if (interrupts === 1) {
      session.interrupt(signal)
      return
    }
    println(
      io.stderr,
      errStyle(io).red('interrupted again: exiting without cleaning up; `hearth down` stops what is left'),
    )
    process.exit(130)
  })
  try {
    return await work()
  } finally {
    unsubscribe()
  }
}

/** Changed files since a git ref; a git problem (not a repository, unknown ref) is a usage error. */
export async function changedFiles(root: string, since: string): Promise<string[]> {
  const { changedSince, isGitError } = await import('@hearth/affected')
  try {
    return await changedSince(root, since)
  } catch (error) {
    if (isGitError(error)) throw new UsageError(error.message, error.fix)
    throw error
  }
}
