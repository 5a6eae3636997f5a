import pg from 'pg'
import { adminDatabaseOf, quoteIdent, templateOf, workerDatabaseOf } from '../names.js'

/** SQLSTATEs a lost race to create the same database ends with. */
const ALREADY_THERE = new Set(['42P04', '23505'])
/** object_in_use: the source database has other sessions. */
const SOURCE_IN_USE = '55006'

/**
 * The URL of this test worker's own database, `<database>_w<id>`, created on first use as a copy of
 * `<database>_template` (or, if there is no template yet, of the database itself). Call it once per
 * test file (in `beforeAll`, say): a hearth reset drops the worker databases, and the next call
 * copies the fresh template.
 *
 * Several workers may call it at once, for the same id or different ones: creating a database that
 * another call just created counts as success.
 *
 * @param url the database service's `url` output (`HEARTH_DB_URL`).
 * @param workerId a number that tells the workers apart; default Vitest's `VITEST_POOL_ID` (1…N,
 *   reused as workers come and go), else `VITEST_WORKER_ID`.
 */
export async function workerDatabaseUrl(
  url: string,
  workerId: string | number | undefined = process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID,
): Promise<string> {
  const target = new URL(url)
  const database = decodeURIComponent(target.pathname.slice(1))
  if (database === '') throw new TypeError(`workerDatabaseUrl: ${redact(target)} names no database`)
  if (workerId === undefined) {
    throw new TypeError(
      'workerDatabaseUrl: no worker id (VITEST_POOL_ID is not set outside Vitest): pass one, e.g. workerDatabaseUrl(url, 1)',
    )
  }
  const id = String(workerId)
  if (!/^\d+$/.test(id)) {
    throw new TypeError(`workerDatabaseUrl: the worker id must be a whole number, got ${JSON.stringify(id)}`)
  }
  const name = workerDatabaseOf(database, id)
  const admin = new URL(target)
  admin.pathname = `/${encodeURIComponent(adminDatabaseOf(database))}`
  const client = new pg.Client({ connectionString: admin.href })
  client.on('error', () => undefined)
  await client.connect()
  try {
    if (!(await exists(client, name))) await create(client, name, database)
  } finally {
    await client.end().catch(() => undefined)
  }
  const result = new URL(target)
  result.pathname = `/${encodeURIComponent(name)}`
  return result.href
}

async function exists(client: pg.Client, name: string): Promise<boolean> {
  const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
  return (found.rowCount ?? 0) > 0
}

async function create(client: pg.Client, name: string, database: string): Promise<void> {
  const source = (await exists(client, templateOf(database))) ? templateOf(database) : database
  try {
    await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(source)}`)
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code !== undefined && ALREADY_THERE.has(code)) return
    if (code === SOURCE_IN_USE) {
      throw new Error(
        `workerDatabaseUrl: cannot copy ${database} into ${name} while other sessions use it; give it a template first (run the migrations() job, or a hearth reset)`,
        { cause: error },
      )
    }
    throw error
  }
}

function redact(url: URL): string {
  const copy = new URL(url)
  if (copy.password !== '') copy.password = '***'
  return copy.href
}
