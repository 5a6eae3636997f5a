/** Applies `migrations/*.sql` in name order to $DATABASE_URL, each once (a tiny migrator for the demo). */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'

const folder = path.join(import.meta.dirname, '../migrations')
const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
await client.connect()
try {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY)')
  const done = new Set(
    (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((row) => row.name),
  )
  for (const name of (await readdir(folder)).filter((file) => file.endsWith('.sql')).sort()) {
    if (done.has(name)) continue
    await client.query('BEGIN')
    await client.query(await readFile(path.join(folder, name), 'utf8'))
    await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name])
    await client.query('COMMIT')
    console.log(`applied ${name}`)
  }
} finally {
  await client.end()
}
