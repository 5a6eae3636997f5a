/**
 * What a project's package scripts say about its test set-up: scripts that start services (Compose),
 * run migrations or seed data (jobs of an environment), and test scripts that run a Vitest config
 * hearth would not find by itself. `hearth init` does not turn scripts into services (a script's
 * side effects cannot be read from it); it lists them with what to do. Pure.
 */

export type ScriptKind = 'compose' | 'migration' | 'seed' | 'vitest-config' | 'other-runner'

export interface ScriptFinding {
  /** The package's folder relative to the root ('' for the root). */
  dir: string
  script: string
  command: string
  kind: ScriptKind
  /** For `vitest-config`: the config file the script passes. */
  configFile?: string
}

export interface PackageScripts {
  dir: string
  scripts: Readonly<Record<string, string>>
}

const COMPOSE = /\bdocker(?:-compose|\s+compose)\b[^&|;]*\b(?:up|run|start)\b/
const MIGRATION_COMMAND =
  /\b(?:prisma\s+(?:migrate|db\s+push)|drizzle-kit\s+(?:migrate|push)|knex\s+migrate|sequelize(?:-cli)?\s+db:migrate|typeorm\b[^&|;]*migration:run|node-pg-migrate|db-migrate|graphile-migrate|dbmate|flyway|atlas\s+migrate|kysely\b[^&|;]*migrate)/
const MIGRATION_NAME = /(^|:)(migrate|migrations?|db:push|migrate:[\w-]+)$/
const SEED = /(^|:)seed(:[\w-]+)?$|\bprisma\s+db\s+seed\b|\bknex\s+seed\b/
const VITEST_CONFIG = /\bvitest\b[^&|;]*?\s(?:--config|-c)(?:\s+|=)(['"]?)([^\s'"&|;]+)\1/
const OTHER_RUNNER = /(?:^|[\s;&|])(?:jest|mocha|ava|playwright\s+test|cypress\s+run)\b/
/** Names Vitest looks up by itself: a script passing one of them changes nothing. */
const DEFAULT_CONFIG = /^(?:\.\/)?(?:vitest|vite)\.config\.[cm]?[jt]s$/

export function classifyScripts(packages: readonly PackageScripts[]): ScriptFinding[] {
  const findings: ScriptFinding[] = []
  for (const { dir, scripts } of packages) {
    for (const [script, command] of Object.entries(scripts)) {
      if (typeof command !== 'string') continue
      const base = { dir, script, command }
      if (COMPOSE.test(command)) findings.push({ ...base, kind: 'compose' })
      else if (MIGRATION_COMMAND.test(command) || MIGRATION_NAME.test(script))
        findings.push({ ...base, kind: 'migration' })
      else if (SEED.test(script) || SEED.test(command)) findings.push({ ...base, kind: 'seed' })
      else {
        const config = VITEST_CONFIG.exec(command)?.[2]
        if (config !== undefined && !DEFAULT_CONFIG.test(config))
          findings.push({ ...base, kind: 'vitest-config', configFile: config })
        else if (/^test(:|$)/.test(script) && OTHER_RUNNER.test(command))
          findings.push({ ...base, kind: 'other-runner' })
      }
    }
  }
  return findings
}

const SECRET_NAME = /(?:^|_)(?:TOKEN|KEY)$|PASSWORD|PASSWD|SECRET/i
/** `NAME=value` as a shell word: quoted, or up to a blank or an operator. */
const ASSIGNMENT = /(?<![\w$-])([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|[^\s;&|]+)/g
/** `--password=x`, `--token x`, `--api-key=x`. */
const SECRET_FLAG =
  /(?<![\w-])(--?[A-Za-z0-9-]*(?:password|passwd|secret|token|api-key)[A-Za-z0-9-]*)(=|\s+)(?!-)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s;&|]+)/gi
/** `scheme://user:password@`: the password. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/'"]*):([^\s@/'"]+)@/gi

/**
 * A command as it may be printed: passwords in URLs (`postgres://app:***@db/app`), and the values of
 * variables and options that name a token, a key, a password or a secret, masked. A script may
 * carry one (`DATABASE_URL=postgres://u:secret@… prisma migrate deploy`), and init's report ends up
 * in CI logs and issues.
 */
export function maskSecrets(command: string): string {
  return command
    .replace(ASSIGNMENT, (all, name: string) => (SECRET_NAME.test(name) ? `${name}=***` : all))
    .replace(SECRET_FLAG, (_, flag: string, between: string) => `${flag}${between}***`)
    .replace(URL_CREDENTIALS, (_, scheme: string, user: string) => `${scheme}${user}:***@`)
}
