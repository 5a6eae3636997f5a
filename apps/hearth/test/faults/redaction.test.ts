import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../../src/reporters/status-table.js'
import { Terminal } from '../e2e/terminal.js'
import { faultProject, hearth, leftovers, projectIdOf, repoRoot } from './helpers.js'

/**
 * Secrets never print in clear (issue 12, point 7). A real project (Postgres in Docker with a
 * distinctive password, and a local API process that gets the database URL and a token of its own)
 * goes through `up`, `status`, `status --json`, `ci` with every reporter (lines, NDJSON, JUnit,
 * GitHub annotations and job summary) and `dev`'s terminal UI; a test of it fails with the URL in
 * its message and prints it. Then every channel and every file hearth keeps under `.hearth` is
 * searched for each secret: none is found, the password shows as `***`, the state folder and the
 * process records are their owner's alone (0700 / 0600), and the tests and the API still got the
 * real values (they connect, and write hashes of what they got).
 */
const PASSWORD = 'Hx7-redact-PW-31337'
const TOKEN = 'tok-9f8e7d6c5b4a-redact'
/** Marked secret by the config (`secrets: ['SESSION']`): its name says nothing. */
const SESSION = 'sess-a1b2c3d4e5-redact'
const SECRETS = [PASSWORD, TOKEN, SESSION] as const

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

const CONFIG = `import { postgres } from '@hearth/env-postgres'
import { defineConfig, defineEnvironment, ready } from 'hearth'

export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: {
    db: postgres({ image: 'hearth-test/postgres:15', fallback: false, password: '${PASSWORD}' }),
    api: {
      kind: 'process',
      command: ['node', 'api.mjs'],
      dependsOn: ['db'],
      ports: { http: { env: 'PORT' } },
      env: { DATABASE_URL: '{{db.url}}', API_TOKEN: '${TOKEN}', SESSION: '${SESSION}' },
      secrets: ['SESSION'],
      readiness: ready.log(/^api listening/),
      outputs: { url: 'http://{{host}}:{{ports.http}}', session: '{{env.SESSION}}' },
    },
  } })],
  tests: [{ name: 'db', include: ['tests/**/*.test.ts'], environment: 'backend' }],
})
`

/** The API writes hashes of what it got (never the values), then says it listens. */
const API = `import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
const sha = (text) => createHash('sha256').update(text ?? '').digest('hex')
writeFileSync('api-env.json', JSON.stringify({ url: sha(process.env.DATABASE_URL), token: sha(process.env.API_TOKEN), session: sha(process.env.SESSION) }))
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('api listening on 127.0.0.1:' + process.env.PORT))
`

/** Connects with the real URL and records hashes of what it got; one test fails quoting the URL. */
const TEST = `import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import pg from 'pg'
import { expect, it } from 'vitest'

const sha = (text) => createHash('sha256').update(text ?? '').digest('hex')

it('connects with the password it was given', async () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  const { rows } = await client.query('select current_user as who')
  await client.end()
  writeFileSync(process.env.SEEN_FILE, JSON.stringify({
    who: rows[0].who,
    url: sha(process.env.DATABASE_URL),
    password: sha(process.env.HEARTH_DB_PASSWORD),
    hearthUrl: sha(process.env.HEARTH_DB_URL),
  }))
})

it('fails with the URL in its message', () => {
  console.log('the url is', process.env.DATABASE_URL, 'and the password', process.env.HEARTH_DB_PASSWORD)
  expect(process.env.DATABASE_URL).toBe('postgres://nobody@nowhere/none')
})
`

describe('secrets in every view, event, report and state file', () => {
  const projects: Array<{ root: string; cleanup(): void }> = []
  const outside = mkdtempSync(path.join(os.tmpdir(), 'hearth-redaction-'))
  let terminal: Terminal | null = null
  afterAll(async () => {
    terminal?.close()
    for (const project of projects) {
      await hearth(['down'], project.root)
      project.cleanup()
    }
    rmSync(outside, { recursive: true, force: true })
  })

  it('up, status, status --json, ci (lines, NDJSON, JUnit, GitHub) and the TUI show *** and the tests get the values', async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG, 'api.mjs': API })
    projects.push(project)
    const { root } = project
    mkdirSync(path.join(root, 'tests'))
    writeFileSync(path.join(root, 'tests/db.test.ts'), TEST)
    for (const [name, from] of [
      ['vitest', 'examples/demo/node_modules/vitest'],
      ['pg', 'apps/hearth/node_modules/pg'],
    ] as const) {
      execFileSync('ln', ['-s', path.join(repoRoot, from), path.join(root, 'node_modules', name)])
    }
    const id = await projectIdOf(root)
    const seenFile = path.join(outside, 'seen.json')
    const summaryFile = path.join(outside, 'step-summary.md')
    writeFileSync(summaryFile, '')
    /** Everything hearth printed, by where it printed it. */
    const channels: Record<string, string> = {}

    const up = await hearth(['up'], root)
    channels['up stdout'] = up.stdout
    channels['up stderr'] = up.stderr
    expect(up.exitCode, up.stdout + up.stderr).toBe(0)
    expect(up.stdout).toMatch(/✓ db +ready .*postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app/)

    // While it runs, the API's record is on disk: no secret in it, its owner's alone.
    const processes = path.join(root, '.hearth/processes')
    const [instance] = readdirSync(processes)
    expect(instance).toBeDefined()
    const record = JSON.parse(
      readFileSync(path.join(processes, instance as string, 'record.json'), 'utf8'),
    ) as {
      env: Record<string, string>
      secretEnv: string[]
    }
    expect(record.secretEnv.sort()).toEqual(['API_TOKEN', 'DATABASE_URL', 'SESSION'])
    expect(Object.keys(record.env)).toEqual(['PORT'])
    expect(modeOf(path.join(root, '.hearth'))).toBe(0o700)
    expect(modeOf(processes)).toBe(0o700)
    expect(modeOf(path.join(processes, instance as string))).toBe(0o700)
    expect(modeOf(path.join(processes, instance as string, 'record.json'))).toBe(0o600)
    expect(modeOf(path.join(processes, instance as string, 'output.log'))).toBe(0o600)

    const status = await hearth(['status'], root)
    channels['status stdout'] = status.stdout
    channels['status stderr'] = status.stderr
    expect(status.stdout).toMatch(
      /db +container +running .*url=postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app .*password=\*\*\*/,
    )
    expect(status.stdout).toMatch(/api +process +running .*session=\*\*\*/)

    const json = await hearth(['status', '--json'], root)
    channels['status --json stdout'] = json.stdout
    channels['status --json stderr'] = json.stderr
    const services = (JSON.parse(json.stdout) as StatusJson).environments[0]?.services ?? []
    expect(services.find((service) => service.name === 'db')?.outputs).toMatchObject({
      url: expect.stringMatching(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app$/),
      password: '***',
      user: 'postgres',
    })
    expect(services.find((service) => service.name === 'api')?.outputs.session).toBe('***')

    const ci = await execa(
      process.execPath,
      [
        path.join(repoRoot, 'apps/hearth/bin/hearth.js'),
        'ci',
        '--keep',
        ...['--reporter', 'lines', '--reporter', 'ndjson', '--reporter', 'junit', '--reporter', 'github'],
      ],
      {
        cwd: root,
        reject: false,
        stdin: 'ignore',
        env: { NO_COLOR: '1', SEEN_FILE: seenFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTIONS: 'true' },
      },
    )
    channels['ci stdout'] = ci.stdout
    channels['ci stderr'] = ci.stderr
    // One test passed (it connected), one failed quoting the URL: exit 1, a test failure.
    expect(ci.exitCode, ci.stdout + ci.stderr).toBe(1)
    expect(ci.stdout).toContain('✗ tests/db.test.ts  1 of 2 failed')
    expect(ci.stdout).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app/)
    // Vitest cuts the URL short in its message: the password's start is masked all the same.
    expect(ci.stdout).toMatch(/^::error .*postgres:\/\/postgres:\*\*\*…/m)
    const reports = path.join(root, '.hearth/reports')
    const events = readFileSync(path.join(reports, 'events.ndjson'), 'utf8')
    expect(events).toMatch(/"url":"postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app"/)
    expect(readFileSync(path.join(reports, 'junit.xml'), 'utf8')).toContain('postgres://postgres:***…')
    const stepSummary = readFileSync(summaryFile, 'utf8')
    channels['GitHub job summary'] = stepSummary
    expect(stepSummary).toContain('hearth ci')

    // The tests and the API got the real values.
    const seen = JSON.parse(readFileSync(seenFile, 'utf8')) as Record<string, string>
    const dbUrl = (port: string) =>
      `postgres://postgres:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/app`
    const port = /postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:(\d+)\/app/.exec(status.stdout)?.[1] as string
    expect(seen).toEqual({
      who: 'postgres',
      url: sha256(dbUrl(port)),
      password: sha256(PASSWORD),
      hearthUrl: sha256(dbUrl(port)),
    })
    expect(JSON.parse(readFileSync(path.join(root, 'api-env.json'), 'utf8'))).toEqual({
      url: sha256(dbUrl(port)),
      token: sha256(TOKEN),
      session: sha256(SESSION),
    })

    // The TUI: the run's failure (its message quotes the URL), then the database's outputs.
    terminal = Terminal.open({
      command: [process.execPath, path.join(repoRoot, 'apps/hearth/bin/hearth.js'), 'dev'],
      cwd: root,
      columns: 160,
      rows: 40,
      env: { SEEN_FILE: seenFile },
      unset: ['CI'],
    })
    const tty = terminal
    let screen = await tty.waitFor(/✗ run 1: 1 failed/, { timeoutMs: 240_000 })
    expect(screen).toMatch(/postgres:\/\/postgres:\*\*\*@/)
    channels['TUI: the failure'] = screen
    for (let step = 0; step < 3 && !/detail {2}backend\/db\b/.test(screen); step++) {
      tty.press('Tab')
      screen = await tty.waitFor((text) => text !== screen, { what: 'the focus to move' })
    }
    screen = await tty.waitFor(/password = \*\*\*/, { what: "the database's outputs" })
    expect(screen).toMatch(/url = postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app/)
    channels['TUI: the database'] = screen
    // Its output (`l`): the log pane.
    tty.press('l')
    screen = await tty.waitFor((text) => text !== screen, { what: "the database's output" })
    channels['TUI: the output'] = tty.screen({ history: true })
    tty.press('q')
    await tty.exited()
    terminal.close()
    terminal = null

    // No channel and no file hearth keeps holds a secret, in any form.
    const files = filesUnder(path.join(root, '.hearth'))
    expect(files.length).toBeGreaterThan(0)
    const found = (secret: string) => [
      ...Object.entries(channels)
        .filter(([, text]) => containsSecret(text, secret))
        .map(([channel]) => channel),
      ...files.filter((file) => containsSecret(readFileSync(file, 'latin1'), secret)),
    ]
    for (const secret of SECRETS) expect(found(secret), `where ${secret} was found`).toEqual([])
    // Every folder under .hearth hearth made its owner's alone; records and output 0600.
    expect(modeOf(path.join(root, '.hearth'))).toBe(0o700)
    for (const file of files.filter((file) => file.includes(`${path.sep}processes${path.sep}`)))
      expect(modeOf(file), file).toBe(0o600)

    const down = await hearth(['down'], root)
    expect(down.exitCode, down.stdout + down.stderr).toBe(0)
    for (const secret of SECRETS) expect(containsSecret(down.stdout + down.stderr, secret)).toBe(false)
    for (const file of filesUnder(path.join(root, '.hearth')))
      for (const secret of SECRETS)
        expect(containsSecret(readFileSync(file, 'latin1'), secret), file).toBe(false)
    expect(leftovers(id)).toEqual([])
  })
})

/** The secret as it is, URL-encoded, or JSON-escaped. */
function containsSecret(text: string, secret: string): boolean {
  return [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)].some((form) =>
    text.includes(form),
  )
}

function modeOf(file: string): number {
  return statSync(file).mode & 0o777
}

/** Every file under a folder, recursively (the embedded server's data folder included, if any). */
function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(full))
    else if (entry.isFile()) out.push(full)
  }
  return out
}
