/**
 * A synthetic project for the sharding benchmark: a small monorepo whose test files under
 * `packages/<name>/test/` each wait for a duration drawn from a skewed distribution (seeded, so every
 * run builds the same suite), as integration tests wait on I/O. One variant has no environments; the
 * other gives half of its test groups one environment and half another, each a local process that
 * takes a while to listen, so a shard that needs it pays its cold start.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export type SuiteVariant = 'plain' | 'environments'

export interface SuiteFile {
  /** Relative to the project root, with forward slashes. */
  path: string
  /** What the file waits for in total, over its tests. */
  waitMs: number
  group: string
  environment: string | null
}

export interface SuiteEnvironment {
  name: string
  /** The one service's env var for its URL, as hearth hands it to the tests. */
  urlVariable: string
  /** How long its server waits before it listens. */
  startDelayMs: number
}

export interface SyntheticSuite {
  root: string
  variant: SuiteVariant
  files: SuiteFile[]
  environments: SuiteEnvironment[]
  [Symbol.dispose](): void
}

export interface SuiteOptions {
  variant: SuiteVariant
  /** The workspace that provides `vitest` and `@hearth/environments` (linked into node_modules). */
  repo: string
  seed?: number
  fileCount?: number
  /** What all the files wait for together. */
  totalWaitMs?: number
}

const PACKAGES = [
  'accounts',
  'billing',
  'catalog',
  'checkout',
  'inventory',
  'notifications',
  'search',
  'shipping',
] as const

const TOPICS = [
  'create',
  'update',
  'delete',
  'list',
  'permissions',
  'webhooks',
  'import',
  'export',
  'migrations',
  'pagination',
  'audit-log',
  'retries',
  'concurrency',
  'reports',
  'sync',
  'cleanup',
] as const

/** The two environments of the second variant: the first half of the packages use `database`. */
const ENVIRONMENTS: readonly SuiteEnvironment[] = [
  { name: 'database', urlVariable: 'HEARTH_DB_URL', startDelayMs: 1_500 },
  { name: 'broker', urlVariable: 'HEARTH_QUEUE_URL', startDelayMs: 3_000 },
]
const SERVICE_OF: Readonly<Record<string, string>> = { database: 'db', broker: 'queue' }

/** mulberry32: a small, seeded PRNG, so the suite is the same on every run and machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * `count` durations summing to about `totalMs`, log-normal (σ 1.1: most files short, a few long, as
 * integration suites are), each at least 50 ms and at most 15% of the total so no single file sets
 * the lower bound on its own at the default 4 shards.
 */
export function skewedDurations(random: () => number, count: number, totalMs: number): number[] {
  const raw = Array.from({ length: count }, () => {
    // Box–Muller: a standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    return Math.exp(1.1 * z)
  })
  const cap = 0.15 * totalMs
  let scale = totalMs / raw.reduce((sum, value) => sum + value, 0)
  // Capping moves time off the longest files; scale the rest up until the total holds again.
  for (let pass = 0; pass < 10; pass++) {
    const capped = raw.map((value) => Math.min(cap, value * scale))
    const sum = capped.reduce((total, value) => total + value, 0)
    if (Math.abs(sum - totalMs) < 1) break
    scale *= totalMs / sum
  }
  return raw.map((value) => Math.max(50, Math.round(Math.min(cap, value * scale) / 10) * 10))
}

/** Builds the project in a temporary folder; dispose it to remove the folder. */
export function createSyntheticSuite(options: SuiteOptions): SyntheticSuite {
  const { variant, repo, seed = 10, fileCount = 40, totalWaitMs = 30_000 } = options
  const random = seededRandom(seed)
  const durations = skewedDurations(random, fileCount, totalWaitMs)
  const environments = variant === 'environments' ? [...ENVIRONMENTS] : []
  const environmentOf = (packageIndex: number): SuiteEnvironment | null =>
    environments.length === 0
      ? null
      : (environments[packageIndex < PACKAGES.length / 2 ? 0 : 1] as SuiteEnvironment)

  const files: SuiteFile[] = durations.map((waitMs, index) => {
    const packageIndex = index % PACKAGES.length
    const name = PACKAGES[packageIndex] as string
    const topic = TOPICS[Math.floor(index / PACKAGES.length) % TOPICS.length] as string
    return {
      path: `packages/${name}/test/${topic}.test.ts`,
      waitMs,
      group: name,
      environment: environmentOf(packageIndex)?.name ?? null,
    }
  })

  const root = mkdtempSync(path.join(os.tmpdir(), `hearth-sharding-${variant}-`))
  const write = (relative: string, text: string) => {
    const at = path.join(root, relative)
    mkdirSync(path.dirname(at), { recursive: true })
    writeFileSync(at, text)
  }

  write(
    'package.json',
    `${JSON.stringify({ name: `shop-${variant}`, private: true, type: 'module', scripts: { test: 'vitest run' } }, null, 2)}\n`,
  )
  write(
    'vitest.config.ts',
    `import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // One file at a time, as integration suites that share one database (or one broker) often run:
    // a shard then takes the sum of its files' times, whatever the number of cores.
    fileParallelism: false,
    isolate: false,
    testTimeout: 60_000,
  },
})
`,
  )
  write('hearth.config.ts', hearthConfig(variant, environments))
  if (variant === 'environments') write('services/slow-server.mjs', SLOW_SERVER)
  for (const name of PACKAGES) {
    write(
      `packages/${name}/package.json`,
      `${JSON.stringify({ name: `@shop/${name}`, private: true, type: 'module' }, null, 2)}\n`,
    )
    write(`packages/${name}/src/index.ts`, `export const name = '${name}'\n`)
  }
  for (const file of files) {
    const environment = environments.find((candidate) => candidate.name === file.environment) ?? null
    write(file.path, testFile(file, environment, random))
  }

  // The workspace's own vitest and hearth API, as an installed project would resolve them.
  mkdirSync(path.join(root, 'node_modules/@hearth'), { recursive: true })
  symlinkSync(path.join(repo, 'node_modules/vitest'), path.join(root, 'node_modules/vitest'))
  symlinkSync(path.join(repo, 'packages/environments'), path.join(root, 'node_modules/@hearth/environments'))

  return {
    root,
    variant,
    files,
    environments,
    [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }),
  }
}

function hearthConfig(variant: SuiteVariant, environments: readonly SuiteEnvironment[]): string {
  const groups = PACKAGES.map((name, index) => {
    const environment =
      environments.length === 0
        ? ''
        : `, environment: '${(environments[index < PACKAGES.length / 2 ? 0 : 1] as SuiteEnvironment).name}'`
    return `    { name: '${name}', include: ['packages/${name}/test/**/*.test.ts']${environment} },`
  }).join('\n')
  if (variant === 'plain') {
    return `import { defineConfig } from '@hearth/environments'

export default defineConfig({
  project: 'shop-plain',
  environments: [],
  tests: [
${groups}
  ],
})
`
  }
  const definitions = environments
    .map(
      (environment) => `const ${environment.name} = defineEnvironment({
  name: '${environment.name}',
  services: {
    ${SERVICE_OF[environment.name]}: {
      kind: 'process',
      // A server that takes ${environment.startDelayMs} ms before it listens, as a database or a broker
      // takes a while to start.
      command: ['node', 'services/slow-server.mjs'],
      env: { START_DELAY_MS: '${environment.startDelayMs}' },
      ports: { http: { env: 'PORT' } },
      readiness: ready.http('http', '/health'),
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    },
  },
})`,
    )
    .join('\n\n')
  return `import { defineConfig, defineEnvironment, ready } from '@hearth/environments'

${definitions}

export default defineConfig({
  project: 'shop-environments',
  environments: [${environments.map((environment) => environment.name).join(', ')}],
  tests: [
${groups}
  ],
})
`
}

/** The file's wait split over one to three tests; with an environment, its server is asked once. */
function testFile(file: SuiteFile, environment: SuiteEnvironment | null, random: () => number): string {
  const tests = 1 + Math.floor(random() * 3)
  const parts = Array.from({ length: tests }, (_, index) =>
    index < tests - 1 ? Math.round(file.waitMs / tests) : 0,
  )
  parts[tests - 1] = file.waitMs - parts.reduce((sum, value) => sum + value, 0)
  const topic = path.posix.basename(file.path, '.test.ts')
  const imports = environment === null ? 'expect, test' : 'beforeAll, expect, test'
  const reach =
    environment === null
      ? ''
      : `
beforeAll(async () => {
  const response = await fetch(\`\${process.env.${environment.urlVariable}}/health\`)
  expect(response.ok).toBe(true)
})
`
  const cases = parts
    .map(
      (ms, index) => `
test('${topic} case ${index + 1}', async () => {
  await wait(${ms})
  expect(${ms}).toBeGreaterThanOrEqual(0)
})
`,
    )
    .join('')
  return `import { ${imports} } from 'vitest'

// Synthetic: this file waits ${file.waitMs} ms in all, as an integration test waits on I/O.
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
${reach}${cases}`
}

const SLOW_SERVER = `// Listens on PORT after START_DELAY_MS, as a database or broker takes a while to start.
import http from 'node:http'

const delay = Number(process.env.START_DELAY_MS ?? 0)
setTimeout(() => {
  http
    .createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.end('ok')
    })
    .listen(Number(process.env.PORT), '127.0.0.1')
}, delay)
`
