import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { HearthState } from '@hearth/core'
import { formatDuration } from '@hearth/environments'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import type { Interrupts } from '../interrupts.js'
import { displayPath, type Io, outStyle, println } from '../io.js'
import { mark } from '../profile.js'
import { attachGithubReporter } from '../reporters/github-reporter.js'
import { writeJunitReport } from '../reporters/junit-reporter.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { attachNdjsonReporter } from '../reporters/ndjson-reporter.js'
import { renderSummary, writeSummary } from '../reporters/summary.js'
import {
  makePlan,
  parseShardArg,
  readPlanFile,
  readTimingHistory,
  recordRunCosts,
  runOverhead,
  shardPart,
} from '../shards.js'
import { VERSION } from '../version.js'
import { openSession } from '../wiring.js'
import { parseTargets, selectTests } from './selection.js'
import { exitFromState, globalOptions, reportFatal, withInterrupts } from './shared.js'

export const REPORTERS = ['lines', 'ndjson', 'junit', 'github'] as const
export type ReporterName = (typeof REPORTERS)[number]

export const ciSpec: CommandSpec = {
  name: 'ci',
  summary: 'Run the tests headless: bring up (or attach to) their environments, run them, report, clean up.',
  usage:
    'hearth ci [group|path…] [--group NAME]… [--since REF] [--shard i/N [--plan FILE]] [--reporter NAME]… [--output DIR] [--retry N] [--keep] [--no-build] [--strict] [options]',
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
    shard: {
      type: 'string',
      value: '<i/N>',
      description:
        'Run only shard i of N: a plan balanced by the timing history (the same on every machine), or --plan',
    },
    plan: {
      type: 'string',
      value: '<file>',
      description: 'With --shard: take the shards from this plan (`hearth plan --output FILE`)',
    },
  },
  details: [
    'Operands name test groups (from hearth.config.ts) or test files and folders (relative to the',
    'current folder); only their tests run, and only their environments start and reset.',
    'Packages the tests use through their build output (exports → dist/…) are rebuilt first, with',
    'their own build script, when that output is missing or older than their sources.',
    'Environments that are already warm are attached to, not recreated; each is reset before the tests run.',
    'With --shard i/N only the files of that shard run, and only the environments they need start;',
    "`hearth merge-reports` joins the shards' reports. Every run writes summary.json to --output and",
    'folds its file durations and environment start-ups into .hearth/timings.json (the timing history);',
    "a shard only reads the history: merge-reports folds the shards' timings in, once.",
    '',
    'Exit codes: 0 all selected tests passed, 1 tests failed, 2 usage or configuration error,',
    '3 an environment could not be made ready, 130 interrupted.',
  ].join('\n'),
}

export async function runCi(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const retries = parseRetries(args.values.retry)
  const reporters = parseReporters(args.values.reporter, io.env)
  const shard = typeof args.values.shard === 'string' ? parseShardArg(args.values.shard) : null
  const planPath = typeof args.values.plan === 'string' ? path.resolve(args.values.plan) : null
  if (planPath !== null && shard === null)
    throw new UsageError(
      '--plan needs --shard',
      'say which shard of the plan to run: --shard i/N --plan FILE',
    )
  // The plan is checked before anything starts or is printed, like an unknown option.
  const planFile = planPath === null ? null : await readPlanFile(planPath)
  if (planFile !== null && shard !== null && planFile.shardCount !== shard.total)
    throw new UsageError(
      `--shard ${shard.index}/${shard.total} does not fit the plan ${planPath}: it has ${planFile.shardCount} shards`,
      `run --shard i/${planFile.shardCount} for i = 1..${planFile.shardCount}, or make the plan with --shards ${shard.total}`,
    )
  // A plan made with --since holds the commit it named: its shards select the same changes.
  const since = typeof args.values.since === 'string' ? args.values.since : (planFile?.since ?? null)
  const sinceLabel =
    typeof args.values.since === 'string' || planFile?.since == null
      ? since
      : `${planFile.sinceRef ?? planFile.since} (${planFile.since.slice(0, 12)})`
  const { config, session, close } = await openSession(globalOptions(args), {
    mode: 'once',
    runs: true,
    retries,
    whenBusy: 'queue',
    builds: args.values['no-build'] === true ? 'skip' : 'run',
    // A shard's timings go into its summary; `hearth merge-reports` folds them into the history once.
    history: shard === null ? 'record' : 'read',
  })
  let targets: { groups: string[]; paths: string[] }
  try {
    // Operands are checked before anything is printed or written (like an unknown option).
    targets = parseTargets(config, args)
    if (planFile?.project != null && planFile.project.name !== session.project.name)
      throw new UsageError(
        `the plan ${planPath} is of the project "${planFile.project.name}", not "${session.project.name}"`,
        `make the plan in this project: \`hearth plan --shards ${planFile.shardCount} --output FILE\``,
      )
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
  const say = (text: string) => {
    if (lines) println(io.stdout, text)
  }
  const detach: Array<() => void> = []
  const shardLabel = shard === null ? null : `${shard.index}/${shard.total}`
  if (lines) {
    println(
      io.stdout,
      style.bold(
        `hearth ci · ${session.project.name}${shardLabel === null ? '' : ` · shard ${shardLabel}`}${sinceLabel === null ? '' : ` · since ${sinceLabel}`}`,
      ),
    )
    detach.push(
      attachLineReporter({ store: session.store, write: (line) => println(io.stdout, line), style }),
    )
  }
  try {
    await mkdir(outputDir, { recursive: true })
  } catch (error) {
    await close()
    throw error
  }
  // NDJSON alone goes to stdout (a machine reads it); beside the lines it goes to a file.
  const ndjsonFile = reporters.includes('ndjson') && lines ? path.join(outputDir, 'events.ndjson') : null
  const ndjsonStream = ndjsonFile === null ? null : createWriteStream(ndjsonFile)
  const ndjson = reporters.includes('ndjson')
    ? attachNdjsonReporter({
        store: session.store,
        command: 'ci',
        version: VERSION,
        shard,
        write: (line) =>
          ndjsonStream === null ? io.stdout.write(`${line}\n`) : ndjsonStream.write(`${line}\n`),
      })
    : null
  const github = reporters.includes('github')
    ? attachGithubReporter({ store: session.store, env: io.env, write: (line) => println(io.stdout, line) })
    : null

  let planDigest: string | null = planFile?.digest ?? null
  let afterRun: HearthState | null = null
  try {
    await exitFromState(session, () =>
      withInterrupts(interrupts, session, async () => {
        await session.gc()
        mark('gc')
        const selected = await selectTests(session, config, {
          targets,
          since,
          strict: args.values.strict === true,
        })
        mark('select')
        if (selected.discovered.length === 0) {
          say(style.dim("no test files: the project's Vitest config selects none"))
          return
        }
        let selection = selected.reasons
        if (selected.changed !== null) {
          const count = Object.keys(selection).length
          say(
            style.dim(
              `${selected.changed.length} ${selected.changed.length === 1 ? 'file' : 'files'} changed since ${since}; ${count} of ${selected.targeted.length} test files affected`,
            ),
          )
        }
        if (shard !== null) {
          const chosen = selected.targeted.filter((file) => selection[file.file] !== undefined)
          const plan = planFile ?? makePlan(chosen, await readTimingHistory(config.root), shard.total)
          planDigest = plan.digest
          const part = shardPart(
            plan,
            shard,
            new Map(chosen.map((file) => [file.file, file.path])),
            new Map(selected.discovered.map((file) => [file.file, file.path])),
          )
          const mine: typeof selection = {}
          for (const file of part.files) mine[file] = selection[file] ?? [{ kind: 'all' }]
          const predicted = plan.shards.find((entry) => entry.index === shard.index)?.predictedMs ?? 0
          say(
            style.dim(
              `shard ${shardLabel}: ${part.files.length} of ${chosen.length} test files, predicted ${formatDuration(predicted)} (${planPath === null ? 'planned here from the timing history' : `plan ${displayPath(planPath)}`}, ${plan.digest})`,
            ),
          )
          if (part.unplanned.length > 0)
            say(
              style.yellow(
                `${part.unplanned.length} test ${part.unplanned.length === 1 ? 'file is' : 'files are'} not in the plan (added since it was made?); each runs on the shard a hash of its path picks: ${part.unplanned.join(', ')}`,
              ),
            )
          if (part.missing.length > 0)
            say(
              style.yellow(
                `${part.missing.length} test ${part.missing.length === 1 ? 'file' : 'files'} of this shard in the plan ${part.missing.length === 1 ? 'is' : 'are'} no longer test files here (deleted or renamed since?): ${part.missing.join(', ')}`,
              ),
            )
          selection = mine
        }
        if (Object.keys(selection).length === 0) {
          if (shard !== null) say(style.dim(`shard ${shardLabel} has no test files to run`))
          return
        }
        await session.runTests(since === null ? 'all' : 'since', selection)
        mark('run')
        // Before the clean-up: stopped services no longer say whether they were attached to.
        afterRun = session.store.getState()
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
  const state = session.store.getState()
  // A run that ended as runs do (passed or failed) measured what a shard costs besides its files.
  const overheadMs =
    afterRun !== null && (exitCode === 0 || exitCode === 1)
      ? runOverhead(afterRun, process.uptime() * 1000)
      : null
  if (afterRun !== null && shard === null) await recordRunCosts(config.root, afterRun, overheadMs)
  await writeSummary(
    path.join(outputDir, 'summary.json'),
    renderSummary(state, {
      exitCode,
      shard: shard === null ? null : { ...shard, plan: planDigest },
      since,
      version: VERSION,
      command: 'ci',
      ...(afterRun === null ? {} : { environmentsFrom: afterRun }),
      overheadMs,
    }),
  )
  if (reporters.includes('junit')) {
    await writeJunitReport(path.join(outputDir, 'junit.xml'), state)
    say(style.dim(`JUnit report: ${displayPath(path.join(outputDir, 'junit.xml'))}`))
  }
  ndjson?.finish(exitCode)
  if (ndjsonStream !== null) await new Promise<void>((resolve) => ndjsonStream.end(resolve))
  await github?.finish(exitCode)
  return exitCode
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
