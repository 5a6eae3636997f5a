// Template resets over `pg`, shared by the embedded server's reset (reset.mjs) and the migrations
// job (migrate.mjs). Plain JavaScript so that it runs without a build. The container's reset does
// the same in psql (src/container-scripts.ts): keep the two in step.
//
// Names: the database `app` has its template `app_template`, and per-worker copies `app_w<id>`.
import pg from 'pg'

export const templateOf = (database) => `${database}_template`
export const workerPatternOf = (database) => `^${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_w[0-9]+$`
/** The database to connect to while the one being reset cannot be used. */
export const adminDatabaseOf = (database) => (database === 'postgres' ? 'template1' : 'postgres')

const ident = (name) => `"${name.replaceAll('"', '""')}"`

/** A client on the admin database of the server `url` (or of `options`) points at. */
export async function connectAdmin(options) {
  const client = new pg.Client({ ...options, database: adminDatabaseOf(options.database) })
  // An error event after the query failed (a terminated session) must not crash the script.
  client.on('error', () => undefined)
  await client.connect()
  return client
}

export function connectionFromUrl(url) {
  const parsed = new URL(url)
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
  }
}

async function exists(client, name) {
  const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
  return result.rowCount > 0
}

async function drop(client, name) {
  if (!(await exists(client, name))) return
  // A template cannot be dropped; WITH (FORCE) ends the sessions still using the database.
  await client.query(`ALTER DATABASE ${ident(name)} WITH IS_TEMPLATE false`)
  await client.query(`DROP DATABASE ${ident(name)} WITH (FORCE)`)
}

/** Drops `<database>_w<id>`: workers re-create theirs from the fresh template when next asked. */
export async function dropWorkerDatabases(client, database) {
  const found = await client.query('SELECT datname FROM pg_database WHERE datname ~ $1', [
    workerPatternOf(database),
  ])
  for (const { datname } of found.rows) await drop(client, datname)
  return found.rowCount
}

/**
 * `<database>_template` from `database` as it is now. Nobody may connect to the source while it is
 * copied: connections are refused for that moment, and the sessions using it are ended.
 */
export async function createTemplate(client, database) {
  const template = templateOf(database)
  await client.query(`ALTER DATABASE ${ident(database)} WITH ALLOW_CONNECTIONS false`)
  try {
    await client.query(
      'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    )
    await client.query(`CREATE DATABASE ${ident(template)} TEMPLATE ${ident(database)}`)
    await client.query(`ALTER DATABASE ${ident(template)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
  } finally {
    await client.query(`ALTER DATABASE ${ident(database)} WITH ALLOW_CONNECTIONS true`)
  }
}

/**
 * Between two test runs: `database` re-created from its template, worker databases dropped. With
 * no template yet, the template is taken from the database as it is (what migrations and seeds made
 * of it becomes the baseline) and the database is left as it is.
 */
export async function resetDatabase(client, database) {
  await dropWorkerDatabases(client, database)
  if (await restoreFromTemplate(client, database)) return 'reset'
  await createTemplate(client, database)
  return 'template-created'
}

/** `database` dropped and re-created from its template; false (and nothing done) with no template. */
export async function restoreFromTemplate(client, database) {
  const template = templateOf(database)
  if (!(await exists(client, template))) return false
  await client.query(`DROP DATABASE IF EXISTS ${ident(database)} WITH (FORCE)`)
  await client.query(`CREATE DATABASE ${ident(database)} TEMPLATE ${ident(template)}`)
  return true
}

/** After migrations: the template replaced by a copy of the migrated database. */
export async function refreshTemplate(client, database) {
  await dropWorkerDatabases(client, database)
  await drop(client, templateOf(database))
  await createTemplate(client, database)
}
