/**
 * Seeding the timing history from JUnit reports that a project already has (Vitest's `junit`
 * reporter, jest-junit, or anything writing `<testsuites>`/`<testsuite>`), so the first plan is
 * balanced by measured times rather than predictions. Pure: the caller reads the files.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'

export interface ReportedFile {
  /** The file as the report names it, with forward slashes (often relative to the runner's root). */
  name: string
  durationMs: number
}

export interface MatchedFiles {
  /** Reported files matched to a known path, in the order reported. */
  matched: Array<{ path: string; durationMs: number }>
  /** Reported names that match no known path, or more than one equally well. */
  unmatched: string[]
}

type Element = Record<string, unknown>

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  // Text and other tags (failures, output) are of no interest; the two that matter are always lists.
  isArray: (name) => name === 'testsuite' || name === 'testcase',
})

/**
 * Per-file durations from a JUnit report, sorted by name. A suite's file is its `file` (or
 * `filepath`) attribute, else the `file` attribute of its test cases (jest-junit's
 * `addFileAttribute`), else its name (Vitest names each suite by the file's path relative to its
 * root). A suite's time is its `time` (seconds), else the sum of its test cases' times; suites of
 * one file add up. Throws an Error saying why when the text is not a JUnit report.
 */
export function parseJunitTimings(xml: string): ReportedFile[] {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) {
    throw new Error(`The XML is not a JUnit report: ${describeInvalid(valid.err)}.`)
  }
  let document: Element
  try {
    document = parser.parse(xml) as Element
  } catch (error) {
    throw new Error(`The XML is not a JUnit report: it could not be read (${(error as Error).message}).`)
  }
  const suites = rootSuites(document)
  if (suites === undefined) {
    const root = Object.keys(document).find((key) => !key.startsWith('?'))
    throw new Error(
      root === undefined
        ? 'The XML is not a JUnit report: it has no root element.'
        : `The XML is not a JUnit report: its root element is <${root}>, not <testsuites> or <testsuite>.`,
    )
  }

  const totals = new Map<string, number>()
  const add = (name: string, ms: number): void => {
    const key = normalizeName(name)
    if (key !== '') totals.set(key, (totals.get(key) ?? 0) + ms)
  }
  const visit = (suite: Element, inherited: string | undefined): void => {
    const file = text(suite['@file']) ?? text(suite['@filepath']) ?? inherited
    const nested = elements(suite.testsuite)
    const cases = elements(suite.testcase)
    for (const child of nested) visit(child, file)
    // A suite that holds suites is a container: its time is theirs, only its own cases count here.
    if (nested.length > 0 && cases.length === 0) return
    const suiteSeconds = nested.length > 0 ? undefined : seconds(suite['@time'])
    const timeOf = (ofSuite: readonly Element[]): number =>
      suiteSeconds !== undefined ? suiteSeconds * 1000 : sumCases(ofSuite)
    if (file !== undefined) {
      add(file, timeOf(cases))
      return
    }
    // Test cases that name their file (jest-junit's addFileAttribute): the suite's name is then a
    // describe title. One file takes the suite's time; cases of several files add up per file.
    const byFile = new Map<string, Element[]>()
    for (const testcase of cases) {
      const caseFile = text(testcase['@file'])
      if (caseFile !== undefined) byFile.set(caseFile, [...(byFile.get(caseFile) ?? []), testcase])
    }
    if (byFile.size === 1) {
      add([...byFile.keys()][0]!, timeOf(cases))
      return
    }
    if (byFile.size > 1) {
      for (const [caseFile, ofFile] of byFile) add(caseFile, sumCases(ofFile))
      return
    }
    const name = text(suite['@name'])
    if (name !== undefined) add(name, timeOf(cases))
  }
  for (const suite of suites) visit(suite, undefined)

  return [...totals]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, ms]) => ({ name, durationMs: Math.round(ms * 10) / 10 }))
}

/**
 * Matches reported files to the project's test files: an exact match, else the one known path that
 * shares the most trailing path segments with the reported name, where one is a whole-segment
 * suffix of the other (`test/a.test.ts` ↔ `packages/x/test/a.test.ts`, or an absolute path ↔ its
 * project-relative form). A name with no such path, or with several equally good ones, is unmatched.
 */
export function matchReportedFiles(
  reported: readonly ReportedFile[],
  knownPaths: readonly string[],
): MatchedFiles {
  const known = new Set(knownPaths)
  const byBase = new Map<string, string[]>()
  for (const path of known) {
    const base = basename(path)
    byBase.set(base, [...(byBase.get(base) ?? []), path])
  }
  const result: MatchedFiles = { matched: [], unmatched: [] }
  for (const { name, durationMs } of reported) {
    const normalized = normalizeName(name)
    const path = known.has(normalized)
      ? normalized
      : bySuffix(normalized, byBase.get(basename(normalized)) ?? [])
    if (path === undefined) result.unmatched.push(name)
    else result.matched.push({ path, durationMs })
  }
  return result
}

function bySuffix(name: string, candidates: readonly string[]): string | undefined {
  const segments = name.split('/')
  let best: string | undefined
  let bestShared = 0
  let tied = false
  for (const candidate of candidates) {
    const theirs = candidate.split('/')
    const shared = sharedTail(segments, theirs)
    if (shared < Math.min(segments.length, theirs.length)) continue
    if (shared > bestShared) {
      best = candidate
      bestShared = shared
      tied = false
    } else if (shared === bestShared) tied = true
  }
  return tied ? undefined : best
}

function describeInvalid({ msg, line, col }: { msg: string; line: number; col?: number }): string {
  // The validator lists tags left open as JSON; a report cut off mid-write (a killed job) ends so.
  const unclosed = /^Invalid '(\[.*\])' found\.$/.exec(msg)?.[1]
  if (unclosed !== undefined) {
    const tags = (JSON.parse(unclosed) as string[]).map((tag) => `<${tag}>`).join(', ')
    return `it ends with ${tags} still open (is it cut off?)`
  }
  const unclosedOne = /^Unclosed tag '(.*)'\.$/.exec(msg)?.[1]
  if (unclosedOne !== undefined) return `it ends with <${unclosedOne}> still open (is it cut off?)`
  const at = col === undefined ? `line ${line}` : `line ${line}, column ${col}`
  return `it is not well-formed XML (${msg.replace(/\.$/, '')} at ${at})`
}

function sharedTail(a: readonly string[], b: readonly string[]): number {
  let shared = 0
  while (shared < a.length && shared < b.length && a[a.length - 1 - shared] === b[b.length - 1 - shared]) {
    shared++
  }
  return shared
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Forward slashes, without a leading `./`. */
function normalizeName(name: string): string {
  return name
    .trim()
    .replaceAll('\\', '/')
    .replace(/^(\.\/)+/, '')
}

function rootSuites(document: Element): Element[] | undefined {
  if ('testsuites' in document) {
    const root = document.testsuites
    // `<testsuites/>` parses as an empty string: a report with no suites.
    return isElement(root) ? elements(root.testsuite) : []
  }
  if ('testsuite' in document) return elements(document.testsuite)
  return undefined
}

function elements(value: unknown): Element[] {
  if (Array.isArray(value)) return value.map((item) => (isElement(item) ? item : {}))
  return isElement(value) ? [value] : []
}

function isElement(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/** A JUnit time in seconds (some writers group thousands with commas); undefined when it is none. */
function seconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim().replaceAll(',', '')
  if (trimmed === '') return undefined
  const parsed = Number(trimmed)
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined
}

function sumCases(cases: readonly Element[]): number {
  return cases.reduce((sum, testcase) => sum + (seconds(testcase['@time']) ?? 0) * 1000, 0)
}
