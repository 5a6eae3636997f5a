import path from 'node:path'
import picomatch from 'picomatch'
import type { ImportSelection } from './import-graph.js'
import type { BuildOutputPackage } from './resolver.js'

/**
 * A rule that selects tests by path rather than by imports, as plain data so that any config maps
 * onto it: a test group's trigger globs (`kind: 'group'`, its tests), a service's `watch` globs and
 * definition file (`kind: 'service'`, the tests of its environment), global triggers such as the
 * lockfile or the Vitest config (`kind: 'global'`, `tests: 'all'`).
 */
export interface SelectionRule {
  kind: 'group' | 'service' | 'config' | 'global'
  name: string
  /**
   * Globs relative to the root (picomatch, dot files included). A glob starting with `!` excludes
   * what it matches from the rule's other globs.
   */
  globs: readonly string[]
  /** The test files the rule selects (absolute or relative to the root), or every test. */
  tests: 'all' | readonly string[]
}

export type SelectionReason =
  | {
      type: 'import'
      /** The changed file the test reaches. */
      changed: string
      /** One shortest import chain, the test first and the changed file last. */
      chain: string[]
      /** Every chain passes through a type-only import: the change can break the compile, not the run. */
      typeOnly: boolean
      /** The package to rebuild first: the test reaches the change through its build output. */
      viaBuildOutput?: BuildOutputPackage
      /** The changed file is not imported but changes how the chain's last import resolves. */
      resolution?: true
    }
  | {
      type: 'rule'
      rule: { kind: SelectionRule['kind']; name: string }
      /** The glob that matched. */
      glob: string
      changed: string
    }

export interface SelectedTest {
  test: string
  /** Why it runs: import reasons first (shortest chain first), then rules. Never empty. */
  reasons: SelectionReason[]
}

export interface SelectTestsInput {
  /** The workspace root: rule globs and relative test paths are relative to it. */
  root: string
  /**
   * The candidate test files, absolute or relative to the root: what `tests: 'all'` means, and the
   * only tests that can be selected (a run narrowed to a group passes that group's files).
   */
  tests: readonly string[]
  /** The changed files (absolute or relative to the root). */
  changed: readonly string[]
  /** The import graph's answer for the same changed files (`graph.testsReaching(changed)`). */
  imports: readonly ImportSelection[]
  rules?: readonly SelectionRule[]
  /**
   * What a change reached only through type-only imports does (every chain from the test to the
   * changed file passes through `import type`, `export type … from`, `typeof import()` or a `.d.ts`):
   * `'exclude'` (the default) does not select the test for it, since the change cannot alter what
   * the test runs (Vitest strips types without checking them); `'include'` selects it with a
   * `typeOnly` reason, for a caller that typechecks. The graph keeps the information either way
   * (`graph.reach`, `graph.testsReaching` say `typeOnly`).
   */
  typeOnly?: 'exclude' | 'include'
}

export interface Selection {
  /** The selected tests, sorted by path. */
  tests: SelectedTest[]
  /** Packages to build before running them (reached through build output), sorted by folder. */
  rebuild: BuildOutputPackage[]
}

/**
 * Which tests a change selects, and why: the import graph's selections (runtime ones only, unless
 * `typeOnly: 'include'`) plus every rule whose globs match a changed file. Pure and deterministic
 * (same input, same output, in the same order).
 */
export function selectTests(input: SelectTestsInput): Selection {
  const absolute = (file: string) => path.resolve(input.root, file)
  const allTests = [...new Set(input.tests.map(absolute))].sort()
  const changed = [...new Set(input.changed.map(absolute))].sort()
  const reasons = new Map<string, SelectionReason[]>()
  const candidates = new Set(allTests)
  const add = (test: string, reason: SelectionReason) => {
    if (!candidates.has(test)) return
    const list = reasons.get(test)
    if (list) list.push(reason)
    else reasons.set(test, [reason])
  }

  const includeTypeOnly = input.typeOnly === 'include'
  for (const selection of input.imports) {
    if (selection.typeOnly && !includeTypeOnly) continue
    const reason: SelectionReason = {
      type: 'import',
      changed: selection.changed,
      chain: [...selection.chain],
      typeOnly: selection.typeOnly,
    }
    if (selection.viaBuildOutput) reason.viaBuildOutput = selection.viaBuildOutput
    if (selection.resolution) reason.resolution = true
    add(absolute(selection.test), reason)
  }

  for (const rule of input.rules ?? []) {
    const include = rule.globs.filter((glob) => !glob.startsWith('!'))
    const exclude = rule.globs.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1))
    const isExcluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false
    const matchers = include.map((glob) => ({ glob, matches: picomatch(glob, { dot: true }) }))
    const tests = rule.tests === 'all' ? allTests : [...new Set(rule.tests.map(absolute))].sort()
    for (const file of changed) {
      const relative = toPosix(path.relative(input.root, file))
      if (
        relative.startsWith('../') ||
        relative === '..' ||
        path.isAbsolute(relative) ||
        isExcluded(relative)
      ) {
        continue
      }
      const matched = matchers.find(({ matches }) => matches(relative))
      if (!matched) continue
      for (const test of tests) {
        add(test, {
          type: 'rule',
          rule: { kind: rule.kind, name: rule.name },
          glob: matched.glob,
          changed: file,
        })
      }
    }
  }

  const rebuild = new Map<string, BuildOutputPackage>()
  const selected = [...reasons.entries()]
    .map(([test, list]) => ({ test, reasons: sortReasons(list) }))
    .sort((a, b) => compare(a.test, b.test))
  for (const { reasons: list } of selected) {
    for (const reason of list) {
      if (reason.type === 'import' && reason.viaBuildOutput)
        rebuild.set(reason.viaBuildOutput.dir, reason.viaBuildOutput)
    }
  }
  return { tests: selected, rebuild: [...rebuild.values()].sort((a, b) => compare(a.dir, b.dir)) }
}

const RULE_ORDER = { global: 0, config: 1, service: 2, group: 3 }

function sortReasons(reasons: SelectionReason[]): SelectionReason[] {
  const key = (reason: SelectionReason): (string | number)[] =>
    reason.type === 'import'
      ? [0, reason.typeOnly ? 1 : 0, reason.resolution ? 1 : 0, reason.chain.length, reason.changed]
      : [1, RULE_ORDER[reason.rule.kind], reason.rule.name, reason.changed, reason.glob]
  const seen = new Set<string>()
  return reasons
    .map((reason) => ({ reason, key: key(reason) }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const x = a.key[i]!
        const y = b.key[i]!
        if (x !== y) return x < y ? -1 : 1
      }
      return 0
    })
    .map(({ reason }) => reason)
    .filter((reason) => {
      const id = JSON.stringify(reason)
      if (seen.has(id)) return false
      seen.add(id)
      return true
    })
}

/** One line for a reason, paths relative to the root: what `hearth affected --explain` prints. */
export function describeReason(reason: SelectionReason, root: string): string {
  const show = (file: string) => toPosix(path.relative(root, file)) || '.'
  if (reason.type === 'rule') {
    return `${show(reason.changed)} matches ${reason.glob} (${reason.rule.kind} ${reason.rule.name})`
  }
  const notes: string[] = []
  if (reason.typeOnly) notes.push('type-only')
  if (reason.resolution) notes.push('changes how an import resolves')
  if (reason.viaBuildOutput)
    notes.push(`through the build output of ${reason.viaBuildOutput.name}: rebuild it`)
  const chain = reason.chain.map(show).join(' → ')
  return notes.length > 0 ? `${chain} (${notes.join('; ')})` : chain
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/')
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
