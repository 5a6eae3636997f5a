// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the Compose files and configs under test hold `${VAR}`
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '@hearth/environments'
import { afterAll, describe, expect, it } from 'vitest'
import { hearth, linkDemoModules, repoRoot } from './helpers.js'

/**
 * `hearth import-compose` on three Compose files of different shapes (apps/hearth/test/fixtures/
 * compose/*), driven through the built CLI: each writes a hearth.config.ts that hearth's own loader
 * validates (presets and all), and prints what it could not convert. No Docker needed: the docker
 * test (import-compose.docker.test.ts) brings the same configs up.
 */

const fixtures = path.join(repoRoot, 'apps/hearth/test/fixtures/compose')
const projects: string[] = []
afterAll(() => {
  for (const root of projects) rmSync(root, { recursive: true, force: true })
})

/** A throwaway copy of a fixture, with the demo's install (hearth, the presets) as its node_modules. */
function copyFixture(name: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), `hearth-e2e-compose-${name}-`))
  projects.push(root)
  cpSync(path.join(fixtures, name), root, { recursive: true })
  linkDemoModules(root)
  return root
}

const lines = (text: string) => text.split('\n')

describe('hearth import-compose', () => {
  it('a web app: postgres and redis presets, a migration job, a built API; the config loads', async () => {
    const root = copyFixture('webapp')
    const result = await hearth(['import-compose'], root)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatchInlineSnapshot(`
      "hearth import-compose · docker-compose.yml → hearth.config.ts
      4 services in environment compose:
        db       postgres preset (hearth-test/postgres:15), host port 5432
        cache    redis preset (hearth-test/redis:7), host port 6379
        migrate  job in hearth-test/postgres:15, after db
        api      container built from api, host port 8080, after db, cache, migrate
      notes:
        - db: the postgres preset is ready when PostgreSQL accepts connections on its port, so its Compose healthcheck is not needed
        - kept the host ports Compose published (db 5432, cache 6379, api 8080), for tests that expect them there; with \`--free-ports\` (or without host in the config) the engine picks free ones, so two checkouts run side by side, and tests read the addresses from HEARTH_<SERVICE>_<OUTPUT>
        - hearth publishes ports on 127.0.0.1 only, where Compose publishes them on every interface unless given an address
        - depends_on service_started became dependsOn, and hearth starts a service once its dependencies are ready, not merely started: api → cache
        - api: ready when hearth's own run of the healthcheck test passes (the engine's first check comes only one interval after the start)
      could not convert (5):
        - db.volumes[0] — the preset keeps its database in the container and resets it between test runs; nothing persists across \`hearth down\`
        - cache.command — the redis preset runs redis-server without persistence: test data stays in memory
        - cache.volumes[0] — the preset keeps its data in the container and resets it between test runs; nothing persists across \`hearth down\`
        - api.container_name — hearth names its containers itself; other services reach this one by its service name
        - api.restart — hearth does not restart a service that stops; it reports it
      wrote hearth.config.ts: \`hearth up\` starts compose, \`hearth status\` shows it"
    `)

    const config = await loadConfig({ cwd: root })
    const environment = config.environments.compose
    expect(environment?.order).toEqual(['cache', 'db', 'migrate', 'api'])
    const { db, cache, migrate, api } = environment?.services ?? {}
    expect(db).toMatchObject({
      kind: 'container',
      image: 'hearth-test/postgres:15',
      env: { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: 'shop-secret', POSTGRES_DB: 'shop' },
      ports: [{ name: 'pg', container: 5432, host: 5432 }],
      testEnv: { DATABASE_URL: '{{url}}' },
      readiness: { type: 'postgres', port: 'pg', user: 'shop', database: 'shop' },
    })
    expect(db?.kind === 'container' && db.fallback?.kind).toBe('process')
    expect(cache).toMatchObject({ image: 'hearth-test/redis:7', ports: [{ name: 'redis', host: 6379 }] })
    expect(migrate).toMatchObject({
      kind: 'job',
      image: 'hearth-test/postgres:15',
      dependsOn: ['db'],
      env: { PGPASSWORD: 'shop-secret' },
    })
    expect(api).toMatchObject({
      kind: 'container',
      build: { context: 'api', dockerfile: 'Dockerfile', args: { GREETING: 'hello' } },
      dependsOn: ['db', 'cache', 'migrate'],
      env: { LOG_LEVEL: 'info' },
      healthcheck: {
        command: { shell: 'wget -q -O /dev/null http://127.0.0.1:8080/health.txt || exit 1' },
        intervalMs: 5000,
      },
      readiness: { type: 'command' },
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    })
    // What was not converted is in the file too, for whoever reads it later.
    expect(readFileSync(path.join(root, 'hearth.config.ts'), 'utf8')).toContain(
      ' * - api.restart — hearth does not restart a service that stops; it reports it',
    )
  })

  it('long syntax, env lists, interpolation, env_file, profiles and networks; the config loads', async () => {
    const root = copyFixture('analytics')
    const result = await hearth(['import-compose'], root)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const out = lines(result.stdout)
    expect(out.slice(0, 4)).toEqual([
      'hearth import-compose · compose.yaml → hearth.config.ts',
      '2 services in environment analytics:',
      '  warehouse  container of hearth-test/postgres:15',
      '  collector  container built from collector, after warehouse',
    ])
    expect(out).toEqual(
      expect.arrayContaining([
        '  - warehouse: a plain container, not the postgres preset, because the preset does not take POSTGRES_INITDB_ARGS',
        'could not convert (12):',
        '  - networks — hearth gives each environment one network of its own, where services reach each other by name',
        '  - collector.env_file — hearth does not read .env.collector (env files may hold secrets): put the variables the service needs in env',
        '  - collector.environment.API_TOKEN — ${COLLECTOR_TOKEN} has no value here (no default): Compose would read the shell, and the config has "" in its place: write the value there',
        '  - dashboard.profiles — started only with --profile debug: left out (`hearth import-compose --profile debug` includes it)',
      ]),
    )
    // An env file's values are never printed.
    expect(result.stdout).not.toContain('not-a-real-token')

    const config = await loadConfig({ cwd: root })
    const { warehouse, collector } = config.environments.analytics?.services ?? {}
    expect(warehouse).toMatchObject({
      volumes: ['warehouse-data:/var/lib/postgresql/data', './sql:/docker-entrypoint-initdb.d:ro'],
      healthcheck: {
        command: { argv: ['pg_isready', '--host=127.0.0.1', '--username=analytics', '--dbname=events'] },
      },
      readiness: { type: 'healthcheck' },
      outputs: { url: 'postgres://analytics:analytics@{{host}}:{{ports.postgres}}/events' },
    })
    expect(collector).toMatchObject({
      build: { context: 'collector' },
      ports: [{ name: 'web', container: 8080, host: null }],
      env: { BATCH_SIZE: '500', API_TOKEN: '', SHELL_HOSTNAME: '${HOSTNAME}' },
      readiness: { type: 'tcp', port: 'web' },
      outputs: { url: 'http://{{host}}:{{ports.web}}' },
    })

    // The profile's service, when asked for, and the file replaced only with --force.
    const again = await hearth(['import-compose', '--profile', 'debug'], root)
    expect(again.exitCode).toBe(2)
    expect(again.stderr).toBe(
      'hearth: hearth.config.ts already exists: hearth import-compose does not replace a config\n' +
        '  fix: pass --force to replace it, --output <file> to write another file, or --output - to print it',
    )
    const forced = await hearth(['import-compose', '--profile', 'debug', '--force'], root)
    expect(forced.exitCode).toBe(0)
    expect(forced.stdout).toContain(
      '  dashboard  container of hearth-test/toolbox:1, host port 8081, after collector',
    )
    expect(Object.keys((await loadConfig({ cwd: root })).environments.analytics?.services ?? {})).toEqual([
      'warehouse',
      'collector',
      'dashboard',
    ])
  })

  it('a worker and its queue in a subfolder: binds made project-relative, .env read, a job from a list-form dependency', async () => {
    const root = copyFixture('worker-queue')
    const result = await hearth(['import-compose', 'ops/docker-compose.yaml', '--free-ports'], root)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const out = lines(result.stdout)
    expect(out.slice(0, 5)).toEqual([
      'hearth import-compose · ops/docker-compose.yaml → hearth.config.ts',
      '3 services in environment compose:',
      '  queue   container of hearth-test/redis:7',
      '  seed    job in hearth-test/redis:7, after queue',
      '  worker  container of hearth-test/toolbox:1, after queue, seed',
    ])
    expect(out).toEqual(
      expect.arrayContaining([
        '  - left out the host ports Compose published (queue 6380): the engine picks free ones; tests read the addresses from HEARTH_<SERVICE>_<OUTPUT>',
        '  - took ${QUEUE_PASSWORD} from ops/.env: its value is in the config now; check that it is not a secret before committing it',
        "  - worker.entrypoint — hearth runs the image's own entrypoint: set ENTRYPOINT in a Dockerfile (build), or fold it into command",
      ]),
    )
    const config = await loadConfig({ cwd: root })
    const { queue, seed, worker } = config.environments.compose?.services ?? {}
    expect(queue).toMatchObject({
      command: { argv: ['redis-server', '--requirepass', 'queue-secret'] },
      ports: [{ name: 'redis', container: 6379, host: null }],
      readiness: { type: 'healthcheck' },
    })
    expect(seed).toMatchObject({
      kind: 'job',
      command: {
        argv: [
          'redis-cli',
          '-h',
          'queue',
          '-a',
          'queue-secret',
          '--no-auth-warning',
          'RPUSH',
          'jobs',
          'send welcome email',
          'resize avatar',
        ],
      },
      dependsOn: ['queue'],
    })
    expect(worker).toMatchObject({
      command: {
        argv: ['sh', '-c', 'echo "worker: $(wc -l < /fixtures/jobs.txt) fixture jobs"; exec sleep 3600'],
      },
      volumes: ['./ops/fixtures:/fixtures:ro'],
      env: { QUEUE_URL: 'redis://:queue-secret@queue:6379/0', CONCURRENCY: '4' },
      readiness: { type: 'command', command: { argv: ['test', '-f', '/fixtures/jobs.txt'] } },
      dependsOn: ['queue', 'seed'],
    })
  })

  it('a config in another folder: build contexts and binds relative to it, where hearth resolves them', async () => {
    const root = copyFixture('worker-queue')
    mkdirSync(path.join(root, 'ops/api'))
    writeFileSync(path.join(root, 'ops/api/Dockerfile'), 'FROM hearth-test/toolbox:1\n')
    const compose = path.join(root, 'ops/docker-compose.yaml')
    writeFileSync(
      compose,
      readFileSync(compose, 'utf8').replace(
        'services:\n',
        'services:\n  api:\n    build: ./api\n    image: hearth-test/toolbox:1\n    command: ["sleep", "3600"]\n',
      ),
    )
    const result = await hearth(
      ['import-compose', 'ops/docker-compose.yaml', '--output', 'ops/hearth.config.ts', '--free-ports'],
      root,
    )
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(lines(result.stdout)[0]).toBe(
      'hearth import-compose · ops/docker-compose.yaml → ops/hearth.config.ts',
    )
    const config = await loadConfig({ file: path.join(root, 'ops/hearth.config.ts') })
    const { api, worker } = config.environments.compose?.services ?? {}
    expect(api).toMatchObject({ build: { context: 'api' } })
    expect(worker).toMatchObject({ volumes: ['./fixtures:/fixtures:ro'] })

    // In a folder beside ops/: the bind climbs out of it, the build context (which hearth takes
    // only from inside the config's folder) is listed and the image used.
    const sub = await hearth(
      ['import-compose', 'ops/docker-compose.yaml', '--output', 'sub/hearth.config.ts', '--free-ports'],
      root,
    )
    expect(sub.stderr).toBe('')
    expect(sub.exitCode).toBe(0)
    expect(lines(sub.stdout)).toContain(
      '  - api.build — its build context ./api is outside the folder of the config: hearth builds from folders inside it; the image hearth-test/toolbox:1 is used as it is',
    )
    const subConfig = await loadConfig({ file: path.join(root, 'sub/hearth.config.ts') })
    expect(subConfig.environments.compose?.services.worker).toMatchObject({
      volumes: ['../ops/fixtures:/fixtures:ro'],
    })
  })

  it('prints the config with --output -, and the report on stderr', async () => {
    const root = copyFixture('webapp')
    const result = await hearth(['import-compose', '--output', '-', '--no-presets', '--name', 'shop'], root)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^\/\/ Written by `hearth import-compose` from docker-compose\.yml\./)
    expect(result.stdout).toContain("const shop = defineEnvironment({\n  name: 'shop',")
    expect(result.stdout).not.toContain('@hearth/env-postgres')
    expect(result.stderr).toContain('  db       container of hearth-test/postgres:15, host port 5432')
    expect(result.stderr).toContain('printed: `hearth up` starts shop')
    expect(existsSync(path.join(root, 'hearth.config.ts'))).toBe(false)
  })

  it('says what to install when the project lacks what the config imports', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-compose-bare-'))
    projects.push(root)
    cpSync(path.join(fixtures, 'webapp/docker-compose.yml'), path.join(root, 'docker-compose.yml'))
    const result = await hearth(['import-compose'], root)
    expect(result.exitCode).toBe(0)
    expect(lines(result.stdout).at(-2)).toBe(
      'it imports hearth, @hearth/env-postgres, @hearth/env-redis: install them as dev dependencies',
    )
  })

  it('exit 2 with the file and line for a file that is not Compose, and when there is none', async () => {
    const root = copyFixture('webapp')
    writeFileSync(path.join(root, 'broken.yml'), 'services:\n  api:\n    image: x\n   ports: []\n')
    const broken = await hearth(['import-compose', 'broken.yml'], root)
    expect(broken.exitCode).toBe(2)
    expect(broken.stderr).toBe(
      'hearth: broken.yml:4:1: All mapping items must start at the same column\n' +
        '  fix: fix the YAML there (`docker compose config` shows what Compose makes of it)',
    )
    const missing = await hearth(['import-compose', 'nope.yml'], root)
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain('hearth: cannot read nope.yml: no such file')

    rmSync(path.join(root, 'docker-compose.yml'))
    const none = await hearth(['import-compose'], root)
    expect(none.exitCode).toBe(2)
    expect(none.stderr).toContain(
      'no Compose file in . (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml)',
    )
  })
})
