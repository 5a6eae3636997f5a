import { readFileSync } from 'node:fs'
import { plain } from '@keystore/serialize'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresStore } from '../src/index.ts'
import { databaseUrl } from './database-url.ts'

// A dump of rows that another client wrote. Read relative to the package: run this from its folder.
const rows = JSON.parse(readFileSync('test/fixtures/rows.json', 'utf8')) as { key: string; value: unknown }[]
const table = 'keystore_rows'

describe('rows written by another client', () => {
  let client: pg.Client

  beforeAll(async () => {
    client = new pg.Client({ connectionString: databaseUrl() })
    await client.connect()
    await client.query(`DROP TABLE IF EXISTS ${table}`)
    await client.query(
      `CREATE TABLE ${table} (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz)`,
    )
    for (const row of rows) {
      await client.query(`INSERT INTO ${table} (key, value) VALUES ($1, $2)`, [
        row.key,
        JSON.stringify(row.value),
      ])
    }
  })
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`)
    await client.end()
  })

  it('reads tagged dates and bigints back as Date and bigint', async () => {
    const store = createPostgresStore({ connectionString: databaseUrl(), table })
    try {
      expect(await store.keys('users')).toEqual(['users:ada', 'users:grace'])
      const ada = await store.get<{ name: string; joined: Date; balance: bigint }>('users:ada')
      expect(ada?.joined).toBeInstanceOf(Date)
      expect(ada?.joined.toISOString()).toBe('1843-07-01T00:00:00.000Z')
      expect(ada?.balance).toBe(12345678901234567890n)
    } finally {
      await store.dispose()
    }
  })

  it('reads the same rows as plain JSON with the plain serializer', async () => {
    const store = createPostgresStore({ connectionString: databaseUrl(), table, serializer: plain })
    try {
      expect(await store.get('settings:theme')).toEqual({ mode: 'dark', contrast: 'high' })
      expect(await store.get('users:grace')).toEqual({
        name: 'Grace',
        joined: { $date: '1944-08-07T00:00:00.000Z' },
      })
    } finally {
      await store.dispose()
    }
  })
})
