import { createStore, type Driver, KeystoreError, type Storage, type StoreOptions } from '@keystore/core'
import { isSerializer, type Serializer } from '@keystore/serialize'
import { json } from '@keystore/serialize/json'
import pg from 'pg'
import { escapeLike, quoteTable } from './sql.ts'

export interface PostgresDriverOptions {
  /** A `postgres://` URL. The driver opens a pool and closes it on dispose. */
  connectionString?: string
  /** A pool of your own instead (left open on dispose). */
  pool?: pg.Pool
  /** Default `keystore`. Created on first use when missing. */
  table?: string
}

// Errors two clients get when they create the same table at the same moment.
const ALREADY_EXISTS = new Set(['42P07', '23505'])

/**
 * Items in one table: `key text primary key, value text, expires_at timestamptz`. Expired rows are
 * filtered out on read and deleted by `clear`.
 */
export function postgresDriver(options: PostgresDriverOptions): Driver {
  if (options.pool === undefined && options.connectionString === undefined) {
    throw new KeystoreError('DRIVER', 'postgresDriver needs a connectionString or a pool')
  }
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 })
  const table = quoteTable(options.table ?? 'keystore')
  const live = '(expires_at IS NULL OR expires_at > now())'
  let ready: Promise<void> | undefined

  const query = async (text: string, values: unknown[] = []) => {
    ready ??= pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${table} (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz)`,
      )
      .then(
        () => undefined,
        (error: { code?: string }) => {
          if (!ALREADY_EXISTS.has(error.code ?? '')) throw error
        },
      )
    await ready
    return pool.query(text, values)
  }

  return {
    name: 'postgres',
    async getItem(key) {
      const result = await query(`SELECT value FROM ${table} WHERE key = $1 AND ${live}`, [key])
      return (result.rows[0]?.value as string | undefined) ?? null
    },
    async setItem(key, entry) {
      const expires = entry.expiresAt === null ? null : new Date(entry.expiresAt)
      await query(
        `INSERT INTO ${table} (key, value, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
        [key, entry.value, expires],
      )
    },
    async removeItem(key) {
      await query(`DELETE FROM ${table} WHERE key = $1`, [key])
    },
    async getKeys(prefix) {
      const result = await query(`SELECT key FROM ${table} WHERE key LIKE $1 ESCAPE '\\' AND ${live}`, [
        `${escapeLike(prefix)}%`,
      ])
      return result.rows.map((row) => row.key as string)
    },
    async clear(prefix) {
      await query(`DELETE FROM ${table} WHERE key LIKE $1 ESCAPE '\\'`, [`${escapeLike(prefix)}%`])
    },
    async dispose() {
      if (options.pool === undefined) await pool.end()
    },
  }
}

export interface PostgresStoreOptions
  extends PostgresDriverOptions,
    Omit<StoreOptions, 'driver' | 'serializer'> {
  /** Default: the tagged JSON of `@keystore/serialize/json`, so dates and bigints come back as they went in. */
  serializer?: Serializer
}

export function createPostgresStore(options: PostgresStoreOptions): Storage {
  const serializer = options.serializer ?? json
  if (!isSerializer(serializer))
    throw new KeystoreError('SERIALIZE', 'serializer needs stringify() and parse()')
  return createStore({ driver: postgresDriver(options), base: options.base, serializer })
}
