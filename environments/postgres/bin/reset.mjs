#!/usr/bin/env node
// The embedded server's reset: hearth runs it between test runs, as a local command with the
// server's environment (PGPORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB). It re-creates the
// database from `<database>_template`, or takes that template on the first reset.
import { connectAdmin, resetDatabase, templateOf } from './lib/databases.mjs'

const { env } = process
const user = env.POSTGRES_USER || 'postgres'
const database = env.POSTGRES_DB || user
const began = performance.now()
let client
try {
  client = await connectAdmin({
    host: '127.0.0.1',
    port: Number(env.PGPORT),
    user,
    password: env.POSTGRES_PASSWORD,
    database,
  })
  const outcome = await resetDatabase(client, database)
  const ms = Math.round(performance.now() - began)
  console.log(
    outcome === 'reset'
      ? `reset: ${database} re-created from ${templateOf(database)} in ${ms} ms`
      : `reset: no template yet, so ${templateOf(database)} was taken from ${database} as it is (${ms} ms)`,
  )
} catch (error) {
  console.error(`reset of ${database} failed: ${error.message}`)
  process.exitCode = 1
} finally {
  await client?.end().catch(() => undefined)
}
