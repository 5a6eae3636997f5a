import type { HearthState, Session } from '@hearth/core'
import { type ParsedArgs, UsageError } from '../args.js'
import type { Interrupts } from '../interrupts.js'
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
 * (the session then settles with exit code 130); a forced exit (a later Ctrl-C) names what is left.
 */
export async function withInterrupts<T>(
  interrupts: Interrupts,
  session: Session,
  work: () => Promise<T>,
): Promise<T> {
  interrupts.describeLeftovers(() => describeLeftovers(session.store.getState()))
  const unsubscribe = interrupts.onInterrupt((signal) => session.interrupt(signal))
  try {
    return await work()
  } finally {
    unsubscribe()
  }
}

/** The environments with something of this project still running, and the command that removes them. */
export function describeLeftovers(state: HearthState): string | null {
  const environments = [
    ...new Set(
      Object.values(state.services)
        .filter((service) => service.instance !== null && service.status !== 'stopped')
        .map((service) => service.environment),
    ),
  ].sort()
  if (environments.length === 0) return null
  return `left running: ${environments.join(', ')}; \`hearth down ${environments.join(' ')}\` removes ${
    environments.length === 1 ? 'it' : 'them'
  }`
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
