import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '@hearth/driver'
import { formatDuration } from '@hearth/environments'
import { recordTimings, serializeTimingHistory, type TimingHistory } from '@hearth/sharding'
import { matchReportedFiles, parseJunitTimings } from '@hearth/sharding/junit'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { displayPath, type Io, outStyle, println } from '../io.js'
import { readTimingHistory, timingsFile } from '../shards.js'
import { openSession } from '../wiring.js'
import { globalOptions } from './shared.js'

export const timingsSpec: CommandSpec = {
  name: 'timings',
  summary: 'Show the timing history that plans shards, or seed it from JUnit reports.',
  usage: 'hearth timings [import <junit.xml>…] [options]',
  operands:
    'Without operands: what the history holds. `import FILE…`: fold the per-file durations of JUnit\n' +
    "reports (Vitest's, jest-junit's) into it, so the first plan of a suite already run in CI is balanced.",
  options: {},
  details: [
    "The history is .hearth/timings.json: each test file's smoothed duration, each environment's cold",
    "start and a run's fixed cost, written by `hearth ci` (not by a shard: `hearth merge-reports` folds",
    "the shards' in). Keep it in the CI cache.",
    "A report's suite names are matched to the project's test files by path, or by a unique ending",
    '(Vitest names them relative to its own root, e.g. a package folder).',
  ].join('\n'),
}

export async function runTimings(args: ParsedArgs, io: Io): Promise<number> {
  const [action, ...files] = args.operands
  if (action !== undefined && action !== 'import')
    throw new UsageError(
      `unknown action "${action}"`,
      'use `hearth timings` or `hearth timings import junit.xml`',
    )
  if (action === 'import' && files.length === 0)
    throw new UsageError(
      '`hearth timings import` needs a JUnit report',
      'e.g. hearth timings import reports/junit.xml',
    )
  // Reports are read (and checked) before anything else starts.
  const reports: Array<{ file: string; timings: ReturnType<typeof parseJunitTimings> }> = []
  for (const file of files) {
    const text = await readFile(path.resolve(file), 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
        'pass the path of a JUnit XML report',
      )
    })
    try {
      reports.push({ file, timings: parseJunitTimings(text) })
    } catch (error) {
      throw new UsageError(
        `${file}: ${(error as Error).message}`,
        'pass a JUnit XML report (Vitest: --reporter=junit)',
      )
    }
  }
  const style = outStyle(io)
  if (action === undefined) {
    const { loadConfig } = await import('@hearth/environments')
    const cwd = path.resolve(typeof args.values.cwd === 'string' ? args.values.cwd : process.cwd())
    const config = await loadConfig(
      typeof args.values.config === 'string' ? { cwd, file: args.values.config } : { cwd },
    )
    for (const line of describeHistory(await readTimingHistory(config.root), timingsFile(config.root)))
      println(io.stdout, line)
    return 0
  }
  const { config, session, close } = await openSession(globalOptions(args), { mode: 'once' })
  try {
    const known = (await session.discoverTests()).map((file) => file.path)
    let history = await readTimingHistory(config.root)
    for (const report of reports) {
      const { matched: suites, unmatched } = matchReportedFiles(report.timings, known)
      // Suites of one file under several names (relative, absolute) are one file's time: added up,
      // one sample.
      const byPath = new Map<string, number>()
      for (const suite of suites) byPath.set(suite.path, (byPath.get(suite.path) ?? 0) + suite.durationMs)
      const matched = [...byPath].map(([path, durationMs]) => ({ path, durationMs, state: 'passed' }))
      history = recordTimings(history, matched, new Date())
      println(
        io.stdout,
        `${report.file}: ${matched.length} test file${matched.length === 1 ? '' : 's'} timed${
          unmatched.length === 0
            ? ''
            : style.yellow(
                `; ${unmatched.length} not among the project's test files: ${unmatched.slice(0, 5).join(', ')}${unmatched.length > 5 ? ', …' : ''}`,
              )
        }`,
      )
    }
    await writeFileAtomic(timingsFile(config.root), serializeTimingHistory(history))
    println(io.stdout, style.dim(`history: ${displayPath(timingsFile(config.root))}`))
  } finally {
    await close()
  }
  return 0
}

function describeHistory(history: TimingHistory, file: string): string[] {
  const files = Object.entries(history.files)
  if (files.length === 0)
    return [
      `no timing history in ${file} yet: \`hearth ci\` writes it, \`hearth timings import junit.xml\` seeds it`,
    ]
  const total = files.reduce((sum, [, timing]) => sum + timing.estimateMs, 0)
  const slowest = [...files].sort(([, a], [, b]) => b.estimateMs - a.estimateMs).slice(0, 10)
  const environments = Object.entries(history.environments ?? {})
  const updated = files.map(([, timing]) => timing.updatedAt).sort()
  return [
    `${files.length} test file${files.length === 1 ? '' : 's'}, ${formatDuration(total)} in all (${file})`,
    `measured from ${updated[0]} to ${updated[updated.length - 1]}`,
    'slowest:',
    ...slowest.map(
      ([name, timing]) =>
        `  ${formatDuration(timing.estimateMs).padStart(8)}  ${name}  (${timing.samples} run${timing.samples === 1 ? '' : 's'})`,
    ),
    ...(history.overhead === undefined
      ? []
      : [`a run's fixed cost (besides files and start-ups): ${formatDuration(history.overhead.estimateMs)}`]),
    ...(environments.length === 0
      ? []
      : [
          'environment start-up:',
          ...environments.map(
            ([name, timing]) => `  ${formatDuration(timing.estimateMs).padStart(8)}  ${name}`,
          ),
        ]),
  ]
}
