import path from 'node:path'
import { describeReason, relativePath } from '@hearth/core'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { type Io, outStyle, println } from '../io.js'
import { mark } from '../profile.js'
import { openSession } from '../wiring.js'
import { changedFiles, globalOptions } from './shared.js'

export const affectedSpec: CommandSpec = {
  name: 'affected',
  summary: 'Show which test files a change affects, and why. Runs nothing.',
  usage: 'hearth affected [file…] [--since REF] [--explain] [--json] [options]',
  operands:
    'Changed files (relative to the current folder). Default: what changed since --since, or uncommitted changes.',
  options: {
    since: {
      type: 'string',
      value: '<ref>',
      description: 'The changes since this git ref (committed, uncommitted and untracked)',
    },
    explain: {
      type: 'boolean',
      description: 'Say why each test is selected: its import chain, or the trigger that matched',
    },
    json: {
      type: 'boolean',
      description: 'Print JSON: the changed files, the tests with their reasons, the packages to rebuild',
    },
  },
  details:
    'A test is affected when it reaches a changed file through imports (tsconfig paths, package exports,\n' +
    "workspace links to sources or build output), or when a declared trigger matches: a test group's\n" +
    "triggers, a service's watch globs or definition, the lockfile, the Vitest config or hearth's config.",
}

export async function runAffected(args: ParsedArgs, io: Io): Promise<number> {
  const since = typeof args.values.since === 'string' ? args.values.since : null
  if (since !== null && args.operands.length > 0) {
    throw new UsageError('give changed files or --since, not both', 'drop the files, or drop --since')
  }
  const { config, session, close } = await openSession(
    globalOptions(args),
    { mode: 'once' },
    { drivers: false },
  )
  try {
    const files = await session.discoverTests()
    mark('list tests')
    const changed =
      args.operands.length > 0
        ? args.operands.map((file) => path.resolve(file))
        : await changedFiles(config.root, since ?? 'HEAD')
    const selection = await session.selectAffected(changed, files)
    mark('select')
    const relative = (file: string) => relativePath(config.root, file)
    const selected = files.filter((file) => selection.files[file.file] !== undefined)
    if (args.values.json === true) {
      println(
        io.stdout,
        JSON.stringify(
          {
            version: 1,
            changed: changed.map(relative).sort(),
            tests: selected.map((file) => ({
              path: file.path,
              group: file.group,
              environment: file.environment,
              reasons: selection.files[file.file],
            })),
            rebuild: selection.rebuild.map((pkg) => ({
              name: pkg.name,
              dir: relative(pkg.dir),
              hasBuildScript: pkg.hasBuildScript,
            })),
          },
          null,
          2,
        ),
      )
      return 0
    }
    const style = outStyle(io)
    const what =
      args.operands.length > 0 ? 'the given files' : `the changes since ${since ?? 'HEAD (uncommitted)'}`
    println(
      io.stdout,
      style.bold(
        `${selected.length} of ${files.length} test files affected by ${what} (${changed.length} changed)`,
      ),
    )
    for (const file of selected) {
      println(
        io.stdout,
        `  ${file.path}${file.environment === null ? '' : style.dim(`  (${file.environment})`)}`,
      )
      if (args.values.explain === true) {
        for (const reason of selection.files[file.file] ?? [])
          println(io.stdout, style.dim(`    because ${describeReason(reason)}`))
      }
    }
    if (selection.rebuild.length > 0) {
      println(
        io.stdout,
        style.dim(
          `rebuilt first: ${selection.rebuild.map((pkg) => pkg.name).join(', ')} (used through their build output)`,
        ),
      )
    }
    return 0
  } finally {
    await close()
  }
}
