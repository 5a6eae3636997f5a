import { type CommandSpec, formatCommandHelp, type ParsedArgs, parseCommandArgs, UsageError } from './args.js'
import { type Interrupts, listenForInterrupts } from './interrupts.js'
import { errStyle, type Io, println, processIo } from './io.js'
import { mark, profileLine } from './profile.js'
import { VERSION } from './version.js'

interface Command {
  spec: CommandSpec
  run(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number>
}

/**
 * Each command's module, loaded when that command runs: `hearth status` never loads the test
 * runner, the reporters, the sharding planner or the Compose converter of the others.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  init: () => import('./commands/init.js').then((m) => ({ spec: m.initSpec, run: m.runInit })),
  'import-compose': () =>
    import('./commands/import-compose.js').then((m) => ({
      spec: m.importComposeSpec,
      run: m.runImportCompose,
    })),
  up: () => import('./commands/up.js').then((m) => ({ spec: m.upSpec, run: m.runUp })),
  down: () => import('./commands/down.js').then((m) => ({ spec: m.downSpec, run: m.runDown })),
  status: () => import('./commands/status.js').then((m) => ({ spec: m.statusSpec, run: m.runStatus })),
  gc: () => import('./commands/gc.js').then((m) => ({ spec: m.gcSpec, run: m.runGc })),
  dev: () => import('./commands/dev.js').then((m) => ({ spec: m.devSpec, run: m.runDev })),
  ci: () => import('./commands/ci.js').then((m) => ({ spec: m.ciSpec, run: m.runCi })),
  affected: () =>
    import('./commands/affected.js').then((m) => ({ spec: m.affectedSpec, run: m.runAffected })),
  plan: () => import('./commands/plan.js').then((m) => ({ spec: m.planSpec, run: m.runPlan })),
  'merge-reports': () =>
    import('./commands/merge-reports.js').then((m) => ({ spec: m.mergeReportsSpec, run: m.runMergeReports })),
  timings: () => import('./commands/timings.js').then((m) => ({ spec: m.timingsSpec, run: m.runTimings })),
}

/** The loader of the command called `name` (`hearth toString` is no command either). */
function loaderOf(name: string): (() => Promise<Command>) | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
}

/** Exit code for a failure inside hearth itself (a bug), apart from the documented ones. */
export const EXIT_INTERNAL = 70

/** The general help: every command's summary (the one place that loads them all). */
export async function generalHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()))
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2
  return [
    'hearth keeps test environments warm and reruns only the integration tests a change affects.',
    '',
    'Usage: hearth <command> [options]',
    '',
    'Commands:',
    ...commands.map(({ spec }) => `  ${spec.name.padEnd(width)}${spec.summary}`),
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
  mark('start')
  try {
    return await runCommand(argv, io)
  } finally {
    const profile = profileLine()
    if (profile !== null) println(io.stderr, profile)
  }
}

async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const verbose = argv.includes('--verbose')
  try {
    const [name, ...rest] = argv
    if (name === '--version' || name === '-v') {
      println(io.stdout, VERSION)
      return 0
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' && rest[0] !== undefined ? loaderOf(rest[0]) : undefined
      io.stdout.write(topic === undefined ? await generalHelp() : formatCommandHelp((await topic()).spec))
      return 0
    }
    if (name === undefined) {
      io.stderr.write(await generalHelp())
      return 2
    }
    const load = loaderOf(name)
    if (load === undefined) {
      const known = Object.keys(COMMANDS)
      const guess = known.find((candidate) => candidate.startsWith(name.slice(0, 2)))
      throw new UsageError(
        `unknown command "${name}"`,
        guess === undefined
          ? `use one of: ${known.join(', ')}`
          : `did you mean \`hearth ${guess}\`? Commands: ${known.join(', ')}`,
      )
    }
    const command = await load()
    mark('command')
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
    return await reportError(error, io, verbose)
  }
}

async function reportError(error: unknown, io: Io, verbose: boolean): Promise<number> {
  // Loaded for errors only: `hearth --version` and a command's --help load no package of hearth's.
  const [{ failureOf }, { isDriverError }, { isConfigError, maskUrlPasswords }] = await Promise.all([
    import('./failures.js'),
    import('@hearth/driver'),
    import('@hearth/environments'),
  ])
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
