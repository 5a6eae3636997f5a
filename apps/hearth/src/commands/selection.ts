import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import {
  type ClassifiedTestFile,
  filterTestFiles,
  type SelectionReason,
  type Session,
  selectEmptyGroups,
} from '@hearth/core'
import type { NormalizedConfig } from '@hearth/environments'
import { type ParsedArgs, UsageError } from '../args.js'
import { changedFiles } from './shared.js'

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

/** The test files a run (or a plan) is about, each with why it was selected. */
export interface TestSelection {
  /** Every test file the project's Vitest configs hold. */
  discovered: ClassifiedTestFile[]
  /** Those the operands and `--group` name (all of them when none is named). */
  targeted: ClassifiedTestFile[]
  /** The selected files (absolute path → reasons): all targeted ones, or those `--since` affects. */
  reasons: Record<string, SelectionReason[]>
  /** The files changed since `--since` (absolute), or null without it. */
  changed: string[] | null
}

export interface SelectOptions {
  targets: { groups: string[]; paths: string[] }
  since: string | null
  /** A test group that matches no test file is a usage error. */
  strict: boolean
}

/**
 * What `hearth ci` and `hearth plan` select: the project's test files, narrowed to the groups and
 * paths named, then to those a change since `since` affects. Naming something that holds no test
 * file is a usage error; a project with no test files at all selects nothing.
 */
export async function selectTests(
  session: Session,
  config: NormalizedConfig,
  { targets, since, strict }: SelectOptions,
): Promise<TestSelection> {
  const discovered = await session.discoverTests()
  if (discovered.length === 0) return { discovered, targeted: [], reasons: {}, changed: null }
  if (strict) {
    const empty = selectEmptyGroups(config, discovered)
    if (empty.length > 0)
      throw new UsageError(
        `test group${empty.length > 1 ? 's' : ''} ${empty.map((name) => `"${name}"`).join(', ')} match${empty.length > 1 ? '' : 'es'} no test file (--strict)`,
        `check the include globs in ${config.file}, or remove the group`,
      )
  }
  const targeted = filterTestFiles(discovered, targets)
  if (targeted.length === 0)
    throw new UsageError(
      `no test file in ${describeTargets(targets, config.root)}`,
      `check the group's include globs in ${config.file}, or name a folder that holds test files`,
    )
  if (since === null) {
    const reasons: Record<string, SelectionReason[]> = {}
    for (const file of targeted) reasons[file.file] = [{ kind: 'all' }]
    return { discovered, targeted, reasons, changed: null }
  }
  const changed = await changedFiles(config.root, since)
  const { files } = await session.selectAffected(changed, targeted)
  return { discovered, targeted, reasons: files, changed }
}

function describeTargets(targets: { groups: string[]; paths: string[] }, root: string): string {
  return [
    ...targets.groups.map((name) => `test group "${name}"`),
    ...targets.paths.map((at) => path.relative(root, at) || '.'),
  ].join(', ')
}
