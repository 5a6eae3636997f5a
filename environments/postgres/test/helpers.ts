export { processesOf } from '@hearth/driver-process/testing'

import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createSession, type Session } from '@hearth/core'
import type { Driver } from '@hearth/driver'
import type { NormalizedConfig, ServiceDefinition } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import pg from 'pg'

export const ENVIRONMENT = 'test'
/** The image the tests use: built offline by scripts/build-test-images.sh (no registry here). */
export const TEST_IMAGE = 'hearth-test/postgres:15'
/** Every output of the db service, container or embedded. */
export const OUTPUT_KEYS = ['database', 'host', 'password', 'pgPort', 'port', 'url', 'user']

/**
 * A project folder under the system's temporary folder. mkdtemp makes it 0700; a project usually
 * sits in a folder others may enter, which is what the embedded server (run as `nobody` when the
 * tests run as root) needs to keep its data under `.hearth/`.
 */
export function createProject(prefix: string): string {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), `hearth-${prefix}-`)))
  chmodSync(root, 0o755)
  return root
}

export function removeProject(root: string): void {
  rmSync(root, { recursive: true, force: true })
}

/**
 * A migration as a user's project would have one: a Node script that reads DATABASE_URL, creates a
 * table and seeds one row. It imports `pg` by absolute path (the temporary project has no
 * node_modules).
 */
export function writeMigration(root: string): string[] {
  const pgEntry = pathToFileURL(createRequire(import.meta.url).resolve('pg')).href
  writeFileSync(
    path.join(root, 'migrate.mjs'),
    [
      `import pg from ${JSON.stringify(pgEntry)}`,
      'const client = new pg.Client({ connectionString: process.env.DATABASE_URL })',
      'await client.connect()',
      'await client.query("CREATE TABLE invoices (id serial PRIMARY KEY, customer text NOT NULL)")',
      `await client.query("INSERT INTO invoices (customer) VALUES ('seed')")`,
      'await client.end()',
      "console.log('migrated', process.env.PGDATABASE, 'on port', process.env.PGPORT)",
    ].join('\n'),
  )
  return [process.execPath, 'migrate.mjs']
}

export function configOf(root: string, services: Record<string, ServiceDefinition>): NormalizedConfig {
  const result = validateConfig(
    { project: 'env-postgres', environments: [{ name: ENVIRONMENT, services }] },
    { root, file: 'hearth.config.ts', defaultProject: 'env-postgres' },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  return result.config
}

export function openSession(config: NormalizedConfig, drivers: Driver[]): Session {
  return createSession({
    config,
    drivers,
    version: '0.0.0-test',
    stateDir: path.join(config.root, '.hearth'),
  })
}

/** One query on a fresh connection. */
export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

export async function customers(url: string): Promise<string[]> {
  const rows = await query<{ customer: string }>(url, 'SELECT customer FROM invoices ORDER BY id')
  return rows.map((row) => row.customer)
}

/** Wall-clock milliseconds of `work`, rounded. */
export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const began = performance.now()
  const result = await work()
  return [result, Math.round(performance.now() - began)]
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
