import { createWriteStream, existsSync, realpathSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { filterTestFiles, type SelectionReason, selectEmptyGroups } from '@hearth/core'
import type { NormalizedConfig } from '@hearth/environments'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import type { Interrupts } from '../interrupts.js'
import { type Io, outStyle, println } from '../io.js'
import { attachGithubReporter } from '../reporters/github-reporter.js'
import { writeJunitReport } from '../reporters/junit-reporter.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { attachNdjsonReporter } from '../reporters/ndjson-reporter.js'
import { VERSION } from '../version.js'
import { openSession } from '../wiring.js'
import { changedFiles, exitFromState, globalOptions, reportFatal, withInterrupts } from './shared.js'

export const REPORTERS = ['lines', 'ndjson', 'junit', 'github'] as const
export type ReporterName = (typeof REPORTERS)[number]

export const ciSpec: CommandSpec = {
  name: 'ci',
  summary: 'Run the tests headless: bring up (or attach to) their environments, run them, report, clean up.',
  usage:
    'hearth ci [group|path…] [--group NAME]… [--since REF] [--reporter NAME]… [--output DIR] [--retry N] [--keep] [--no-build] [--strict] [options]',
  options: {
    group: {
      type: 'string',
      multiple: true,
      value: '<name>',
      description: 'Run only the tests of this test group (repeat for several); only its environment starts',
    },
    since: {
      type: 'string',
      value: '<ref>',
      description: 'Run only the tests affected by the changes since this git ref (e.g. origin/main)',
    },
    reporter: {
      type: 'string',
      multiple: true,
      value: '<name>',
      description: `How to report: ${REPORTERS.join(', ')} (repeat for several; default lines, plus github on GitHub Actions)`,
    },
    output: {
      type: 'string',
      value: '<dir>',
      description: 'Where the junit and ndjson reporters write their files (default .hearth/reports)',
    },
    retry: {
      type: 'string',
      value: '<n>',
      description: 'Run failed test files again, up to n times; one that then passes is reported flaky',
    },
    keep: { type: 'boolean', description: 'Leave the environments up afterwards (default: stop them)' },
    'no-build': {
      type: 'boolean',
      description: 'Do not rebuild packages used through their build output (the results may then be stale)',
    },
    strict: {
      type: 'boolean',
      description: 'Treat a test group that matches no test file as an error (exit 2)',
    },
  },
  details: [
    'Operands name test groups (from hearth.config.ts) or test files and folders (relative to the',
    'current folder); only their tests run, and only their environments start and reset.',
    'Packages the tests use through their build output (exports → dist/…) are rebuilt first, with',
    'their own build script, when that output is missing or older than their sources.',
    'Environments that are already warm are attached to, not recreated; each is reset before the tests run.',
    '',
    'Exit codes: 0 all selected tests passed, 1 tests failed, 2 usage or configuration error,',
    '3 an environment could not be made ready, 130 interrupted.',
  ].join('\n'),
}

export async function runCi(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const retries = parseRetries(args.values.retry)
  const reporters = parseReporters(args.values.reporter, io.env)
  const since = typeof args.values.since === 'string' ? args.values.since : null
  const { config, session, close } = await openSession(globalOptions(args), {
    mode: 'once',
    retries,
    whenBusy: 'queue',
    builds: args.values['no-build'] === true ? 'skip' : 'run',
  })
  let targets: { groups: string[]; paths: string[] }
  try {
    // Operands are checked before anything is printed or written (like an unknown option).
    targets = parseTargets(config, args)
  } catch (error) {
    await close()
    throw error
  }
  const outputDir = path.resolve(
    config.root,
    typeof args.values.output === 'string' ? args.values.output : '.hearth/reports',
  )
  const style = outStyle(io)
  const lines = reporters.includes('lines')
  const detach: Array<() => void> = []
  if (lines) {
    println(
      io.stdout,
      style.bold(`hearth ci · ${session.project.name}${since === null ? '' : ` · since ${since}`}`),
    )
    detach.push(
      attachLineReporter({ store: session.store, write: (line) => println(io.stdout, line), style }),
    )
  }
  // NDJSON alone goes to stdout (a machine reads it); beside the lines it goes to a file.
  const ndjsonFile = reporters.includes('ndjson') && lines ? path.join(outputDir, 'events.ndjson') : null
  if (ndjsonFile !== null)
    await mkdir(outputDir, { recursive: true }).catch(async (error: unknown) => {
      await close()
      throw error
    })
  const ndjsonStream = ndjsonFile === null ? null : createWriteStream(ndjsonFile)
  const ndjson = reporters.includes('ndjson')
    ? attachNdjsonReporter({
        store: session.store,
        command: 'ci',
        version: VERSION,
        write: (line) =>
          ndjsonStream === null ? io.stdout.write(`${line}\n`) : ndjsonStream.write(`${line}\n`),
      })
    : null
  const github = reporters.includes('github')
    ? attachGithubReporter({ store: session.store, env: io.env, write: (line) => println(io.stdout, line) })
    : null

  try {
    await exitFromState(session, () =>
      withInterrupts(interrupts, session, async () => {
        await session.gc()
        const discovered = await session.discoverTests()
        if (discovered.length === 0) {
          if (lines) println(io.stdout, style.dim("no test files: the project's Vitest config selects none"))
          return
        }
        if (args.values.strict === true) {
          const empty = selectEmptyGroups(config, discovered)
          if (empty.length > 0)
            throw new UsageError(
              `test group${empty.length > 1 ? 's' : ''} ${empty.map((name) => `"${name}"`).join(', ')} match${empty.length > 1 ? '' : 'es'} no test file (--strict)`,
              `check the include globs in ${config.file}, or remove the group`,
            )
        }
        const files = filterTestFiles(discovered, targets)
        if (files.length === 0)
          throw new UsageError(
            `no test file in ${describeTargets(targets, config.root)}`,
            `check the group's include globs in ${config.file}, or name a folder that holds test files`,
          )
        let selection: Record<string, SelectionReason[]> = {}
        if (since === null) {
          for (const file of files) selection[file.file] = [{ kind: 'all' }]
        } else {
          const changed = await changedFiles(config.root, since)
          selection = (await session.selectAffected(changed, files)).files
          if (lines) {
            const count = Object.keys(selection).length
            println(
              io.stdout,
              style.dim(
                `${changed.length} ${changed.length === 1 ? 'file' : 'files'} changed since ${since}; ${count} of ${files.length} test files affected`,
              ),
            )
          }
          if (Object.keys(selection).length === 0) return
        }
        await session.runTests(since === null ? 'all' : 'since', selection)
        const used = [
          ...new Set(
            Object.keys(selection)
              .map((file) => session.store.getState().tests.files[file]?.environment ?? null)
              .filter((name): name is string => name !== null),
          ),
        ]
        if (
          args.values.keep !== true &&
          used.length > 0 &&
          session.store.getState().session.interrupted === null
        ) {
          await session.down(used)
        }
      }),
    )
  } finally {
    // Closed first, so the views show the clean-up (an interrupted run's services stopping).
    try {
      await close()
    } finally {
      for (const off of detach) off()
    }
  }
  const exitCode = session.exitCode()
  reportFatal(session, io, args.values.verbose === true)
  if (reporters.includes('junit')) {
    await writeJunitReport(path.join(outputDir, 'junit.xml'), session.store.getState())
    if (lines)
      println(
        io.stdout,
        style.dim(`JUnit report: ${path.relative(process.cwd(), path.join(outputDir, 'junit.xml'))}`),
      )
  }
  ndjson?.finish(exitCode)
  if (ndjsonStream !== null) await new Promise<void>((resolve) => ndjsonStream.end(resolve))
  await github?.finish(exitCode)
  return exitCode
}

/**
 * The test groups and paths the operands and `--group` name. An operand is a group when the config
 * has one of that name, else a file or folder relative to the current folder (`-C`); anything else
 * is a usage error that lists the groups.
 */
export function parseTargets(
  config: NormalizedConfig,
  args: ParsedArgs,
  cwd: string = process.cwd(),
): { groups: string[]; paths: string[] } {
  const known = config.tests.map((group) => group.name)
  const listed =
    known.length === 0 ? `${config.file} defines no test groups` : `test groups: ${known.join(', ')}`
  const flag = args.values.group
  const named = flag === undefined ? [] : Array.isArray(flag) ? flag.map(String) : [String(flag)]
  const groups: string[] = []
  for (const name of named) {
    if (!known.includes(name))
      throw new UsageError(`unknown test group "${name}"`, `use one of the ${listed} (in ${config.file})`)
    groups.push(name)
  }
  const base = typeof args.values.cwd === 'string' ? path.resolve(cwd, args.values.cwd) : cwd
  const paths: string[] = []
  for (const operand of args.operands) {
    if (known.includes(operand)) {
      groups.push(operand)
      continue
    }
    const at = path.resolve(base, operand)
    if (!existsSync(at))
      throw new UsageError(
        `"${operand}" is neither a test group nor a file or folder`,
        `name one of the ${listed}, or a test file or folder (relative to ${base})`,
      )
    // As given and as its real path: test files are listed as the runner found them.
    paths.push(...new Set([at, realpathSync(at)]))
  }
  return { groups: [...new Set(groups)], paths }
}

function describeTargets(targets: { groups: string[]; paths: string[] }, root: string): string {
  return [
    ...targets.groups.map((name) => `test group "${name}"`),
    ...targets.paths.map((at) => path.relative(root, at) || '.'),
  ].join(', ')
}

function parseRetries(value: ParsedArgs['values'][string]): number {
  if (value === undefined) return 0
  const text = String(value)
  if (!/^\d+$/.test(text))
    throw new UsageError(`--retry takes a whole number, got "${text}"`, 'write e.g. --retry 2')
  return Number(text)
}

function parseReporters(value: ParsedArgs['values'][string], env: NodeJS.ProcessEnv): ReporterName[] {
  const given = value === undefined ? [] : Array.isArray(value) ? value : [String(value)]
  const names = given
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean)
  for (const name of names) {
    if (!(REPORTERS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown reporter "${name}"`, `use one of: ${REPORTERS.join(', ')}`)
    }
  }
  if (names.length > 0) return [...new Set(names)] as ReporterName[]
  return env.GITHUB_ACTIONS === 'true' ? ['lines', 'github'] : ['lines']
}
