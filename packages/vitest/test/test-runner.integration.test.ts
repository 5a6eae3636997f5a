import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { isVitestSetupError } from '../src/resolve-vitest.js'
import { testEnvironment } from '../src/test-environment.js'
import { createTestRunner, type TestRunner } from '../src/test-runner.js'
import type { RunEvent } from '../src/types.js'
import {
  compact,
  createFixtureProject,
  normalizeRun,
  SOURCE_CONDITIONS,
  useRunners,
} from './fixture-project.js'

// Each test starts the project's own Vitest (from a fixture's node_modules) and its workers.

const runnerFor = useRunners()

const results = `
import { describe, expect, it } from 'vitest'
import { double } from './double.js'

console.log('loading results.test.js')

describe('double', () => {
  it('doubles', () => {
    console.log('doubling 2')
    expect(double(2)).toBe(4)
  })
  it('fails', () => {
    console.error('about to fail')
    expect(double(2)).toBe(5)
  })
  it.skip('is skipped', () => {})
  it.todo('is to do')
})
it('passes at top level', () => {})
`

describe('createTestRunner', () => {
  it('leaves the signals to hearth: no SIGINT or SIGTERM handler of Vitest stays installed', async () => {
    const project = createFixtureProject({ 'a.test.js': "import { it } from 'vitest'\nit('a', () => {})\n" })
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]
    const runner = await runnerFor(project, { mode: 'watch' })
    await runner.run([project.path('a.test.js')])
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before)
  })

  it('reports passing, failing and skipped tests, with errors, locations and console output', async () => {
    const project = createFixtureProject({
      'double.js': 'export const double = (n) => n * 2\n',
      'results.test.js': results,
    })
    const runner = await runnerFor(project)
    const result = await runner.run([project.path('results.test.js')])
    expect(compact(normalizeRun(result, project.root))).toMatchInlineSnapshot(`
      {
        "cancelled": false,
        "errors": [],
        "files": [
          {
            "console": [
              "stdout: loading results.test.js",
            ],
            "errors": [],
            "file": "<root>/results.test.js",
            "ms": true,
            "project": "",
            "state": "failed",
            "tests": [
              {
                "console": [
                  "stdout: doubling 2",
                ],
                "errors": [],
                "ms": true,
                "name": "double > doubles",
                "state": "passed",
              },
              {
                "console": [
                  "stderr: about to fail",
                ],
                "errors": [
                  {
                    "diff": "- Expected
      + Received

      - 5
      + 4",
                    "location": "<root>/results.test.js:14:23",
                    "message": "expected 4 to be 5 // Object.is equality",
                    "name": "AssertionError",
                  },
                ],
                "ms": true,
                "name": "double > fails",
                "state": "failed",
              },
              {
                "console": [],
                "errors": [],
                "ms": true,
                "name": "double > is skipped",
                "state": "skipped",
              },
              {
                "console": [],
                "errors": [],
                "ms": true,
                "name": "double > is to do",
                "state": "skipped",
              },
              {
                "console": [],
                "errors": [],
                "ms": true,
                "name": "passes at top level",
                "state": "passed",
              },
            ],
          },
        ],
        "notRun": [],
      }
    `)
    expect(result.files[0]?.errors).toEqual([])
    expect(result.files[0]?.tests[1]?.errors[0]?.stack).toContain('results.test.js:14:23')
  })

  it('reports a syntax error and a failing beforeAll as errors of their files, and runs the others', async () => {
    const project = createFixtureProject({
      'broken.test.js': "import { it } from 'vitest'\nit('never', () => {\n",
      'hook.test.js': `
import { beforeAll, describe, it } from 'vitest'
describe('database', () => {
  beforeAll(() => {
    throw new Error('cannot connect')
  })
  it('reads', () => {})
})
it('outside', () => {})
`,
      'top-hook.test.js': `
import { beforeAll, it } from 'vitest'
beforeAll(() => {
  throw new Error('no server')
})
it('requests', () => {})
`,
      'fine.test.js': "import { it } from 'vitest'\nit('works', () => {})\n",
    })
    const runner = await runnerFor(project)
    const files = ['broken.test.js', 'hook.test.js', 'top-hook.test.js', 'fine.test.js'].map(project.path)
    const result = await runner.run(files)
    const summary = normalizeRun(result, project.root).files.map((file) => ({
      file: file.file,
      state: file.state,
      errors: file.errors.map((e) => compact({ message: e.message, suite: e.suite, location: e.location })),
      tests: file.tests.map((t) => `${t.state}: ${t.name}`),
    }))
    expect(summary).toMatchInlineSnapshot(`
      [
        {
          "errors": [
            {
              "location": "<root>/broken.test.js:1:1",
              "message": "Failed to parse source for import analysis because the content contains invalid JS syntax. If you are using JSX, make sure to name the file with the .jsx or .tsx extension.",
            },
          ],
          "file": "<root>/broken.test.js",
          "state": "failed",
          "tests": [],
        },
        {
          "errors": [],
          "file": "<root>/fine.test.js",
          "state": "passed",
          "tests": [
            "passed: works",
          ],
        },
        {
          "errors": [
            {
              "location": "<root>/hook.test.js:5:11",
              "message": "cannot connect",
              "suite": "database",
            },
          ],
          "file": "<root>/hook.test.js",
          "state": "failed",
          "tests": [
            "skipped: database > reads",
            "passed: outside",
          ],
        },
        {
          "errors": [
            {
              "location": "<root>/top-hook.test.js:4:9",
              "message": "no server",
            },
          ],
          "file": "<root>/top-hook.test.js",
          "state": "failed",
          "tests": [
            "skipped: requests",
          ],
        },
      ]
    `)
  })

  it('runs only the requested files, and a run reports only its own files', async () => {
    const marker = (name: string) =>
      `import { appendFileSync } from 'node:fs'\nimport { it } from 'vitest'\n` +
      `appendFileSync(new URL('./ran.log', import.meta.url), '${name}\\n')\n` +
      `it('${name}', () => { ${name === 'a' ? "throw new Error('a fails')" : ''} })\n`
    const project = createFixtureProject({
      'a.test.js': marker('a'),
      'b.test.js': marker('b'),
      'c.test.js': marker('c'),
      'notes.md': 'not a test',
    })
    const runner = await runnerFor(project)
    const first = await runner.run([project.path('a.test.js')])
    expect(first.files.map((f) => [path.basename(f.file), f.state])).toEqual([['a.test.js', 'failed']])
    expect(readFileSync(project.path('ran.log'), 'utf8')).toBe('a\n')

    const second = await runner.run([project.path('b.test.js'), 'missing.test.js', 'notes.md'])
    expect(normalizeRun(second, project.root).notRun).toEqual([
      'not-found: <root>/missing.test.js',
      'not-a-test-file: <root>/notes.md',
    ])
    // Vitest still holds a.test.js's failure; this run's result does not.
    expect(second.files.map((f) => [path.basename(f.file), f.state])).toEqual([['b.test.js', 'passed']])
    expect(second.errors).toEqual([])
    expect(readFileSync(project.path('ran.log'), 'utf8')).toBe('a\nb\n')
  })

  it('streams events while the run is in progress', async () => {
    const project = createFixtureProject({
      'one.test.js': "import { it } from 'vitest'\nit('first', () => {})\nit('second', () => {})\n",
    })
    const runner = await runnerFor(project)
    const events: string[] = []
    const onEvent = (event: RunEvent) => {
      if (event.type === 'file-started') events.push(`started ${path.basename(event.file)}`)
      if (event.type === 'test-finished') events.push(`test ${event.test.name} ${event.test.state}`)
      if (event.type === 'file-finished')
        events.push(`finished ${path.basename(event.file.file)} ${event.file.state}`)
    }
    await runner.run([project.path('one.test.js')], { onEvent })
    expect(events).toEqual([
      'started one.test.js',
      'test first passed',
      'test second passed',
      'finished one.test.js passed',
    ])
  })

  it('rejects a run whose onEvent throws, once the run is over, and stays usable', async () => {
    const project = createFixtureProject({
      'one.test.js': "import { it } from 'vitest'\nit('first', () => {})\n",
    })
    const runner = await runnerFor(project)
    const file = project.path('one.test.js')
    const failing = runner.run([file], {
      onEvent: () => {
        throw new Error('listener bug')
      },
    })
    await expect(failing).rejects.toThrow('listener bug')
    expect((await runner.run([file])).files.map((f) => f.state)).toEqual(['passed'])
  })

  it('queues runs, and close cancels the one in progress and the queued ones', async () => {
    const project = createFixtureProject({
      'quick.test.js': "import { it } from 'vitest'\nit('quick', () => {})\n",
      'slow.test.js': `
import { it } from 'vitest'
it('waits', async () => { await new Promise((resolve) => setTimeout(resolve, 30_000)) })
`,
    })
    const runner = await runnerFor(project)
    const [quick, slow] = [project.path('quick.test.js'), project.path('slow.test.js')]
    const first = runner.run([quick])
    let closing: Promise<void> | undefined
    const second = runner.run([slow], {
      onEvent: (event) => {
        if (event.type === 'file-started') closing = runner.close()
      },
    })
    const third = runner.run([quick])
    expect((await first).files.map((f) => f.state)).toEqual(['passed'])
    expect((await second).cancelled).toBe(true)
    expect(normalizeRun(await third, project.root)).toMatchObject({ cancelled: true, files: [] })
    await closing
    await expect(runner.run([quick])).rejects.toThrow('hearth: this test runner is closed')
  })

  it('sees an edited source only after invalidate', async () => {
    const project = createFixtureProject({
      'price.js': 'export const price = () => 10\n',
      'price.test.js':
        "import { expect, it } from 'vitest'\nimport { price } from './price.js'\n" +
        "it('costs 20', () => { expect(price()).toBe(20) })\n",
    })
    const runner = await runnerFor(project, { mode: 'watch' })
    const test = project.path('price.test.js')
    expect((await runner.run([test])).files[0]?.state).toBe('failed')

    project.write('price.js', 'export const price = () => 20\n')
    // Vitest does not watch: without being told, it still serves the old module.
    expect((await runner.run([test])).files[0]?.state).toBe('failed')
    runner.invalidate([project.path('price.js')])
    expect((await runner.run([test])).files[0]?.state).toBe('passed')

    // An edit of the test file itself, likewise.
    project.write('price.test.js', "import { it } from 'vitest'\nit('edited', () => {})\n")
    runner.invalidate([test])
    expect((await runner.run([test])).files[0]?.tests.map((t) => t.name)).toEqual(['edited'])
  })

  it('lists the test files of every project; invalidate tells it about created and deleted files', async () => {
    const project = createFixtureProject({
      'vitest.config.js': `export default {
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.js'], exclude: ['**/*.integration.test.js'] } },
      { test: { name: 'integration', include: ['src/**/*.integration.test.js'] } },
    ],
  },
}
`,
      'src/a.test.js': "import { it } from 'vitest'\nit('a', () => {})\n",
      'src/b.integration.test.js': "import { it } from 'vitest'\nit('b', () => {})\n",
      'other/c.test.js': "import { it } from 'vitest'\nit('c', () => {})\n",
    })
    const runner = await runnerFor(project)
    expect(runner.configFile).toBe(project.path('vitest.config.js'))
    const rel = (files: string[]) => files.map((f) => path.relative(project.root, f))
    expect(rel(await runner.listTestFiles())).toEqual(['src/a.test.js', 'src/b.integration.test.js'])

    const created = project.write('src/d.test.js', "import { it } from 'vitest'\nit('d', () => {})\n")
    project.remove('src/a.test.js')
    runner.invalidate([created, project.path('src/a.test.js')])
    expect(rel(await runner.listTestFiles())).toEqual(['src/b.integration.test.js', 'src/d.test.js'])

    const result = await runner.run([created, project.path('src/b.integration.test.js')])
    expect(result.files.map((f) => `${f.project}: ${path.basename(f.file)} ${f.state}`).sort()).toEqual([
      'integration: b.integration.test.js passed',
      'unit: d.test.js passed',
    ])
  })

  it('reruns only the failed files (hearth ci --retry) on the same instance', async () => {
    const project = createFixtureProject({
      'steady.test.js': "import { it } from 'vitest'\nit('steady', () => {})\n",
      // Fails on its first run only: it counts its runs in a file.
      'flaky.test.js': `
import { existsSync, writeFileSync } from 'node:fs'
import { expect, it } from 'vitest'
const seen = new URL('./flaky.seen', import.meta.url)
it('flaky', () => {
  const first = !existsSync(seen)
  writeFileSync(seen, 'x')
  expect(first).toBe(false)
})
`,
    })
    const runner = await runnerFor(project)
    const first = await runner.run(await runner.listTestFiles())
    const failed = first.files.filter((f) => f.state === 'failed').map((f) => f.file)
    expect(failed).toEqual([project.path('flaky.test.js')])
    const retry = await runner.run(failed)
    expect(retry.files.map((f) => [path.basename(f.file), f.state])).toEqual([['flaky.test.js', 'passed']])
  })

  it('writes nothing of Vitest on hearth stdout or stderr', async () => {
    const project = createFixtureProject({
      'noisy.test.js': `
import { it } from 'vitest'
it('talks', () => { console.log('hello from the test'); console.warn('careful') })
it('fails', () => { throw new Error('bad') })
it('leaks', () => { Promise.reject(new Error('unhandled')) })
`,
    })
    const runner = await runnerFor(project)
    const written: string[] = []
    const stdout = process.stdout.write
    const stderr = process.stderr.write
    const capture = (chunk: unknown) => {
      written.push(String(chunk))
      return true
    }
    process.stdout.write = capture as typeof process.stdout.write
    process.stderr.write = capture as typeof process.stderr.write
    const exitCode = process.exitCode
    let result: Awaited<ReturnType<TestRunner['run']>>
    try {
      result = await runner.run([project.path('noisy.test.js')])
    } finally {
      process.stdout.write = stdout
      process.stderr.write = stderr
    }
    expect(written).toEqual([])
    expect(process.exitCode).toBe(exitCode)
    const [file] = result.files
    expect(file?.tests[0]?.console.map((c) => `${c.stream}: ${c.text.trim()}`)).toEqual([
      'stdout: hello from the test',
      'stderr: careful',
    ])
    // The unhandled rejection fails its file, as it fails a `vitest run`.
    expect(file?.state).toBe('failed')
    expect(file?.errors.map((e) => e.message)).toEqual(['unhandled'])
  })

  it('fails with the root and the fix when the project has no Vitest', async () => {
    const project = createFixtureProject({ 'a.test.js': '' }, { vitest: false })
    const error = await createTestRunner({ root: project.root, mode: 'once' }).catch((e: unknown) => e)
    expect(isVitestSetupError(error) && error.problem).toBe('not-found')
    expect((error as Error).message).toBe(
      `hearth: no Vitest found from ${project.root}. hearth runs the tests with the project's own Vitest 4, ` +
        'resolved from that folder. Fix: install it there: pnpm add -D vitest@^4 (or npm install -D vitest@^4).',
    )
  })
})

describe('the env a run sees', () => {
  const envTest = `
import { expect, it } from 'vitest'
import { output, outputs } from '@hearth/vitest/env'
it('sees the outputs', () => {
  console.log(JSON.stringify({
    url: output('db', 'url'),
    db: outputs('db'),
    extra: process.env.DATABASE_URL,
    base: process.env.BASE_ONLY,
    user: process.env.USER_SET,
    old: process.env.HEARTH_OLD_URL ?? null,
  }))
})
`
  const configFor = (pool: string, isolate: boolean) => `${SOURCE_CONDITIONS}
export default {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hearth/source'] } },
  test: { pool: '${pool}', isolate: ${isolate}, env: { USER_SET: 'from the config' } },
}
`
  const seen = (result: Awaited<ReturnType<TestRunner['run']>>) => {
    const [file] = result.files
    expect(file?.state, JSON.stringify(file?.errors)).toBe('passed')
    return (file?.tests ?? []).flatMap((t) => t.console.map((c) => JSON.parse(c.text) as unknown))
  }

  it.each([
    ['forks', true],
    ['threads', false],
  ])(
    'reaches process.env in the workers (pool %s, isolate %s), with new values each run',
    async (pool, isolate) => {
      const project = createFixtureProject(
        { 'vitest.config.js': configFor(pool, isolate), 'env.test.js': envTest },
        { linkHearth: true },
      )
      const runner = await runnerFor(project, { env: { BASE_ONLY: 'runner' } })
      const file = project.path('env.test.js')

      const first = await runner.run([file], {
        env: testEnvironment(
          { db: { url: 'postgres://127.0.0.1:5001/app', port: '5001' }, old: { url: 'http://127.0.0.1:1' } },
          { DATABASE_URL: 'postgres://127.0.0.1:5001/app' },
        ),
      })
      expect(seen(first)).toEqual([
        {
          url: 'postgres://127.0.0.1:5001/app',
          db: { port: '5001', url: 'postgres://127.0.0.1:5001/app' },
          extra: 'postgres://127.0.0.1:5001/app',
          base: 'runner',
          user: 'from the config',
          old: 'http://127.0.0.1:1',
        },
      ])

      // The database restarted on another port, and the `old` service is gone.
      const second = await runner.run([file], {
        env: testEnvironment(
          { db: { url: 'postgres://127.0.0.1:5002/app', port: '5002' } },
          { DATABASE_URL: 'postgres://127.0.0.1:5002/app' },
        ),
      })
      expect(seen(second)).toEqual([
        {
          url: 'postgres://127.0.0.1:5002/app',
          db: { port: '5002', url: 'postgres://127.0.0.1:5002/app' },
          extra: 'postgres://127.0.0.1:5002/app',
          base: 'runner',
          user: 'from the config',
          old: null,
        },
      ])
      expect(process.env.HEARTH_DB_URL).toBeUndefined()
    },
  )

  it('fails a test that reads an output the run does not have, with the variable and the fix', async () => {
    const project = createFixtureProject(
      { 'vitest.config.js': configFor('forks', true), 'env.test.js': envTest },
      { linkHearth: true },
    )
    const runner = await runnerFor(project)
    const result = await runner.run([project.path('env.test.js')])
    expect(result.files[0]?.tests[0]?.errors[0]?.message).toMatch(
      /^hearth: HEARTH_DB_URL is not set, so this test cannot find output "url" of service "db"\. Run the tests through hearth/,
    )
  })
})

describe('cancelling a run', () => {
  it('cancels through the signal and resolves with cancelled: true; the next run works', async () => {
    const project = createFixtureProject({
      'quick.test.js': "import { it } from 'vitest'\nit('quick', () => {})\n",
      'slow.test.js': `
import { it } from 'vitest'
it('waits', async () => { await new Promise((resolve) => setTimeout(resolve, 600_000)) })
`,
    })
    const runner = await runnerFor(project)
    const controller = new AbortController()
    const result = await runner.run([project.path('slow.test.js')], {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'file-started') setTimeout(() => controller.abort(), 200)
      },
    })
    // The test waits ten minutes: a run that was not cancelled outlasts this test's limit.
    expect(normalizeRun(result, project.root)).toMatchObject({
      cancelled: true,
      files: [],
      notRun: ['cancelled: <root>/slow.test.js'],
    })
    const next = await runner.run([project.path('quick.test.js')])
    expect(next.files.map((f) => f.state)).toEqual(['passed'])
  })

  it('kills a test that never yields once the grace period is over', async () => {
    const project = createFixtureProject({
      'busy.test.js': `
import { it } from 'vitest'
it('spins', () => { const end = Date.now() + 600_000; while (Date.now() < end) {} })
`,
    })
    const runner = await runnerFor(project, { cancelGraceMs: 300 })
    const controller = new AbortController()
    const result = await runner.run([project.path('busy.test.js')], {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'file-started') setTimeout(() => controller.abort(), 100)
      },
    })
    // It spins for ten minutes: only a kill ends the run within this test's limit.
    expect(result.cancelled).toBe(true)
  })

  it('does not start a run whose signal is already aborted', async () => {
    const project = createFixtureProject({ 'a.test.js': "import { it } from 'vitest'\nit('a', () => {})\n" })
    const runner = await runnerFor(project)
    const result = await runner.run([project.path('a.test.js')], { signal: AbortSignal.abort() })
    expect(normalizeRun(result, project.root).notRun).toEqual(['cancelled: <root>/a.test.js'])
  })
})
