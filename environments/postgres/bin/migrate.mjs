#!/usr/bin/env node
// The migrations job of @hearth/env-postgres: `migrate.mjs --shell '<command>'` or
// `migrate.mjs -- <argv…>`. It puts the database back to its template (so migrations apply to the
// baseline, not to what the last test run left), runs the user's command, then replaces the template
// with a copy of the migrated database, so that every reset returns to the migrated state.
// The database is the one HEARTH_POSTGRES_URL names (the job's env sets it from the db's url).
import { spawn } from 'node:child_process'
import {
  connectAdmin,
  connectionFromUrl,
  refreshTemplate,
  restoreFromTemplate,
  templateOf,
} from './lib/databases.mjs'

const [mode, ...rest] = process.argv.slice(2)
const argv = mode === '--shell' ? ['/bin/sh', '-c', rest.join(' ')] : mode === '--' ? rest : []
const url = process.env.HEARTH_POSTGRES_URL
if (argv.length === 0 || url === undefined || url === '') {
  console.error(
    'usage: HEARTH_POSTGRES_URL=postgres://… migrate.mjs --shell "<command>" | -- <program> [args…]',
  )
  process.exit(2)
}
const connection = connectionFromUrl(url)
const { database } = connection

async function withAdmin(work) {
  const client = await connectAdmin(connection)
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

try {
  if (await withAdmin((client) => restoreFromTemplate(client, database))) {
    console.log(`migrations: ${database} put back to ${templateOf(database)} first`)
  }
} catch (error) {
  console.error(`migrations: could not put ${database} back to its template: ${error.message}`)
  process.exit(1)
}

const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit' })
const code = await new Promise((resolve) => {
  child.on('error', (error) => {
    console.error(`migrations: could not run ${argv[0]}: ${error.message}`)
    resolve(127)
  })
  child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 128)))
})
if (code !== 0) {
  console.error(`migrations: the command exited with code ${code}; the template is unchanged`)
  process.exit(code)
}

const began = performance.now()
try {
  await withAdmin((client) => refreshTemplate(client, database))
  console.log(
    `migrations: ${templateOf(database)} refreshed from the migrated ${database} in ${Math.round(performance.now() - began)} ms`,
  )
} catch (error) {
  console.error(`migrations: could not refresh ${templateOf(database)}: ${error.message}`)
  process.exit(1)
}
