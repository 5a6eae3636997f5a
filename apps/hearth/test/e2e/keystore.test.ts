import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { copyWorkspace, hearth, repoRoot } from './helpers.js'

type Event = { type: string } & Record<string, unknown>

/**
 * `hearth ci` on a monorepo laid out as real ones are (examples/keystore), copied without its build
 * output as a fresh clone has it: packages linked through tsdown, tsup and tsc output are built
 * first, in dependency order; each package's tests run under its own Vitest config in its own
 * folder (they open fixtures by relative paths); groups narrow the run and its environments.
 */
describe('hearth ci on examples/keystore', () => {
  const copy = copyWorkspace('keystore', { buildOutput: false })
  afterAll(() => copy.cleanup())
  const { root } = copy
  const file = (relative: string) => path.join(root, relative)

  /** `hearth ci …` with the NDJSON stream on stdout, parsed. */
  const ci = async (args: string[], cwd = root) => {
    const result = await hearth(['ci', ...args, '--reporter', 'ndjson'], cwd)
    const events = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Event)
    return { ...result, events }
  }
  const of = (events: Event[], type: string) => events.filter((event) => event.type === type)
  const results = (events: Event[]) =>
    Object.fromEntries(of(events, 'file.result').map((event) => [event.path, event.state]))

  it('on a fresh clone, builds what the tests use through build output (dependencies first, once each), then runs every package as its own Vitest would', async () => {
    const run = await ci([])
    expect(run.exitCode, run.stderr).toBe(0)
    // core imports @keystore/utils through utils' build output: utils is built before core.
    expect(of(run.events, 'build.start').map((event) => `${event.name}: ${event.command}`)).toEqual([
      '@keystore/serialize: npm run build (in packages/serialize)',
      '@keystore/utils: npm run build (in packages/utils)',
      '@keystore/core: npm run build (in packages/core)',
    ])
    expect(of(run.events, 'build.end').map((event) => event.ok)).toEqual([true, true, true])
    expect(of(run.events, 'build.plan')[0]?.packages).toContainEqual({
      name: '@keystore/core',
      dir: 'packages/core',
      reason: {
        kind: 'missing',
        output: 'packages/core/dist/index.mjs',
        why: 'packages/core/dist/index.mjs is missing',
      },
    })
    // Every file passes, those that read fixtures by paths relative to their package too.
    expect(results(run.events)).toEqual({
      'packages/adapter-memory/test/memory.test.ts': 'passed',
      'packages/adapter-postgres/test/postgres.test.ts': 'passed',
      'packages/adapter-postgres/test/rows.test.ts': 'passed',
      'packages/adapter-redis/test/redis.test.ts': 'passed',
      'packages/adapter-redis/test/sessions.test.ts': 'passed',
      'packages/core/src/keys.test.ts': 'passed',
      'packages/serialize/src/json.test.ts': 'passed',
      'packages/utils/src/helpers.test.ts': 'passed',
    })
    expect(of(run.events, 'warning')).toEqual([
      expect.objectContaining({
        code: 'empty-group',
        message:
          'test group "valkey" matches no test file (include: packages/adapter-valkey/test/**/*.test.ts)',
      }),
    ])

    // Up to date now: nothing is built again.
    const again = await ci(['unit'])
    expect(again.exitCode, again.stderr).toBe(0)
    expect(of(again.events, 'build.plan')).toEqual([])
  }, 240_000)

  it('rebuilds a package once its sources are edited, and the tests that use its build output see the edit', async () => {
    const keys = file('packages/core/src/keys.ts')
    const original = readFileSync(keys, 'utf8')
    try {
      // Keys normalised with '/' instead of ':': the shared suite's expectations break.
      writeFileSync(keys, original.replace(".join(':')\n", ".join('/')\n"))
      const broken = await ci(['unit'])
      expect(of(broken.events, 'build.plan').map((event) => event.packages)).toEqual([
        [
          {
            name: '@keystore/core',
            dir: 'packages/core',
            reason: {
              kind: 'stale',
              output: 'packages/core/dist/index.mjs',
              newer: 'packages/core/src/keys.ts',
              why: 'packages/core/src/keys.ts is newer than packages/core/dist/index.mjs',
            },
          },
        ],
      ])
      expect(of(broken.events, 'build.start').map((event) => event.name)).toEqual(['@keystore/core'])
      expect(broken.exitCode).toBe(1)
      // adapter-memory reaches core only through dist/index.mjs: it ran against the new build.
      expect(results(broken.events)['packages/adapter-memory/test/memory.test.ts']).toBe('failed')

      // --no-build: the source is right again, but nothing is rebuilt and the run says so: the
      // tests run against the stale build output, which still joins keys with '/'.
      writeFileSync(keys, `${original}\n// touched\n`)
      const skipped = await ci(['unit', '--no-build'])
      expect(of(skipped.events, 'build.plan')).toMatchObject([
        { skipped: true, packages: [{ name: '@keystore/core' }] },
      ])
      expect(of(skipped.events, 'build.start')).toEqual([])
      expect(skipped.exitCode).toBe(1)
      expect(results(skipped.events)['packages/adapter-memory/test/memory.test.ts']).toBe('failed')

      // An edit that does not compile: the build fails, its output is shown, no test runs, exit 1.
      writeFileSync(keys, `${original}\nexport const = 1\n`)
      const failed = await ci(['unit'])
      expect(failed.exitCode).toBe(1)
      const blocked = of(failed.events, 'run.blocked')[0]
      expect(blocked).toMatchObject({ kind: 'build', name: '@keystore/core' })
      expect(String(blocked?.output)).toMatch(/keys\.ts/)
      expect(of(failed.events, 'file.result')).toEqual([])
    } finally {
      writeFileSync(keys, original)
    }
    const fixed = await ci(['unit'])
    expect(fixed.exitCode, fixed.stderr).toBe(0)
    expect(of(fixed.events, 'build.start').map((event) => event.name)).toEqual(['@keystore/core'])
  }, 240_000)

  it('runs only the group named, starting only its environment', async () => {
    const run = await ci(['redis'])
    expect(run.exitCode, run.stderr).toBe(0)
    // In the order they finished, which is Vitest's to choose: sorted here.
    expect(Object.keys(results(run.events)).sort()).toEqual([
      'packages/adapter-redis/test/redis.test.ts',
      'packages/adapter-redis/test/sessions.test.ts',
    ])
    const services = new Set(
      of(run.events, 'service.state').map((event) => `${event.environment}/${event.service}`),
    )
    expect([...services]).toEqual(['redis/cache'])
  }, 120_000)

  it('from inside a package, runs the tests under a path relative to it', async () => {
    const run = await ci(['test'], file('packages/adapter-postgres'))
    expect(run.exitCode, run.stderr).toBe(0)
    expect(results(run.events)).toEqual({
      'packages/adapter-postgres/test/postgres.test.ts': 'passed',
      'packages/adapter-postgres/test/rows.test.ts': 'passed',
    })
  }, 120_000)

  it('reports a file the moment it finishes: a fast failure arrives while a slow file still runs', async () => {
    const marker = file('packages/adapter-redis/release-slow')
    const fast = file('packages/adapter-redis/test/fast-failure.test.ts')
    const slow = file('packages/adapter-redis/test/slow.test.ts')
    const config = file('packages/adapter-redis/vitest.config.ts')
    const originalConfig = readFileSync(config, 'utf8')
    writeFileSync(fast, "import { expect, it } from 'vitest'\nit('fails at once', () => expect(1).toBe(2))\n")
    // It finishes only once the test harness has seen the fast file's result in hearth's stream.
    writeFileSync(
      slow,
      `import { existsSync } from 'node:fs'
import { expect, it } from 'vitest'
it('waits to be released', async () => {
  const until = Date.now() + 120_000
  while (!existsSync('release-slow') && Date.now() < until) await new Promise((r) => setTimeout(r, 25))
  expect(existsSync('release-slow')).toBe(true)
}, 150_000)
`,
    )
    // Two workers, so both files run at once whatever order Vitest picks.
    writeFileSync(
      config,
      originalConfig.replace('testTimeout: 15_000,', 'testTimeout: 15_000,\n    maxWorkers: 2,'),
    )
    try {
      const child = execa(
        process.execPath,
        [path.join(repoRoot, 'apps/hearth/bin/hearth.js'), 'ci', 'redis', '--reporter', 'ndjson'],
        {
          cwd: root,
          reject: false,
          env: { NO_COLOR: '1' },
          stdin: 'ignore',
        },
      )
      const seen: Event[] = []
      let buffer = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString()
        for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
          const line = buffer.slice(0, at)
          buffer = buffer.slice(at + 1)
          if (!line.startsWith('{')) continue
          const event = JSON.parse(line) as Event
          seen.push(event)
          if (
            event.type === 'file.result' &&
            event.path === 'packages/adapter-redis/test/fast-failure.test.ts'
          )
            writeFileSync(marker, 'go')
        }
      })
      const result = await child
      expect(result.exitCode, result.stderr).toBe(1)
      const order = of(seen, 'file.result').map((event) => `${event.path} ${event.state}`)
      expect(order.indexOf('packages/adapter-redis/test/fast-failure.test.ts failed')).toBeGreaterThanOrEqual(
        0,
      )
      expect(order.indexOf('packages/adapter-redis/test/slow.test.ts passed')).toBeGreaterThan(
        order.indexOf('packages/adapter-redis/test/fast-failure.test.ts failed'),
      )
    } finally {
      writeFileSync(config, originalConfig)
      for (const created of [fast, slow, marker]) writeFileSync(created, '')
      await execa('rm', ['-f', fast, slow, marker])
    }
  }, 240_000)

  it('says which groups there are when one named does not exist, and --strict fails on an empty group', async () => {
    const unknown = await hearth(['ci', '--group', 'valkyrie'], root)
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toMatchInlineSnapshot(`
      "hearth: unknown test group "valkyrie"
        fix: use one of the test groups: pg, redis, unit, valkey (in hearth.config.ts)"
    `)
    const strict = await hearth(['ci', 'unit', '--strict'], root)
    expect(strict.exitCode).toBe(2)
    expect(strict.stderr).toContain('test group "valkey" matches no test file (--strict)')
  }, 120_000)
})
