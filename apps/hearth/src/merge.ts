import { existsSync, realpathSync } from 'node:fs'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '@hearth/driver'
import { XMLValidator } from 'fast-xml-parser'
import { UsageError } from './args.js'
import { xmlAttribute } from './reporters/junit-reporter.js'
import {
  compareCodeUnits,
  parseSummary,
  SUMMARY_SCHEMA,
  type Summary,
  type SummaryCounts,
  type SummaryEnvironment,
  type SummaryFile,
} from './reporters/summary.js'

/** The files of a report folder, as `hearth ci` writes them into its --output. */
export const REPORT_FILES = { summary: 'summary.json', junit: 'junit.xml', events: 'events.ndjson' } as const

/** The `command` of a merged summary: how a merged report folder is told from a shard's. */
export const MERGE_COMMAND = 'merge-reports'

/** One report folder, read: its summary, and its JUnit report and event stream when it has them. */
export interface ReportFolder {
  /** How messages name it: relative to the current folder. */
  dir: string
  summary: Summary
  junit: string | null
  events: string | null
}

/** A shard (or an unsharded report) of a merge, as the merged summary lists it. */
export interface MergedShard {
  /** The shard's index; for unsharded reports, the report's place in the merge (1-based). */
  index: number
  /** The plan's shard count; for unsharded reports, how many reports were merged. */
  total: number
  plan: string | null
  exitCode: number
  durationMs: number | null
  /** What the shard cost besides its files and cold starts (its summary's `overheadMs`). */
  overheadMs: number | null
  /** How many test files it ran. */
  files: number
}

export type MergedFile = SummaryFile & { shard: number }
export type MergedEnvironment = SummaryEnvironment & { shard: number }

/**
 * A summary of the whole run made of its shards' summaries: the same schema, with `shard` null,
 * `shards` added, files (each with its `shard`) and counts of all shards, and each shard's
 * environments (an environment several shards started is listed once per shard).
 */
export interface MergedSummary extends Omit<Summary, 'shard' | 'files' | 'environments'> {
  shard: null
  shards: MergedShard[]
  files: MergedFile[]
  environments: MergedEnvironment[]
}

export interface MergedReports {
  summary: MergedSummary
  /** One JUnit report of all shards; null unless every shard wrote one. */
  junit: string | null
  /** The shards' event streams, one after the other in shard order; null when none wrote one. */
  events: string | null
  /** The exit code the whole run would have had. */
  exitCode: number
  /** The reports are the shards of a plan (else: unsharded runs, numbered in the order given). */
  sharded: boolean
  /** The report folders merged, in shard order. */
  reports: ReadonlyArray<{ dir: string; index: number }>
  /** What could not be merged, for the user (a shard without junit.xml). */
  notes: string[]
}

export interface MergeOptions {
  /** hearth's version, for the merged summary. */
  version: string
  /** Against which folders are resolved and named. Default: process.cwd(). */
  cwd?: string
  /** The folder the merge writes to: never read as a report (an earlier merge's output). */
  output?: string
}

const UPLOAD_FIX =
  "upload each shard's report folder even when its tests fail (GitHub Actions: `if: always()` on the upload step; GitLab: `artifacts: when: always`), and download all of them before merging"
const ONE_RUN_FIX =
  'merge the shards of one run only: every shard job must run `hearth ci --shard i/N` with the same N on the same commit, best with one plan (`hearth plan --output plan.json` once, then `--plan plan.json` in each)'

/**
 * Reads the report folders `dirs` name and merges them. Each is a report folder (it holds
 * summary.json) or a folder of report folders (CI artifact downloads: reports/shard-1, reports/shard-2…).
 * Throws UsageError (exit 2) when the reports do not make one run: a shard missing or there twice,
 * shards of different plans, a file in two shards, a summary that does not read.
 */
export async function mergeReports(dirs: readonly string[], options: MergeOptions): Promise<MergedReports> {
  const cwd = options.cwd ?? process.cwd()
  const found = await findReportFolders(dirs, cwd, options.output)
  const reports: ReportFolder[] = []
  for (const { dir, nested } of found) {
    const report = await readReportFolder(dir, cwd)
    if (report.summary.command === MERGE_COMMAND) {
      // An earlier merge's output beside the shards' folders: not one of them.
      if (nested) continue
      throw new UsageError(
        `${report.dir} holds a merged report (hearth merge-reports wrote it), not a shard's`,
        "pass the shards' report folders",
      )
    }
    reports.push(report)
  }
  if (reports.length === 0)
    throw new UsageError(
      `no report to merge in ${dirs.join(', ')}: only merged ones`,
      "pass the shards' report folders",
    )
  return combineReports(reports, options)
}

/**
 * Merges report folders already read; pure. Checks that they make one run (see `mergeReports`) and
 * throws UsageError naming the folders when they do not.
 */
export function combineReports(
  reports: readonly ReportFolder[],
  { version }: { version: string },
): MergedReports {
  if (reports.length === 0) throw new UsageError('no report to merge', "pass the shards' report folders")
  const ordered = orderReports(reports)
  const sharded = ordered[0]?.report.summary.shard !== null
  checkFiles(ordered, sharded)

  const summaries = ordered.map(({ report }) => report.summary)
  const files = ordered
    .flatMap(({ report, index }) => report.summary.files.map((file) => ({ ...file, shard: index })))
    .sort((a, b) => compareCodeUnits(a.path, b.path))
  const environments = ordered
    .flatMap(({ report, index }) => report.summary.environments.map((entry) => ({ ...entry, shard: index })))
    .sort((a, b) => compareCodeUnits(a.name, b.name) || a.shard - b.shard)
  const sum = (key: keyof SummaryCounts) =>
    summaries.reduce((total, summary) => total + summary.counts[key], 0)
  const started = summaries.map((summary) => time(summary.startedAt)).filter((at) => at !== null)
  const finished = summaries.map((summary) => time(summary.finishedAt)).filter((at) => at !== null)
  const startedAt = started.length === 0 ? null : Math.min(...started)
  const finishedAt = finished.length === 0 ? null : Math.max(...finished)
  const sinces = new Set(summaries.map((summary) => summary.since))
  const exitCode = mergeExitCodes(summaries.map((summary) => summary.exitCode))
  const summary: MergedSummary = {
    schema: SUMMARY_SCHEMA,
    version,
    command: MERGE_COMMAND,
    project: summaries.find((item) => item.project !== null)?.project ?? null,
    shard: null,
    shards: ordered.map(({ report, index, total }) => ({
      index,
      total,
      plan: report.summary.shard?.plan ?? null,
      exitCode: report.summary.exitCode,
      durationMs: report.summary.durationMs,
      overheadMs: report.summary.overheadMs,
      files: report.summary.files.length,
    })),
    since: sinces.size === 1 ? (summaries[0]?.since ?? null) : null,
    startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
    finishedAt: finishedAt === null ? null : new Date(finishedAt).toISOString(),
    durationMs: startedAt === null || finishedAt === null ? null : Math.max(0, finishedAt - startedAt),
    // Each shard's is in `shards`; the whole run's is theirs together, which no plan uses.
    overheadMs: null,
    exitCode,
    counts: {
      files: files.length,
      tests: sum('tests'),
      passed: sum('passed'),
      failed: sum('failed'),
      skipped: sum('skipped'),
      flaky: sum('flaky'),
    },
    files,
    environments,
  }

  const notes: string[] = []
  const label = (index: number, dir: string) => `${sharded ? 'shard' : 'report'} ${index} (${dir})`
  const withoutJunit = ordered.filter(({ report }) => report.junit === null)
  let junit: string | null = null
  if (withoutJunit.length === 0) {
    junit = mergeJunit(
      ordered.map(({ report }) => ({
        name: path.join(report.dir, REPORT_FILES.junit),
        xml: report.junit ?? '',
      })),
    )
  } else if (withoutJunit.length < ordered.length) {
    notes.push(
      `no merged ${REPORT_FILES.junit}: ${withoutJunit.map(({ index, report }) => label(index, report.dir)).join(', ')} ${withoutJunit.length === 1 ? 'has' : 'have'} none (run every shard with --reporter junit)`,
    )
  }
  const withEvents = ordered.filter(({ report }) => report.events !== null)
  const events =
    withEvents.length === 0 ? null : mergeEvents(withEvents.map(({ report }) => report.events ?? ''))
  if (withEvents.length > 0 && withEvents.length < ordered.length) {
    const without = ordered.filter(({ report }) => report.events === null)
    notes.push(
      `${REPORT_FILES.events} has the events of ${withEvents.length} of ${ordered.length} ${sharded ? 'shards' : 'reports'}: ${without.map(({ index, report }) => label(index, report.dir)).join(', ')} wrote none`,
    )
  }
  return {
    summary,
    junit,
    events,
    exitCode,
    sharded,
    reports: ordered.map(({ report, index }) => ({ dir: report.dir, index })),
    notes,
  }
}

/**
 * The exit code a full run would have had, from its shards' (design.md §4): an internal error (70)
 * over a usage error (2) over an interruption (130) over an environment not ready (3) over failed
 * tests (1). A code hearth does not document comes after those, before 0.
 */
export function mergeExitCodes(codes: readonly number[]): number {
  for (const code of [70, 2, 130, 3, 1]) if (codes.includes(code)) return code
  return codes.find((code) => code !== 0) ?? 0
}

interface Ordered {
  report: ReportFolder
  index: number
  total: number
}

/**
 * The reports in shard order, checked to be the shards of one run: all sharded (of one plan, each
 * shard once, none missing) or none (merged in the order given).
 */
function orderReports(reports: readonly ReportFolder[]): Ordered[] {
  const sharded = reports.filter((report) => report.summary.shard !== null)
  const unsharded = reports.filter((report) => report.summary.shard === null)
  const describeShard = (report: ReportFolder) =>
    `${report.dir} (shard ${report.summary.shard?.index}/${report.summary.shard?.total})`
  if (sharded.length > 0 && unsharded.length > 0)
    throw new UsageError(
      `${describeShard(sharded[0] as ReportFolder)} is a shard, but ${(unsharded[0] as ReportFolder).dir} is not sharded`,
      `merge either the shards of one sharded run or reports of unsharded runs; ${ONE_RUN_FIX}`,
    )
  const projects = distinct(reports, (report) => report.summary.project?.name ?? null)
  if (projects.length > 1)
    throw new UsageError(
      `the reports are of different projects: ${projects.map(([name, report]) => `${report.dir} of ${name}`).join(', ')}`,
      'merge the reports of one project',
    )
  if (sharded.length === 0)
    return reports.map((report, position) => ({ report, index: position + 1, total: reports.length }))

  const totals = distinct(sharded, (report) => report.summary.shard?.total ?? null)
  if (totals.length > 1)
    throw new UsageError(
      `the shards are of different shard counts: ${totals.map(([, report]) => describeShard(report)).join(', ')}`,
      ONE_RUN_FIX,
    )
  const plans = distinct(sharded, (report) => report.summary.shard?.plan ?? null)
  if (plans.length > 1)
    throw new UsageError(
      `the shards are of different plans: ${plans.map(([plan, report]) => `${describeShard(report)} of plan ${plan}`).join(', ')}`,
      `${ONE_RUN_FIX} (a plan made from the timing history on each machine differs when their histories do)`,
    )
  const total = totals[0]?.[0] as number
  const byIndex = new Map<number, ReportFolder[]>()
  for (const report of sharded) {
    const index = report.summary.shard?.index as number
    byIndex.set(index, [...(byIndex.get(index) ?? []), report])
  }
  for (const [index, same] of [...byIndex].sort(([a], [b]) => a - b)) {
    if (same.length > 1)
      throw new UsageError(
        `shard ${index}/${total} is there ${same.length} times: ${same.map((report) => report.dir).join(', ')}`,
        "pass each shard's report folder once, all from one run",
      )
  }
  const missing = Array.from({ length: total }, (_, at) => at + 1).filter((index) => !byIndex.has(index))
  if (missing.length > 0) {
    const found = [...byIndex.keys()].sort((a, b) => a - b)
    throw new UsageError(
      `${missing.length === 1 ? 'shard' : 'shards'} ${missing.join(', ')} of ${total} ${missing.length === 1 ? 'is' : 'are'} missing (found ${found.length === 1 ? 'shard' : 'shards'} ${found.join(', ')}: ${found.map((index) => byIndex.get(index)?.[0]?.dir).join(', ')})`,
      UPLOAD_FIX,
    )
  }
  return [...byIndex.keys()]
    .sort((a, b) => a - b)
    .map((index) => ({ report: byIndex.get(index)?.[0] as ReportFolder, index, total }))
}

/** A test file in two reports would be counted twice: the reports are not of one run. */
function checkFiles(ordered: readonly Ordered[], sharded: boolean): void {
  const seen = new Map<string, Ordered>()
  for (const entry of ordered) {
    for (const file of entry.report.summary.files) {
      const first = seen.get(file.path)
      if (first !== undefined && first !== entry) {
        const where = (item: Ordered) =>
          sharded ? `shard ${item.index} (${item.report.dir})` : item.report.dir
        throw new UsageError(
          `${file.path} ran in ${sharded ? 'two shards' : 'two reports'}: ${where(first)} and ${where(entry)}`,
          sharded
            ? ONE_RUN_FIX
            : 'merge reports of runs that ran different test files (different groups or paths)',
        )
      }
      seen.set(file.path, entry)
    }
  }
}

/** The different values of `key` among the items, each with the first item that has it (nulls left out). */
function distinct<T, K>(items: readonly T[], key: (item: T) => K | null): Array<[K, T]> {
  const found = new Map<K, T>()
  for (const item of items) {
    const value = key(item)
    if (value !== null && !found.has(value)) found.set(value, item)
  }
  return [...found]
}

function time(iso: string | null): number | null {
  if (iso === null) return null
  const at = Date.parse(iso)
  return Number.isNaN(at) ? null : at
}

// JUnit and events

/**
 * One JUnit report of several: a `<testsuites>` whose counts are the sums of theirs (and `time`
 * the sum of their times), with all their `<testsuite>` elements sorted by name, each kept exactly
 * as written. Reads the reports `hearth ci` writes (renderJunit), not any JUnit: it cuts the
 * suites out of the text rather than parsing and re-serializing them.
 */
export function mergeJunit(reports: ReadonlyArray<{ name: string; xml: string }>): string {
  let name: string | null = null
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 }
  let seconds = 0
  const suites: Array<{ name: string; xml: string }> = []
  for (const report of reports) {
    const parsed = readJunit(report.xml)
    if (typeof parsed === 'string')
      throw new UsageError(
        `${report.name} is not a JUnit report hearth wrote: ${parsed}`,
        'run that shard again, or delete the file to merge the reports without JUnit',
      )
    name ??= parsed.attributes.get('name') ?? 'hearth'
    for (const key of ['tests', 'failures', 'errors', 'skipped'] as const) {
      const value = Number(parsed.attributes.get(key) ?? '0')
      if (!Number.isInteger(value) || value < 0)
        throw new UsageError(
          `${report.name}: <testsuites ${key}="${parsed.attributes.get(key)}"> is not a count`,
          'run that shard again, or delete the file to merge the reports without JUnit',
        )
      totals[key] += value
    }
    const time = Number(parsed.attributes.get('time') ?? '0')
    if (Number.isFinite(time) && time > 0) seconds += time
    suites.push(...parsed.suites)
  }
  suites.sort((a, b) => compareCodeUnits(a.name, b.name))
  const attributes = Object.entries({ name: name ?? 'hearth', ...totals, time: seconds.toFixed(3) })
    .map(([key, value]) => ` ${key}="${xmlAttribute(String(value))}"`)
    .join('')
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>']
  if (suites.length === 0) lines.push(`<testsuites${attributes}/>`)
  else lines.push(`<testsuites${attributes}>`, ...suites.map((suite) => `  ${suite.xml}`), '</testsuites>')
  return `${lines.join('\n')}\n`
}

/** The root's attributes and the `<testsuite>` elements' text, or what is wrong with the report. */
function readJunit(
  xml: string,
): { attributes: Map<string, string>; suites: Array<{ name: string; xml: string }> } | string {
  // Well-formed first (a library's reading); then the suites are cut out of the text as they are, which
  // is exact for hearth's own reports: their text content is escaped, never CDATA, so no `<` or
  // `</testsuite>` can hide in a message.
  const valid = XMLValidator.validate(xml)
  if (valid !== true) return `it is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`
  const open = /<testsuites(\s[^>]*?)?(\/?)>/.exec(xml)
  if (open === null) return 'it has no <testsuites> element'
  const attributes = attributesOf(open[1] ?? '')
  if (open[2] === '/') return { attributes, suites: [] }
  const from = open.index + open[0].length
  const to = xml.lastIndexOf('</testsuites>')
  if (to < from) return 'its <testsuites> element is not closed (is the file cut short?)'
  const body = xml.slice(from, to)
  const suites: Array<{ name: string; xml: string }> = []
  const start = /<testsuite[\s/>]/g
  let at = 0
  for (;;) {
    start.lastIndex = at
    const match = start.exec(body)
    const between = body.slice(at, match === null ? body.length : match.index)
    if (between.trim() !== '') return `unexpected content in <testsuites>: ${between.trim().slice(0, 40)}`
    if (match === null) break
    const tagEnd = body.indexOf('>', match.index)
    if (tagEnd < 0) return 'a <testsuite> tag is not closed'
    const tag = body.slice(match.index, tagEnd + 1)
    let end = tagEnd + 1
    if (!tag.endsWith('/>')) {
      const close = body.indexOf('</testsuite>', end)
      if (close < 0) return 'a <testsuite> element is not closed'
      end = close + '</testsuite>'.length
    }
    suites.push({ name: attributesOf(tag).get('name') ?? '', xml: body.slice(match.index, end) })
    at = end
  }
  return { attributes, suites }
}

/** A tag's attributes (double-quoted, as hearth writes them), their values unescaped. */
function attributesOf(tag: string): Map<string, string> {
  const attributes = new Map<string, string>()
  for (const [, key, value] of tag.matchAll(/([^\s="<>/]+)="([^"]*)"/g))
    attributes.set(key as string, unescapeXml(value as string))
  return attributes
}

function unescapeXml(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10))
    return named[entity] ?? ''
  })
}

/** The event streams one after the other, their lines unchanged (each stream a session of its own). */
export function mergeEvents(streams: readonly string[]): string {
  return streams
    .filter((text) => text.length > 0)
    .map((text) => (text.endsWith('\n') ? text : `${text}\n`))
    .join('')
}

// Files

/**
 * The report folders the operands name: each a report folder (it holds summary.json) or a folder
 * whose subfolders are (sorted by name); the same folder named twice counts once.
 */
export async function findReportFolders(
  dirs: readonly string[],
  cwd: string,
  output?: string,
): Promise<Array<{ dir: string; nested: boolean }>> {
  if (dirs.length === 0)
    throw new UsageError(
      'name the report folders to merge',
      "pass each shard's report folder (hearth ci --output, default .hearth/reports), or the folder its CI artifacts were downloaded to",
    )
  const shown = (dir: string) => path.relative(cwd, dir) || '.'
  const skip = output === undefined ? null : real(path.resolve(cwd, output))
  const found: Array<{ dir: string; nested: boolean }> = []
  const seen = new Set<string>()
  const add = (dir: string, nested: boolean) => {
    const key = real(dir)
    if (seen.has(key)) return
    seen.add(key)
    found.push({ dir, nested })
  }
  for (const operand of dirs) {
    let dir = path.resolve(cwd, operand)
    const info = await stat(dir).catch(() => null)
    if (info === null)
      throw new UsageError(
        `${operand} does not exist`,
        "pass each shard's report folder (hearth ci --output, default .hearth/reports), or the folder its CI artifacts were downloaded to",
      )
    // A path to the summary itself names its folder.
    if (info.isFile() && path.basename(dir) === REPORT_FILES.summary) dir = path.dirname(dir)
    else if (!info.isDirectory())
      throw new UsageError(`${operand} is not a folder`, "pass the shards' report folders")
    if (existsSync(path.join(dir, REPORT_FILES.summary))) {
      add(dir, false)
      continue
    }
    const children = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort(compareCodeUnits)
    let reports = 0
    for (const child of children) {
      const folder = path.join(dir, child)
      if (skip !== null && real(folder) === skip) continue
      if (existsSync(path.join(folder, REPORT_FILES.summary))) {
        add(folder, true)
        reports++
        continue
      }
      const partial = [REPORT_FILES.junit, REPORT_FILES.events].filter((name) =>
        existsSync(path.join(folder, name)),
      )
      if (partial.length > 0)
        throw new UsageError(
          `${shown(folder)} holds ${partial.join(' and ')} but no ${REPORT_FILES.summary}`,
          `hearth ci writes ${REPORT_FILES.summary} at its end, also when tests fail; a shard that stopped before (a crash, a cancelled job) must run again`,
        )
    }
    if (reports === 0)
      throw new UsageError(
        `${operand} holds no ${REPORT_FILES.summary}, nor does any folder in it`,
        "pass each shard's report folder (hearth ci --output, default .hearth/reports), or the folder its CI artifacts were downloaded to",
      )
  }
  return found
}

/** Reads one report folder; a summary that does not read is a UsageError naming it. */
export async function readReportFolder(dir: string, cwd: string = process.cwd()): Promise<ReportFolder> {
  const shown = path.relative(cwd, dir) || '.'
  const file = path.join(dir, REPORT_FILES.summary)
  let summary: Summary
  try {
    summary = parseSummary(await readFile(file, 'utf8'), path.join(shown, REPORT_FILES.summary))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(`${shown} has no ${REPORT_FILES.summary}`, "pass the shards' report folders")
    throw new UsageError(
      (error as Error).message,
      'the file was cut short or is not one hearth ci wrote: run that shard again',
    )
  }
  const optional = (name: string) =>
    readFile(path.join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null
      throw error
    })
  return {
    dir: shown,
    summary,
    junit: await optional(REPORT_FILES.junit),
    events: await optional(REPORT_FILES.events),
  }
}

/**
 * Writes the merged summary, and the merged JUnit report and event stream when there are some, to
 * `dir` (atomically, each); removes those an earlier merge left there that this one has not.
 */
export async function writeMergedReports(
  dir: string,
  merged: MergedReports,
): Promise<{ summary: string; junit: string | null; events: string | null }> {
  const write = async (name: string, content: string | null): Promise<string | null> => {
    const file = path.join(dir, name)
    if (content === null) {
      await rm(file, { force: true })
      return null
    }
    await writeFileAtomic(file, content)
    return file
  }
  const junit = await write(REPORT_FILES.junit, merged.junit)
  const events = await write(REPORT_FILES.events, merged.events)
  const summary = path.join(dir, REPORT_FILES.summary)
  await writeFileAtomic(summary, `${JSON.stringify(merged.summary, null, 2)}\n`)
  return { summary, junit, events }
}

function real(dir: string): string {
  try {
    return realpathSync(dir)
  } catch {
    return dir
  }
}
