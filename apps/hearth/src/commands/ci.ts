import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { type SelectionReason, selectAffected } from '@hearth/core'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { type Io, outStyle, println } from '../io.js'
import { createPackageBuilder } from '../package-builder.js'
import { attachGithubReporter } from '../reporters/github-reporter.js'
import { writeJunitReport } from '../reporters/junit-reporter.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { attachNdjsonReporter } from '../reporters/ndjson-reporter.js'
import { VERSION } from '../version.js'
import { openSession } from '../wiring.js'
import { changedFiles, globalOptions, withInterrupts } from './shared.js'

export const REPORTERS = ['lines', 'ndjson', 'junit', 'github'] as const
export type ReporterName = (typeof REPORTERS)[number]

export const ciSpec: CommandSpec = {
  name: 'ci',
  summary: 'Run the tests headless: bring up (or attach to) their environments, run them, report, clean up.',
  usage: 'hearth ci [--since REF] [--reporter NAME]… [--output DIR] [--retry N] [--keep] [options]',
  options: {
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
  },
  details: [
    'Environments that are already warm are attached to, not recreated; each is reset before the tests run.',
    '',
    'Exit codes: 0 all selected tests passed, 1 tests failed, 2 usage or configuration error,',
    '3 an environment could not be made ready, 130 interrupted.',
  ].join('\n'),
}

export async function runCi(args: ParsedArgs, io: Io): Promise<number> {
  const retries = parseRetries(args.values.retry)
  const reporters = parseReporters(args.values.reporter, io.env)
  const since = typeof args.values.since === 'string' ? args.values.since : null
  const packageDirs = new Map<string, string>()
  const { config, session, vitestConfig, close } = await openSession(globalOptions(args), {
    mode: 'once',
    retries,
    whenBusy: 'queue',
    builder: createPackageBuilder(packageDirs),
  })
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
  if (ndjsonFile !== null) await mkdir(outputDir, { recursive: true })
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
    await withInterrupts(io, session, async () => {
      await session.gc()
      const files = await session.discoverTests()
      if (files.length === 0) {
        if (lines) println(io.stdout, style.dim("no test files: the project's Vitest config selects none"))
        return
      }
      let selection: Record<string, SelectionReason[]> = {}
      if (since === null) {
        for (const file of files) selection[file.file] = [{ kind: 'all' }]
      } else {
        const changed = await changedFiles(config.root, since)
        const { createImportGraph } = await import('@hearth/affected')
        const graph = await createImportGraph({
          root: config.root,
          testFiles: files.map((file) => file.file),
        })
        const affected = selectAffected({ config, graph, files, changed, vitestConfig })
        for (const pkg of affected.rebuild) if (pkg.hasBuildScript) packageDirs.set(pkg.name, pkg.dir)
        selection = affected.files
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
        ...new Set(files.map((file) => file.environment).filter((name): name is string => name !== null)),
      ]
      if (
        args.values.keep !== true &&
        used.length > 0 &&
        session.store.getState().session.interrupted === null
      ) {
        await session.down(used)
      }
    })
  } finally {
    for (const off of detach) off()
    await close()
  }
  const exitCode = session.exitCode()
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
