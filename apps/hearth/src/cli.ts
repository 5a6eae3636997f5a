import { isDriverError } from '@hearth/driver'
import { isConfigError, maskUrlPasswords } from '@hearth/environments'
import { type CommandSpec, formatCommandHelp, type ParsedArgs, parseCommandArgs, UsageError } from './args.js'
import { affectedSpec, runAffected } from './commands/affected.js'
import { ciSpec, runCi } from './commands/ci.js'
import { devSpec, runDev } from './commands/dev.js'
import { downSpec, runDown } from './commands/down.js'
import { gcSpec, runGc } from './commands/gc.js'
import { importComposeSpec, runImportCompose } from './commands/import-compose.js'
import { initSpec, runInit } from './commands/init.js'
import { mergeReportsSpec, runMergeReports } from './commands/merge-reports.js'
import { planSpec, runPlan } from './commands/plan.js'
import { runStatus, statusSpec } from './commands/status.js'
import { runTimings, timingsSpec } from './commands/timings.js'
import { runUp, upSpec } from './commands/up.js'
import { failureOf } from './failures.js'
import { type Interrupts, listenForInterrupts } from './interrupts.js'
import { errStyle, type Io, println, processIo } from './io.js'
import { VERSION } from './version.js'

interface Command {
  spec: CommandSpec
  run(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number>
}

const COMMANDS: Readonly<Record<string, Command>> = {
  init: { spec: initSpec, run: runInit },
  'import-compose': { spec: importComposeSpec, run: runImportCompose },
  up: { spec: upSpec, run: runUp },
  down: { spec: downSpec, run: runDown },
  status: { spec: statusSpec, run: runStatus },
  gc: { spec: gcSpec, run: runGc },
  dev: { spec: devSpec, run: runDev },
  ci: { spec: ciSpec, run: runCi },
  affected: { spec: affectedSpec, run: runAffected },
  plan: { spec: planSpec, run: runPlan },
  'merge-reports': { spec: mergeReportsSpec, run: runMergeReports },
  timings: { spec: timingsSpec, run: runTimings },
}

/** Exit code for a failure inside hearth itself (a bug), apart from the documented ones. */
export const EXIT_INTERNAL = 70

export function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2
  return [
    'hearth keeps test environments warm and reruns only the integration tests a change affects.',
    '',
    'Usage: hearth <command> [options]',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map(({ spec }) => `  ${spec.name.padEnd(width)}${spec.summary}`),
    '',
    'Options:',
    '  -h, --help     Show help (also `hearth <command> --help`)',
    '  -v, --version  Print the version',
    '',
    'Exit codes: 0 ok, 1 tests failed, 2 usage or configuration error, 3 environment not ready, 130 interrupted.',
    '',
  ].join('\n')
}

/** Runs the CLI; resolves with the exit code. Errors print their cause and fix, not a stack trace. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const verbose = argv.includes('--verbose')
  try {
    const [name, ...rest] = argv
    if (name === '--version' || name === '-v') {
      println(io.stdout, VERSION)
      return 0
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined
      io.stdout.write(topic === undefined ? generalHelp() : formatCommandHelp(topic.spec))
      return 0
    }
    if (name === undefined) {
      io.stderr.write(generalHelp())
      return 2
    }
    const command = COMMANDS[name]
    if (command === undefined) {
      const known = Object.keys(COMMANDS)
      const guess = known.find((candidate) => candidate.startsWith(name.slice(0, 2)))
      throw new UsageError(
        `unknown command "${name}"`,
        guess === undefined
          ? `use one of: ${known.join(', ')}`
          : `did you mean \`hearth ${guess}\`? Commands: ${known.join(', ')}`,
      )
    }
    const args = parseCommandArgs(command.spec, rest)
    if (args.values.help === true) {
      io.stdout.write(formatCommandHelp(command.spec))
      return 0
    }
    // Listening from here on: a Ctrl-C while the config loads or Vitest starts is an orderly stop too.
    const interrupts = listenForInterrupts(io)
    try {
      const code = await command.run(args, io, interrupts)
      return interrupts.received !== null && code === 0 ? 130 : code
    } finally {
      interrupts.close()
    }
  } catch (error) {
    return reportError(error, io, verbose)
  }
}

function reportError(error: unknown, io: Io, verbose: boolean): number {
  const style = errStyle(io)
  const failed = failureOf(error)
  // No session to know the secrets by: a URL's password, at least, is never printed.
  const failure = {
    ...failed,
    cause: maskUrlPasswords(failed.cause),
    fix: failed.fix === null ? null : maskUrlPasswords(failed.fix),
  }
  if (isConfigError(error)) {
    println(io.stderr, style.red(failure.cause))
    return failure.code
  }
  println(io.stderr, `${style.red('hearth:')} ${failure.cause}`)
  const stack = error instanceof Error ? error.stack : undefined
  const showStack = verbose && stack !== undefined && (failure.internal || isDriverError(error))
  // "Run again with --verbose" is no advice to someone who did.
  if (failure.fix !== null && !(showStack && failure.internal))
    println(io.stderr, `  ${style.dim('fix:')} ${failure.fix}`)
  if (showStack) println(io.stderr, style.dim(stack))
  return failure.code
}
