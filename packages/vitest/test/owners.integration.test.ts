import { spawn } from 'node:child_process'
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isVitestSetupError } from '../src/resolve-vitest.js'
import { createTestRunner } from '../src/test-runner.js'
import type { RunEvent, RunResult } from '../src/types.js'
import {
  createFixtureProject,
  type FixtureProject,
  hostsUnder,
  isAlive,
  processesUnder,
  useRunners,
  waitFor,
} from './fixture-project.js'

// Real hosts (child processes) running the fixture's own Vitest: each test starts one per owner.

const runnerFor = useRunners()

const pkg = (name: string) => ({
  [`packages/${name}/package.json`]: JSON.stringify({ name, type: 'module' }),
})
const rel = (project: FixtureProject, files: readonly string[]) =>
  files.map((file) => path.relative(project.root, file))
const states = (project: FixtureProject, result: RunResult) =>
  result.files.map((f) => `${path.relative(project.root, f.file)} ${f.state}`).sort()
const failures = (result: RunResult) =>
  JSON.stringify(
    result.files.flatMap((f) => [...f.errors, ...f.tests.flatMap((t) => t.errors)]).map((e) => e.message),
  )

/** A test that checks its working directory and reads a fixture by a path relative to it. */
const readsRelative = (cwdFromTest: string, fixture: string) => `
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
it('reads ${fixture} from its working directory', () => {
  expect(process.cwd()).toBe(fileURLToPath(new URL('${cwdFromTest}', import.meta.url)).replace(/\\/$/, ''))
  expect(JSON.parse(readFileSync('${fixture}', 'utf8'))).toEqual({ ok: true })
  expect(Object.keys(process.env).filter((name) => name.startsWith('HEARTH_LABEL_'))).toEqual([])
})
`
const passes = "import { it } from 'vitest'\nit('passes', () => {})\n"

/**
 * Waits, inside a test, until a file exists (another test, or hearth, creates it). Used to prove
 * two things run at the same time, without sleeps. The deadline fails the test rather than hang.
 */
const waitsFor = (mine: string, theirs: string, deadlineMs = 60_000) => `
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { it } from 'vitest'
it('meets the other one', async () => {
  const dir = process.env.RENDEZVOUS
  if (${JSON.stringify(mine)}) writeFileSync(path.join(dir, ${JSON.stringify(mine)}), '')
  const deadline = Date.now() + ${deadlineMs}
  while (!existsSync(path.join(dir, ${JSON.stringify(theirs)}))) {
    if (Date.now() > deadline) throw new Error('${theirs} never appeared')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
})
`

describe('owners: which config runs which file', () => {
  it('(a) per-package configs, no root config: each package is the root and cwd of its tests', async () => {
    const project = createFixtureProject({
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      'tests/fixtures/root.json': '{"ok":true}',
      'tests/root.test.js': readsRelative('..', 'tests/fixtures/root.json'),
      ...pkg('a'),
      'packages/a/vitest.config.js': "export default { test: { include: ['test/**/*.test.js'] } }\n",
      'packages/a/test/fixtures/x.json': '{"ok":true}',
      'packages/a/test/read.test.js': readsRelative('..', 'test/fixtures/x.json'),
      'packages/a/other.test.js': passes, // not in a's include: nobody runs it
      ...pkg('b'),
      'packages/b/vitest.config.js':
        "export default { test: { exclude: ['**/node_modules/**', '**/*.skip.test.js'] } }\n",
      'packages/b/fixtures/b.json': '{"ok":true}',
      'packages/b/one.test.js': readsRelative('.', 'fixtures/b.json'),
      'packages/b/two.skip.test.js': passes,
      ...pkg('c'), // no config of its own: the root's defaults run it, from the root
      'packages/c/c.test.js': readsRelative('../..', 'tests/fixtures/root.json'),
    })
    const labels = { project: process.env.HEARTH_LABEL_PROJECT_ID }
    process.env.HEARTH_LABEL_PROJECT_ID = 'hearth-parent'
    try {
      // The workspace's packages, as the CLI passes them (from pnpm-workspace.yaml).
      const runner = await runnerFor(project, { packageDirs: ['packages/a', 'packages/b', 'packages/c'] })
      expect(
        runner.owners().map((owner) => [owner.root, owner.configFile].map((p) => p && rel(project, [p])[0])),
      ).toEqual([
        ['', null],
        ['packages/a', 'packages/a/vitest.config.js'],
        ['packages/b', 'packages/b/vitest.config.js'],
      ])
      expect(runner.ownerOf('packages/c/c.test.js')?.root).toBe(project.root)
      expect(runner.ownerOf(project.path('packages/a/test/read.test.js'))?.root).toBe(
        project.path('packages/a'),
      )
      expect(runner.configFile).toBeNull()

      const files = await runner.listTestFiles()
      expect(rel(project, files)).toEqual([
        'packages/a/test/read.test.js',
        'packages/b/one.test.js',
        'packages/c/c.test.js',
        'tests/root.test.js',
      ])
      const result = await runner.run([...files, project.path('packages/b/two.skip.test.js')])
      expect(states(project, result), failures(result)).toEqual([
        'packages/a/test/read.test.js passed',
        'packages/b/one.test.js passed',
        'packages/c/c.test.js passed',
        'tests/root.test.js passed',
      ])
      expect(
        rel(
          project,
          result.notRun.map((n) => `${n.file}`),
        ),
      ).toEqual(['packages/b/two.skip.test.js'])
      expect(result.notRun[0]?.reason).toBe('not-a-test-file')

      // One host per owner that ran, each working in its owner's folder, with the labels of a
      // hearth-managed test runner and without the project id (the tests' env has no label).
      const hosts = hostsUnder(project.root)
      expect(hosts.map((host) => rel(project, [host.cwd])[0]).sort()).toEqual([
        '',
        'packages/a',
        'packages/b',
      ])
      for (const host of hosts) {
        expect(host.env.HEARTH_LABEL_MANAGED).toBe('true')
        expect(host.env.HEARTH_LABEL_PROJECT_ID).toBeUndefined()
        expect(host.ppid).toBe(process.pid)
      }
    } finally {
      if (labels.project === undefined) delete process.env.HEARTH_LABEL_PROJECT_ID
      else process.env.HEARTH_LABEL_PROJECT_ID = labels.project
    }
  }, 120_000)

  it('(b) a root config with projects owns its projects, and runs them from the root, as `vitest run` does', async () => {
    const project = createFixtureProject({
      'vitest.config.js': "export default { test: { projects: ['packages/*'] } }\n",
      'fixtures/root.json': '{"ok":true}',
      ...pkg('a'),
      'packages/a/vitest.config.js': "export default { test: { name: 'a' } }\n",
      'packages/a/a.test.js': readsRelative('../..', 'fixtures/root.json'),
    })
    const runner = await runnerFor(project, { packageDirs: ['packages/a'] })
    // The projects' configs count as the root config's own: a change to one changes it.
    expect(runner.owners()).toEqual([
      {
        root: project.root,
        configFile: project.path('vitest.config.js'),
        configDependencies: [project.path('packages/a/vitest.config.js')],
      },
    ])
    expect(runner.configFile).toBe(project.path('vitest.config.js'))
    const files = await runner.listTestFiles()
    expect(rel(project, files)).toEqual(['packages/a/a.test.js'])
    const result = await runner.run(files)
    expect(
      result.files.map((f) => `${f.project}: ${f.state}`),
      failures(result),
    ).toEqual(['a: passed'])
  }, 120_000)

  it('(c) no config anywhere: Vitest defaults at the root', async () => {
    const project = createFixtureProject({
      'fixtures/x.json': '{"ok":true}',
      'test/x.test.js': readsRelative('..', 'fixtures/x.json'),
    })
    const runner = await runnerFor(project, { packageDirs: [] })
    expect(runner.owners()).toEqual([{ root: project.root, configFile: null, configDependencies: [] }])
    const result = await runner.run(await runner.listTestFiles())
    expect(states(project, result), failures(result)).toEqual(['test/x.test.js passed'])
  }, 120_000)

  it('(d) a root config plus a package config it does not reference: that package owns its files', async () => {
    const project = createFixtureProject({
      'vitest.config.js': `export default {
  test: { projects: [{ test: { name: 'root', include: ['tests/**/*.test.js'] } }, 'packages/a'] },
}
`,
      'fixtures/root.json': '{"ok":true}',
      'tests/r.test.js': readsRelative('..', 'fixtures/root.json'),
      ...pkg('a'),
      'packages/a/vitest.config.js': "export default { test: { name: 'a' } }\n",
      'packages/a/a.test.js': readsRelative('../..', 'fixtures/root.json'),
      'tools/b/package.json': '{"name":"b","type":"module"}',
      // A vite.config with a `test` key counts; it is not referenced by the root's projects.
      'tools/b/vite.config.js': "export default { test: { name: 'b' } }\n",
      'tools/b/fixtures/b.json': '{"ok":true}',
      'tools/b/b.test.js': readsRelative('.', 'fixtures/b.json'),
      // A build-only vite.config does not: the root runs nothing here (no project includes it).
      'tools/web/package.json': '{"name":"web","type":"module"}',
      'tools/web/vite.config.js': "export default { build: { outDir: 'out' } }\n",
      'tools/web/web.test.js': passes,
    })
    const runner = await runnerFor(project, { packageDirs: ['packages/a', 'tools/b', 'tools/web'] })
    expect(runner.owners().map((owner) => owner.root)).toEqual([project.root, project.path('tools/b')])
    const files = await runner.listTestFiles()
    expect(rel(project, files)).toEqual(['packages/a/a.test.js', 'tests/r.test.js', 'tools/b/b.test.js'])
    const result = await runner.run(files)
    expect(
      result.files.map((f) => `${f.project}: ${path.basename(f.file)} ${f.state}`).sort(),
      failures(result),
    ).toEqual(['a: a.test.js passed', 'b: b.test.js passed', 'root: r.test.js passed'])
  }, 120_000)
})

describe('the kept test lists', () => {
  /** A config that counts its loads in `loads/<name>` beside it, then says `test`. */
  const counting = (name: string, test: string, before = '') => `${before}
import { appendFileSync, mkdirSync } from 'node:fs'
mkdirSync(new URL('./loads/', import.meta.url), { recursive: true })
appendFileSync(new URL('./loads/${name}', import.meta.url), 'x')
export default { test: ${test} }
`
  const loads = (project: FixtureProject, dir: string, name = path.basename(dir)) => {
    const file = project.path(`${dir}/loads/${name}`)
    return existsSync(file) ? readFileSync(file, 'utf8').length : 0
  }
  /** Written an hour ago: not "just changed" (what changed while Vitest read it is not kept). */
  const settle = (project: FixtureProject, ...files: string[]) => {
    const past = new Date(Date.now() - 3_600_000)
    for (const file of files) utimesSync(project.path(file), past, past)
  }
  const list = async (project: FixtureProject) => {
    const runner = await runnerFor(project, { packageDirs: ['packages/a', 'packages/b'] })
    const files = rel(project, await runner.listTestFiles())
    const owners = runner.owners().map((owner) => rel(project, owner.configDependencies ?? []))
    await runner.close()
    return { files, owners }
  }

  it("lists an unchanged config's files by its kept globs, and loads a config again when it or what it imports changed", async () => {
    const project = createFixtureProject({
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      'vitest.shared.js': "export const include = ['test/**/*.test.js']\n",
      ...pkg('a'),
      'packages/a/vitest.config.js': counting(
        'a',
        '{ include }',
        "import { include } from '../../vitest.shared.js'",
      ),
      'packages/a/test/one.test.js': passes,
      'packages/a/test/.hidden/dot.test.js': passes,
      'packages/a/loose.test.js': passes, // not in a's include
      ...pkg('b'),
      'packages/b/vitest.config.js': counting(
        'b',
        "{ exclude: ['**/node_modules/**', '**/*.skip.test.js'] }",
      ),
      'packages/b/b.test.js': passes,
      'packages/b/b.skip.test.js': passes,
      'root.test.js': passes,
    })
    settle(project, 'vitest.shared.js', 'packages/a/vitest.config.js', 'packages/b/vitest.config.js')
    const first = await list(project)
    const expected = [
      'packages/a/test/.hidden/dot.test.js',
      'packages/a/test/one.test.js',
      'packages/b/b.test.js',
      'root.test.js',
    ]
    expect(first.files).toEqual(expected)
    expect([loads(project, 'packages/a'), loads(project, 'packages/b')]).toEqual([1, 1])
    expect(existsSync(project.path('node_modules/.cache/hearth/tests.json'))).toBe(true)

    // Unchanged: the same files, the same config inputs, no config loaded.
    const second = await list(project)
    expect(second).toEqual(first)
    // What a's config imports is known without loading it.
    expect(second.owners[1]).toEqual(['vitest.shared.js'])
    expect([loads(project, 'packages/a'), loads(project, 'packages/b')]).toEqual([1, 1])

    // A new test file and a deleted one: globbed, still no config loaded.
    project.write('packages/a/test/two.test.js', passes)
    project.remove('packages/b/b.test.js')
    expect((await list(project)).files).toEqual([
      'packages/a/test/.hidden/dot.test.js',
      'packages/a/test/one.test.js',
      'packages/a/test/two.test.js',
      'root.test.js',
    ])
    expect([loads(project, 'packages/a'), loads(project, 'packages/b')]).toEqual([1, 1])

    // What a's config imports changed: a's config loads again, b's does not.
    project.write('vitest.shared.js', "export const include = ['*.test.js']\n")
    settle(project, 'vitest.shared.js')
    expect((await list(project)).files).toEqual(['packages/a/loose.test.js', 'root.test.js'])
    expect([loads(project, 'packages/a'), loads(project, 'packages/b')]).toEqual([2, 1])
    expect((await list(project)).files).toEqual(['packages/a/loose.test.js', 'root.test.js'])
    expect([loads(project, 'packages/a'), loads(project, 'packages/b')]).toEqual([2, 1])
  }, 180_000)

  it("plans from a root config's kept projects without starting its host; `warm` starts it in the background", async () => {
    const project = createFixtureProject({
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      'vitest.config.js': counting('root', "{ projects: ['packages/a'] }"),
      ...pkg('a'),
      'packages/a/vitest.config.js': "export default { test: { name: 'a' } }\n",
      'packages/a/a.test.js': passes,
      ...pkg('b'),
      // Not a project of the root: b owns its files.
      'packages/b/vitest.config.js': counting('b', '{}'),
      'packages/b/b.test.js': passes,
    })
    settle(project, 'vitest.config.js', 'packages/a/vitest.config.js', 'packages/b/vitest.config.js')
    const expected = ['packages/a/a.test.js', 'packages/b/b.test.js']
    const first = await list(project)
    expect(first.files).toEqual(expected)
    expect([loads(project, '.', 'root'), loads(project, 'packages/b')]).toEqual([1, 1])

    // Planned and listed from what was kept: no config loaded, no host started.
    const runner = await runnerFor(project, { packageDirs: ['packages/a', 'packages/b'] })
    expect(runner.owners().map((owner) => rel(project, [owner.root])[0])).toEqual(['', 'packages/b'])
    expect(rel(project, await runner.listTestFiles())).toEqual(expected)
    expect([loads(project, '.', 'root'), loads(project, 'packages/b')]).toEqual([1, 1])
    expect(hostsUnder(project.root)).toEqual([])
    // Running loads it, as it must.
    const result = await runner.run(await runner.listTestFiles())
    expect(states(project, result), failures(result)).toEqual([
      'packages/a/a.test.js passed',
      'packages/b/b.test.js passed',
    ])
    await runner.close()

    // warm: the root's host starts at once (without a run asking for it).
    const warm = await runnerFor(project, { packageDirs: ['packages/a', 'packages/b'], warm: true })
    await waitFor('the root host', () => hostsUnder(project.root).length === 1)
    expect(hostsUnder(project.root).map((host) => host.cwd)).toEqual([project.root])
    await warm.close()
  }, 180_000)

  it('never keeps the list of a config whose includeSource makes content decide', async () => {
    const project = createFixtureProject({
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      ...pkg('a'),
      'packages/a/vitest.config.js': counting('a', "{ includeSource: ['src/**/*.js'] }"),
      'packages/a/src/in-source.js':
        "if (import.meta.vitest) { const { it } = import.meta.vitest; it('runs', () => {}) }\n",
      'packages/a/src/plain.js': 'export const x = 1\n',
      ...pkg('b'),
      'packages/b/vitest.config.js': counting('b', '{}'),
      'packages/b/b.test.js': passes,
    })
    settle(project, 'packages/a/vitest.config.js', 'packages/b/vitest.config.js')
    for (const round of [1, 2]) {
      expect((await list(project)).files).toEqual(['packages/a/src/in-source.js', 'packages/b/b.test.js'])
      expect([loads(project, 'packages/a'), loads(project, 'packages/b')]).toEqual([round, 1])
    }
    // A file that becomes an in-source test is seen: a's config is loaded every time.
    project.write(
      'packages/a/src/plain.js',
      "if (import.meta.vitest) { import.meta.vitest.it('too', () => {}) }\n",
    )
    expect((await list(project)).files).toEqual([
      'packages/a/src/in-source.js',
      'packages/a/src/plain.js',
      'packages/b/b.test.js',
    ])
    expect([loads(project, 'packages/a'), loads(project, 'packages/b')]).toEqual([3, 1])
  }, 180_000)
})

describe('runs across owners', () => {
  const twoOwners = () =>
    createFixtureProject({
      ...pkg('a'),
      'packages/a/vitest.config.js': 'export default {}\n',
      'packages/a/meet.test.js': waitsFor('a', 'b'),
      'packages/a/slow.test.js': waitsFor('', 'never'),
      ...pkg('b'),
      'packages/b/vitest.config.js': 'export default {}\n',
      'packages/b/meet.test.js': waitsFor('b', 'a'),
      'packages/b/slow.test.js': waitsFor('', 'never'),
      'rendezvous/one/.keep': '',
      'rendezvous/two/.keep': '',
    })

  it('runs two owners at once, from two run calls and from one call with maxConcurrentOwners 2', async () => {
    const project = twoOwners()
    const packageDirs = ['packages/a', 'packages/b']
    const separate = await runnerFor(project, { packageDirs, maxConcurrentOwners: 1 })
    const env = { RENDEZVOUS: project.path('rendezvous/one') }
    // Each file waits for the other to start: both pass only if they ran at the same time.
    const [a, b] = await Promise.all([
      separate.run(['packages/a/meet.test.js'], { env }),
      separate.run(['packages/b/meet.test.js'], { env }),
    ])
    expect([...states(project, a), ...states(project, b)], failures(a) + failures(b)).toEqual([
      'packages/a/meet.test.js passed',
      'packages/b/meet.test.js passed',
    ])

    const together = await runnerFor(project, { packageDirs, maxConcurrentOwners: 2 })
    const result = await together.run(['packages/a/meet.test.js', 'packages/b/meet.test.js'], {
      env: { RENDEZVOUS: project.path('rendezvous/two') },
    })
    expect(states(project, result), failures(result)).toEqual([
      'packages/a/meet.test.js passed',
      'packages/b/meet.test.js passed',
    ])
  }, 180_000)

  it('cancels a run on every owner it reached; the next run works', async () => {
    const project = twoOwners()
    const runner = await runnerFor(project, {
      packageDirs: ['packages/a', 'packages/b'],
      maxConcurrentOwners: 2,
    })
    const controller = new AbortController()
    const started = new Set<string>()
    const result = await runner.run(['packages/a/slow.test.js', 'packages/b/slow.test.js'], {
      signal: controller.signal,
      env: { RENDEZVOUS: project.path('rendezvous/one') },
      onEvent: (event) => {
        if (event.type === 'file-started') started.add(event.file)
        if (started.size === 2) controller.abort()
      },
    })
    expect(result.cancelled).toBe(true)
    expect(result.files).toEqual([])
    expect(result.notRun.map((n) => `${n.reason}: ${path.relative(project.root, n.file)}`).sort()).toEqual([
      'cancelled: packages/a/slow.test.js',
      'cancelled: packages/b/slow.test.js',
    ])
    const next = await runner.run(['packages/a/meet.test.js', 'packages/b/meet.test.js'], {
      env: { RENDEZVOUS: project.path('rendezvous/two') },
    })
    expect(states(project, next), failures(next)).toEqual([
      'packages/a/meet.test.js passed',
      'packages/b/meet.test.js passed',
    ])
  }, 180_000)

  it('streams a fast failing file before a slow file of the same run finishes', async () => {
    const project = createFixtureProject({
      ...pkg('a'),
      'packages/a/vitest.config.js': 'export default { test: { maxWorkers: 2 } }\n',
      'packages/a/fast.test.js':
        "import { it } from 'vitest'\nit('fails fast', () => { throw new Error('fast') })\n",
      // Finishes only once hearth has reported fast.test.js (the listener below writes the file).
      'packages/a/slow.test.js': waitsFor('', 'fast-reported'),
    })
    const runner = await runnerFor(project, { packageDirs: ['packages/a'] })
    const seen: string[] = []
    const onEvent = (event: RunEvent) => {
      if (event.type !== 'file-finished') return
      seen.push(`${path.basename(event.file.file)} ${event.file.state}`)
      if (event.file.file.endsWith('fast.test.js')) writeFileSync(project.path('fast-reported'), '')
    }
    const result = await runner.run(['packages/a/slow.test.js', 'packages/a/fast.test.js'], {
      env: { RENDEZVOUS: project.root },
      onEvent,
    })
    expect(seen).toEqual(['fast.test.js failed', 'slow.test.js passed'])
    expect(states(project, result)).toEqual([
      'packages/a/fast.test.js failed',
      'packages/a/slow.test.js passed',
    ])
  }, 120_000)

  it('tells every host about an edit: a package test and a root test both see it', async () => {
    const priceTest = (from: string) =>
      `import { expect, it } from 'vitest'\nimport { price } from '${from}'\n` +
      "it('costs 20', () => { expect(price()).toBe(20) })\n"
    const project = createFixtureProject({
      ...pkg('a'),
      'packages/a/vitest.config.js': 'export default {}\n',
      'packages/a/src/price.js': 'export const price = () => 10\n',
      'packages/a/price.test.js': priceTest('./src/price.js'),
      'tests/price.test.js': priceTest('../packages/a/src/price.js'),
    })
    const runner = await runnerFor(project, { packageDirs: ['packages/a'], maxConcurrentOwners: 2 })
    const files = ['packages/a/price.test.js', 'tests/price.test.js']
    expect(states(project, await runner.run(files))).toEqual([
      'packages/a/price.test.js failed',
      'tests/price.test.js failed',
    ])
    project.write('packages/a/src/price.js', 'export const price = () => 20\n')
    runner.invalidate([project.path('packages/a/src/price.js')])
    expect(states(project, await runner.run(files))).toEqual([
      'packages/a/price.test.js passed',
      'tests/price.test.js passed',
    ])
  }, 120_000)

  it('restarts an owner whose config changed, on invalidate', async () => {
    const config = (greeting: string) => `export default { test: { env: { GREETING: '${greeting}' } } }\n`
    const project = createFixtureProject({
      ...pkg('a'),
      'packages/a/vitest.config.js': config('one'),
      'packages/a/greet.test.js':
        "import { it } from 'vitest'\nit('greets', () => console.log(process.env.GREETING))\n",
    })
    const runner = await runnerFor(project, { packageDirs: ['packages/a'] })
    const greeting = async () =>
      (await runner.run(['packages/a/greet.test.js'])).files[0]?.tests[0]?.console[0]?.text.trim()
    expect(await greeting()).toBe('one')
    project.write('packages/a/vitest.config.js', config('two'))
    runner.invalidate([project.path('packages/a/vitest.config.js')])
    expect(await greeting()).toBe('two')
  }, 120_000)
})

describe('hosts fail and stop cleanly', () => {
  it('reports a host killed mid-run as interrupted, with its last stderr lines; the next run gets a new host', async () => {
    const project = createFixtureProject({
      ...pkg('a'),
      'packages/a/vitest.config.js': "process.stderr.write('config of a loaded\\n')\nexport default {}\n",
      'packages/a/slow.test.js': waitsFor('', 'never'),
      'packages/a/quick.test.js': passes,
    })
    const runner = await runnerFor(project, { packageDirs: ['packages/a'] })
    let killed: number | undefined
    const result = await runner.run(['packages/a/slow.test.js'], {
      env: { RENDEZVOUS: project.root },
      onEvent: (event) => {
        if (event.type !== 'file-started') return
        const [host] = hostsUnder(project.path('packages/a'))
        killed = host?.pid
        if (killed) process.kill(killed, 'SIGKILL')
      },
    })
    expect(killed).toBeDefined()
    expect(result.cancelled).toBe(false)
    expect(result.notRun.map((n) => `${n.reason}: ${path.relative(project.root, n.file)}`)).toEqual([
      'interrupted: packages/a/slow.test.js',
    ])
    expect(result.errors.map((e) => e.message.replace(project.root, '<root>'))).toEqual([
      'hearth: the Vitest host of <root>/packages/a stopped (signal SIGKILL) during the run. ' +
        'Its last lines on stderr:\nconfig of a loaded',
    ])
    // Its workers went with it (hearth kills the host's process group).
    await waitFor('the workers of the killed host to exit', () =>
      processesUnder(project.path('packages/a')).every((p) => p.pid !== killed && p.ppid !== killed),
    )

    const next = await runner.run(['packages/a/quick.test.js'])
    expect(states(project, next)).toEqual(['packages/a/quick.test.js passed'])
    expect(hostsUnder(project.root).map((host) => host.pid)).not.toContain(killed)
  }, 120_000)

  it('close stops every host and their workers', async () => {
    const project = createFixtureProject({
      'root.test.js': passes,
      ...pkg('a'),
      'packages/a/vitest.config.js': "export default { test: { pool: 'forks' } }\n",
      'packages/a/a.test.js': passes,
    })
    const runner = await createTestRunner({ root: project.root, mode: 'watch', packageDirs: ['packages/a'] })
    try {
      await runner.run(await runner.listTestFiles())
      expect(hostsUnder(project.root)).toHaveLength(2)
    } finally {
      await runner.close()
    }
    await waitFor('every process in the project to exit', () => processesUnder(project.root).length === 0)
    await expect(runner.run(['root.test.js'])).rejects.toThrow('hearth: this test runner is closed')
  }, 120_000)

  it('leaves no host behind when hearth is SIGKILLed mid-run', async () => {
    const project = createFixtureProject({
      // Longer than the wait below: the host must exit because hearth is gone, not because the
      // test ended.
      'slow.test.js': waitsFor('', 'never', 600_000),
    })
    const entry = pathToFileURL(fileURLToPath(new URL('../src/index.ts', import.meta.url))).href
    const script = project.write(
      'hearth.mjs',
      `import { createTestRunner } from '${entry}'
const runner = await createTestRunner({ root: ${JSON.stringify(project.root)}, mode: 'once' })
await runner.run(['slow.test.js'], {
  env: { RENDEZVOUS: ${JSON.stringify(project.root)} },
  onEvent: (event) => { if (event.type === 'file-started') console.log('started') },
})
`,
    )
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
    const parent = spawn(process.execPath, ['--import', tsx, script], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    try {
      await waitFor('the run to start in the parent', () => output.includes('started'), 90_000)
      const hosts = hostsUnder(project.root)
      expect(hosts.map((host) => host.ppid)).toEqual([parent.pid])
      parent.kill('SIGKILL')
      await waitFor('the host to exit', () => hosts.every((host) => !isAlive(host.pid)), 90_000)
      await waitFor('every process in the project to exit', () => processesUnder(project.root).length === 0)
    } finally {
      parent.kill('SIGKILL')
    }
  }, 180_000)
})

describe('setup errors', () => {
  it('names the config that did not load, and Vitest message', async () => {
    const project = createFixtureProject({
      'a.test.js': passes,
      ...pkg('b'),
      'packages/b/vitest.config.js': "throw new Error('broken config of b')\n",
      'packages/b/b.test.js': passes,
    })
    const runner = await runnerFor(project, { packageDirs: ['packages/b'] })
    const error = await runner.listTestFiles().catch((e: unknown) => e)
    expect(isVitestSetupError(error) && [error.problem, error.root, error.configFile]).toEqual([
      'config-error',
      project.path('packages/b'),
      project.path('packages/b/vitest.config.js'),
    ])
    expect((error as Error).message).toContain(
      `hearth: the Vitest config ${project.path('packages/b/vitest.config.js')} did not load: `,
    )
    expect((error as Error).message).toContain('broken config of b')
    // The root's files still run.
    expect(states(project, await runner.run(['a.test.js']))).toEqual(['a.test.js passed'])
  }, 120_000)

  it('names the package folder that has a config but no Vitest', async () => {
    const project = createFixtureProject(
      { ...pkg('b'), 'packages/b/vitest.config.js': 'export default {}\n' },
      { vitest: false },
    )
    const error = await createTestRunner({
      root: project.root,
      mode: 'once',
      packageDirs: ['packages/b'],
    }).catch((e: unknown) => e)
    expect(isVitestSetupError(error) && [error.problem, error.root]).toEqual([
      'not-found',
      project.path('packages/b'),
    ])
    expect(existsSync(project.path('packages/b/node_modules'))).toBe(false)
  })

  it('names the package folder whose Vitest is another major, and stops the host it had started', async () => {
    const project = createFixtureProject({
      'vitest.config.js': 'export default {}\n',
      ...pkg('b'),
      'packages/b/vitest.config.js': 'export default {}\n',
      'packages/b/node_modules/vitest/package.json': JSON.stringify({ name: 'vitest', version: '3.2.4' }),
    })
    const error = await createTestRunner({
      root: project.root,
      mode: 'once',
      packageDirs: ['packages/b'],
    }).catch((e: unknown) => e)
    expect(isVitestSetupError(error) && [error.problem, error.root]).toEqual([
      'unsupported-version',
      project.path('packages/b'),
    ])
    // The root's host (started to read the root config's projects) is gone with the failed start.
    await waitFor('the root host to exit', () => hostsUnder(project.root).length === 0)
  }, 120_000)
})
