import { type HearthState, type Session, selectRedactedState, selectRedactor } from '@hearth/core'
import { isDriverError } from '@hearth/driver'
import { type ParsedArgs, UsageError } from '../args.js'
import { failureOf } from '../failures.js'
import type { Interrupts } from '../interrupts.js'
import { errStyle, type Io, println } from '../io.js'
import type { GlobalOptions } from '../wiring.js'

export function globalOptions(args: ParsedArgs): GlobalOptions {
  return {
    config: args.values.config as string | undefined,
    cwd: args.values.cwd as string | undefined,
    verbose: args.values.verbose as boolean | undefined,
    requireDocker: args.values['require-docker'] as boolean | undefined,
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

/** The commit a git ref names now; an unknown ref is a usage error. */
export async function commitOf(root: string, ref: string): Promise<string> {
  const { resolveCommit, isGitError } = await import('@hearth/affected')
  try {
    return await resolveCommit(root, ref)
  } catch (error) {
    if (isGitError(error)) throw new UsageError(error.message, error.fix)
    throw error
  }
}

/**
 * Runs a command's work on its session and returns the exit code the state calls for: whatever the
 * work throws becomes `session/failed` (cause, fix, code) in state, as the views see it, and the
 * exit code is `selectExitCode` of the final state, never decided on the side.
 */
export async function exitFromState(session: Session, work: () => Promise<void>): Promise<number> {
  try {
    await work()
  } catch (error) {
    const failure = failureOf(error)
    session.store.dispatch({
      type: 'session/failed',
      at: Date.now(),
      cause: failure.cause,
      fix: failure.fix,
      code: failure.code,
    })
    if ((failure.internal || isDriverError(error)) && error instanceof Error)
      stacks.set(session, { stack: error.stack ?? error.message, internal: failure.internal })
  }
  return session.exitCode()
}

/** The stack of what failed a session (a bug, a driver error), for `--verbose`. */
const stacks = new WeakMap<Session, { stack: string; internal: boolean }>()

/** What made the session fail, on stderr (as the CLI reports any error), with the stack under --verbose. */
export function reportFatal(session: Session, io: Io, verbose: boolean): void {
  // Secrets masked: a cause may quote a service's output or a URL.
  const observed = session.store.getState()
  const state = selectRedactedState(observed)
  const fatal = state.session.fatal
  if (fatal === null) return
  const style = errStyle(io)
  println(io.stderr, `${style.red('hearth:')} ${fatal.cause}`)
  const stack = verbose ? stacks.get(session) : undefined
  if (fatal.fix !== null && !(stack?.internal === true))
    println(io.stderr, `  ${style.dim('fix:')} ${fatal.fix}`)
  // What could not be cleaned up because of it, and how to, once the cause is fixed.
  const left = describeLeftovers(state)
  if (left !== null) println(io.stderr, `  ${left}`)
  if (stack !== undefined) println(io.stderr, style.dim(selectRedactor(observed).text(stack.stack)))
}
