import { existsSync } from 'node:fs'
import path from 'node:path'
import { findConfigFile, formatDuration } from '@hearth/environments'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { displayPath, type Io, outStyle, println } from '../io.js'
import { type MergedReports, type MergedSummary, mergeReports, writeMergedReports } from '../merge.js'
import { foldIntoHistory } from '../shards.js'
import { ensureStateDir } from '../state-dir.js'
import type { Style } from '../style.js'
import { VERSION } from '../version.js'

// Only light modules above: merging reads and writes files, it loads neither Vitest, nor a driver,
// nor the TUI, so the merge job of a CI pipeline needs no Docker and starts at once.

export const MERGE_REPORTERS = ['lines', 'json'] as const
export type MergeReporterName = (typeof MERGE_REPORTERS)[number]

/** How many failures the lines print; the merged summary.json has them all. */
export const MAX_FAILURE_LINES = 50

export const mergeReportsSpec: CommandSpec = {
  name: 'merge-reports',
  summary:
    "Join the shards' reports into one, fold their timings into the history, exit as the whole run would.",
  usage: 'hearth merge-reports DIR… [--output DIR] [--reporter lines|json] [options]',
  operands:
    "Each DIR is a shard's report folder (what `hearth ci --output` wrote: summary.json, junit.xml,\nevents.ndjson), or a folder of them (where CI downloaded the artifacts: reports/shard-1, …).",
  options: {
    output: {
      type: 'string',
      value: '<dir>',
      description:
        'Where to write the merged summary.json, junit.xml and events.ndjson (default .hearth/reports/merged in the project, else ./hearth-merged)',
    },
    reporter: {
      type: 'string',
      value: '<name>',
      description: `How to report: ${MERGE_REPORTERS.join(', ')} (default lines; json prints the merged summary on stdout)`,
    },
  },
  details: [
    "Every shard 1..N of one plan must be there exactly once: upload each shard's report folder",
    'even when its tests fail (GitHub Actions: `if: always()` on the upload step). Reports of unsharded',
    'runs of disjoint tests merge too. junit.xml is merged when every shard wrote one; events.ndjson',
    "holds the shards' streams one after the other. In a project (a hearth config here or above), the",
    "shards' file durations, environment start-ups and fixed costs are folded into .hearth/timings.json,",
    'so the next plan learns from them.',
    '',
    'Exit code: the one the whole run would have had: 70 over 2 over 130 over 3 over 1 over 0 across the',
    'shards; 2 when the reports do not make one run (a shard missing or there twice, different plans).',
  ].join('\n'),
}

export interface MergeReportsOptions {
  /** For the timing history's `updatedAt`. Default: now. */
  now?: () => Date
}

export async function runMergeReports(
  args: ParsedArgs,
  io: Io,
  _interrupts?: unknown,
  { now = () => new Date() }: MergeReportsOptions = {},
): Promise<number> {
  const reporter = parseReporter(args.values.reporter)
  const base = path.resolve(typeof args.values.cwd === 'string' ? args.values.cwd : '.')
  if (!existsSync(base)) throw new UsageError(`--cwd ${base} does not exist`, 'pass an existing folder')
  const root = projectRoot(base, args.values.config)
  const output =
    typeof args.values.output === 'string'
      ? path.resolve(base, args.values.output)
      : root === null
        ? path.join(base, 'hearth-merged')
        : path.join(root, '.hearth', 'reports', 'merged')

  const merged = await mergeReports(args.operands, { version: VERSION, cwd: base, output })
  // Before the default output (under it) or the history make the state folder without its .gitignore.
  if (root !== null) await ensureStateDir(path.join(root, '.hearth'))
  const written = await writeMergedReports(output, merged)
  let timings: { file: string; files: number; environments: number } | null = null
  let timingsError: string | null = null
  if (root !== null) {
    try {
      timings = await foldTimings(root, merged.summary, now())
    } catch (error) {
      // The history is a cache: a merge that cannot write it has still merged.
      timingsError = `the timing history was not updated: ${(error as Error).message}`
    }
  }

  if (reporter === 'json') {
    println(io.stdout, JSON.stringify(merged.summary, null, 2))
    for (const note of [...merged.notes, ...(timingsError === null ? [] : [timingsError])])
      println(io.stderr, `hearth: ${note}`)
    return merged.exitCode
  }
  const style = outStyle(io)
  const shown = (file: string) => displayPath(file)
  for (const line of formatMerge(merged, style)) println(io.stdout, line)
  for (const note of merged.notes) println(io.stdout, style.yellow(`! ${note}`))
  if (timingsError !== null) println(io.stdout, style.yellow(`! ${timingsError}`))
  const files = [written.summary, written.junit, written.events].filter((file) => file !== null)
  println(io.stdout, style.dim(`merged reports: ${files.map(shown).join(', ')}`))
  if (timings !== null)
    println(
      io.stdout,
      style.dim(
        `timing history: ${shown(timings.file)} (${plural(timings.files, 'file')}, ${plural(timings.environments, 'environment start-up')})`,
      ),
    )
  return merged.exitCode
}

/**
 * Folds the merged run's file durations and its environments' cold starts (those not attached to
 * warm) into the timing history of the project at `root`; a missing or unreadable history starts
 * empty. Resolves with what it learned.
 */
export async function foldTimings(
  root: string,
  summary: Pick<MergedSummary, 'files' | 'environments' | 'shards'>,
  at: Date,
): Promise<{ file: string; files: number; environments: number }> {
  const files = summary.files
    .filter((file) => file.state !== 'not-run' && file.durationMs !== null)
    .map((file) => ({ path: file.path, durationMs: file.durationMs as number, state: file.state }))
  const startups = summary.environments
    .filter((environment) => environment.startMs !== null && !environment.reused)
    .map((environment) => ({ name: environment.name, durationMs: environment.startMs as number }))
  const overheads = summary.shards.flatMap((shard) => (shard.overheadMs === null ? [] : [shard.overheadMs]))
  const file = await foldIntoHistory(root, { files, startups, overheads }, at)
  return {
    file,
    files: files.filter((entry) => entry.state !== 'skipped').length,
    environments: startups.length,
  }
}

/**
 * The readable merge: a line per shard, the failures (file › test: message), the totals. Pure, so
 * it is tested on its own.
 */
export function formatMerge({ summary, reports, sharded }: MergedReports, style: Style): string[] {
  const unit = sharded ? 'shard' : 'report'
  const plan = summary.shards.find((shard) => shard.plan !== null)?.plan ?? null
  const lines = [
    style.bold(
      `hearth merge-reports${summary.project === null ? '' : ` · ${summary.project.name}`} · ${plural(summary.shards.length, unit)}${plan === null ? '' : ` of plan ${plan}`}${summary.since === null ? '' : ` · since ${summary.since}`}`,
    ),
  ]
  const rows = summary.shards.map((shard) => {
    const files = summary.files.filter((file) => file.shard === shard.index)
    const count = (state: string) => files.filter((file) => file.state === state).length
    const notRun = count('not-run')
    return {
      shard,
      cells: [
        sharded ? `shard ${shard.index}/${shard.total}` : `report ${shard.index}`,
        plural(files.length, 'file'),
        `${count('passed')} passed`,
        `${count('failed')} failed${notRun > 0 ? `, ${notRun} not run` : ''}`,
        shard.durationMs === null ? '-' : formatDuration(shard.durationMs),
      ],
      dir: reports.find((report) => report.index === shard.index)?.dir ?? '',
    }
  })
  const widths =
    rows[0]?.cells.map((_, column) => Math.max(...rows.map((row) => row.cells[column]?.length ?? 0))) ?? []
  for (const { shard, cells, dir } of rows) {
    const exit = `exit ${shard.exitCode}`
    lines.push(
      `  ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}  ${shard.exitCode === 0 ? exit : style.red(exit)}  ${style.dim(dir)}`.trimEnd(),
    )
  }

  const failures = summary.files.flatMap((file) =>
    file.state === 'failed' || file.state === 'not-run'
      ? file.errors.map(
          (error) =>
            `${style.red('✗')} ${file.path}${error.test === null ? '' : ` › ${error.test}`}: ${error.message}${style.dim(`  (${unit} ${file.shard})`)}`,
        )
      : [],
  )
  const silent = summary.shards.filter(
    (shard) =>
      shard.exitCode !== 0 &&
      !summary.files.some(
        (file) => file.shard === shard.index && (file.state === 'failed' || file.state === 'not-run'),
      ),
  )
  if (failures.length > 0 || silent.length > 0) lines.push('')
  lines.push(...failures.slice(0, MAX_FAILURE_LINES))
  if (failures.length > MAX_FAILURE_LINES)
    lines.push(style.dim(`… and ${failures.length - MAX_FAILURE_LINES} more: see the merged summary.json`))
  for (const shard of silent) {
    const dir = reports.find((report) => report.index === shard.index)?.dir
    lines.push(
      style.yellow(
        `! ${unit} ${shard.index} exited ${shard.exitCode} without a failed test file: see its job's output${dir === undefined ? '' : ` (or ${path.join(dir, 'events.ndjson')})`}`,
      ),
    )
  }

  const { counts } = summary
  const notRun = summary.files.filter((file) => file.state === 'not-run').length
  const parts = [
    ...(counts.failed > 0 || summary.exitCode !== 0 ? [`${counts.failed} failed`] : []),
    `${counts.passed} passed`,
    ...(counts.skipped > 0 ? [`${counts.skipped} skipped`] : []),
    ...(notRun > 0 ? [`${notRun} not run`] : []),
    ...(counts.flaky > 0 ? [`${counts.flaky} flaky`] : []),
  ]
  const took = summary.durationMs === null ? '' : ` in ${formatDuration(summary.durationMs)}`
  const total = `${parts.join(', ')}${took} (${plural(counts.files, 'file')}, ${plural(counts.tests, 'test')})`
  lines.push(
    '',
    summary.exitCode === 0 ? style.green(`✓ ${total}`) : style.red(`✗ ${total} · exit ${summary.exitCode}`),
  )
  return lines
}

function parseReporter(value: ParsedArgs['values'][string]): MergeReporterName {
  if (value === undefined) return 'lines'
  const name = String(value).trim()
  if (!(MERGE_REPORTERS as readonly string[]).includes(name))
    throw new UsageError(
      `unknown reporter "${name}" (hearth merge-reports)`,
      `use one of: ${MERGE_REPORTERS.join(', ')}`,
    )
  return name as MergeReporterName
}

/** The project's root: the folder of --config, or of the hearth config found upwards; null outside one. */
function projectRoot(base: string, config: ParsedArgs['values'][string]): string | null {
  if (typeof config === 'string') {
    const file = path.resolve(base, config)
    if (!existsSync(file)) throw new UsageError(`--config ${config} does not exist`, 'check the path')
    return path.dirname(file)
  }
  const found = findConfigFile(base)
  return found === null ? null : path.dirname(found)
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
