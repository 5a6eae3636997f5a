import type { SelectionReason } from '@hearth/core'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { type Io, outStyle, println } from '../io.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { openSession } from '../wiring.js'
import { globalOptions, withInterrupts } from './shared.js'

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
  const { config, session, close } = await openSession(globalOptions(args), {
    mode: 'once',
    retries,
    whenBusy: 'queue',
  })
  const style = outStyle(io)
  const detach: Array<() => void> = []
  if (reporters.includes('lines')) {
    println(io.stdout, style.bold(`hearth ci · ${session.project.name}${since === null ? '' : ` · since ${since}`}`))
    detach.push(attachLineReporter({ store: session.store, write: (line) => println(io.stdout, line), style }))
  }
  try {
    await withInterrupts(io, session, async () => {
      await session.gc()
      const files = await session.discoverTests()
      if (files.length === 0) {
        println(io.stdout, style.dim('no test files: the project\'s Vitest config selects none'))
        return
      }
      const selection: Record<string, SelectionReason[]> = {}
      for (const file of files) selection[file.file] = [{ kind: 'all' }]
      await session.runTests(since === null ? 'all' : 'since', selection)
      const used = [...new Set(files.map((file) => file.environment).filter((name): name is string => name !== null))]
      if (args.values.keep !== true && used.length > 0 && session.store.getState().session.interrupted === null) {
        await session.down(used)
      }
    })
  } finally {
    for (const off of detach) off()
    await close()
  }
  void config
  return session.exitCode()
}

function parseRetries(value: ParsedArgs['values'][string]): number {
  if (value === undefined) return 0
  const text = String(value)
  if (!/^\d+$/.test(text)) throw new UsageError(`--retry takes a whole number, got "${text}"`, 'write e.g. --retry 2')
  return Number(text)
}

function parseReporters(value: ParsedArgs['values'][string], env: NodeJS.ProcessEnv): ReporterName[] {
  const given = value === undefined ? [] : Array.isArray(value) ? value : [String(value)]
  const names = given.flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean)
  for (const name of names) {
    if (!(REPORTERS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown reporter "${name}"`, `use one of: ${REPORTERS.join(', ')}`)
    }
  }
  if (names.length > 0) return [...new Set(names)] as ReporterName[]
  return env.GITHUB_ACTIONS === 'true' ? ['lines', 'github'] : ['lines']
}
