import type { CommandDefinition, JobServiceDefinition } from '@hearth/environments'
import { SCRIPTS } from './scripts.js'

export interface MigrationsOptions {
  /** The migration command: an argv array, or a string run through `/bin/sh -c`. */
  command: CommandDefinition
  /** Working directory, relative to the project root. Default: the project root. */
  cwd?: string
  /** Globs (relative to the project root) whose change reruns the migrations, e.g. `['db/migrations/**']`. */
  watch?: readonly string[]
  /**
   * The name of the `postgres()` service this job migrates, in the same environment. Default `db`.
   * The job depends on it and reads its outputs.
   */
  database?: string
  /** More environment variables for the command (templates allowed). */
  env?: Readonly<Record<string, string>>
  /** The job fails if it runs longer than this. Default 5 min. */
  timeoutMs?: number
}

/**
 * A job that runs your migrations against a `postgres()` service, then makes the migrated database
 * the template that resets return to:
 *
 * 1. the database is put back to its template, if it has one (migrations apply to the baseline, not
 *    to what the last test run left);
 * 2. the command runs with `DATABASE_URL` and `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
 *    `PGDATABASE` pointing at the database;
 * 3. `<database>_template` is replaced by a copy of the migrated database (and worker databases are
 *    dropped, so that workers copy the new template).
 *
 * `services: { db: postgres(), migrate: migrations({ command: 'pnpm db:migrate' }) }`. It depends on
 * the database service by name (`database`, default `db`): templates may only reference services in
 * `dependsOn`, and this job's env references `{{db.url}}`.
 */
export function migrations(options: MigrationsOptions): JobServiceDefinition {
  const db = options.database ?? 'db'
  const command = options.command
  const argv =
    typeof command === 'string'
      ? [process.execPath, SCRIPTS.migrate, '--shell', command]
      : [process.execPath, SCRIPTS.migrate, '--', ...command]
  return {
    kind: 'job',
    description: `migrations of ${db}, then its template refreshed`,
    command: argv,
    dependsOn: [db],
    env: {
      DATABASE_URL: `{{${db}.url}}`,
      PGHOST: `{{${db}.host}}`,
      PGPORT: `{{${db}.port}}`,
      PGUSER: `{{${db}.user}}`,
      PGPASSWORD: `{{${db}.password}}`,
      PGDATABASE: `{{${db}.database}}`,
      ...options.env,
      // The database the template is refreshed from, whatever the command's own env says.
      HEARTH_POSTGRES_URL: `{{${db}.url}}`,
    },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.watch === undefined ? {} : { watch: options.watch }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  }
}
