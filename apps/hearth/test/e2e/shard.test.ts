import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { copyExample, hearth, repoRoot } from './helpers.js'

interface SummaryFile {
  path: string
  state: string
  environment: string | null
  tests: Array<{ name: string; state: string }>
  errors: Array<{ test: string | null; message: string }>
}
interface Summary {
  exitCode: number
  shard: { index: number; total: number; plan: string | null } | null
  files: SummaryFile[]
  environments: Array<{ name: string; startMs: number | null }>
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T

/** What a run did, without its timings: each file, its state, and each test's name and state. */
const outcomes = (summary: Summary) =>
  summary.files.map((file) => ({
    path: file.path,
    state: file.state,
    tests: file.tests.map((test) => [test.name, test.state]),
  }))

/** A JUnit report without what differs between two runs of the same tests: times and run-bound text. */
const junitShape = (xml: string) =>
  xml
    .replace(/ time="[^"]*"/g, '')
    .split('\n')
    .filter((line) => !line.includes('hearth.reason'))
    .join('\n')

/**
 * Sharding on the demo as CI machines do it: each shard in its own checkout (the same timing
 * history restored into each), `hearth ci --shard i/N`, then `hearth merge-reports` of their report
 * folders. The union is the full run; a failing shard makes the merge exit 1 as the full run would.
 */
describe('hearth ci --shard and merge-reports on the demo', () => {
  const copies: Array<{ root: string; cleanup(): void }> = []
  const machine = (history: string | null) => {
    const copy = copyExample('demo')
    copies.push(copy)
    if (history !== null) {
      mkdirSync(path.join(copy.root, '.hearth'), { recursive: true })
      writeFileSync(path.join(copy.root, '.hearth/timings.json'), history)
    }
    return copy.root
  }
  // One `down` a copy, at once: on a loaded machine each loads its config and engine client slowly.
  afterAll(async () => {
    await Promise.all(copies.map((copy) => hearth(['down', '--all'], copy.root)))
    for (const copy of copies) copy.cleanup()
  }, 600_000)
  const reporters = ['--reporter', 'lines,junit,ndjson']

  // Several whole CI runs each, on a machine that may be loaded: generous limits, no wall-clock assertion.
  it('runs each file on exactly one shard, only the environments a shard needs, and merges into the full run', {
    timeout: 300_000,
  }, async () => {
    // The full run, which also writes the timing history the plan balances by.
    const first = machine(null)
    const full = await hearth(['ci', ...reporters, '--output', 'full'], first)
    expect(full.stderr).toBe('')
    expect(full.exitCode).toBe(0)
    const history = readFileSync(path.join(first, '.hearth/timings.json'), 'utf8')
    const recorded = JSON.parse(history) as {
      files: Record<string, unknown>
      environments?: Record<string, unknown>
    }
    expect(Object.keys(recorded.files).sort()).toEqual([
      'packages/shared/src/invoice.test.ts',
      'tests/invoices.test.ts',
      'tests/worker.test.ts',
    ])
    // The environment's cold start is recorded too: a shard pays it.
    expect(Object.keys(recorded.environments ?? {})).toEqual(['backend'])

    const planner = machine(history)
    const planned = await hearth(
      ['plan', '--shards', '3', '--format', 'json', '--output', 'plan.json'],
      planner,
    )
    expect(planned.exitCode).toBe(0)
    const plan = JSON.parse(planned.stdout) as {
      digest: string
      shards: Array<{ index: number; files: Array<{ path: string }>; environments: Array<{ name: string }> }>
    }
    expect(readJson(path.join(planner, 'plan.json'))).toEqual(plan)
    expect(planned.stderr).toMatch(/^hearth plan · hearth-demo · 3 shards · 3 test files$/m)
    // Three files on three shards: one each.
    expect(plan.shards.map((shard) => shard.files.length)).toEqual([1, 1, 1])

    const reports = path.join(planner, 'reports')
    for (const shard of plan.shards) {
      const root = machine(history)
      const result = await hearth(
        [
          'ci',
          '--shard',
          `${shard.index}/3`,
          '--plan',
          path.join(planner, 'plan.json'),
          ...reporters,
          '--output',
          'out',
        ],
        root,
      )
      expect(result.stderr).toBe('')
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toMatch(
        new RegExp(`^shard ${shard.index}/3: 1 of 3 test files, .*${plan.digest}\\)$`, 'm'),
      )
      const summary = readJson<Summary>(path.join(root, 'out/summary.json'))
      expect(summary.shard).toEqual({ index: shard.index, total: 3, plan: plan.digest })
      expect(summary.files.map((file) => file.path)).toEqual(shard.files.map((file) => file.path))
      const needs = shard.environments.map((environment) => environment.name)
      // Only the environments its files need start: the unit test's shard starts none.
      expect(summary.environments.map((environment) => environment.name)).toEqual(needs)
      if (needs.length === 0) expect(result.stdout).not.toMatch(/starting/)
      else expect(result.stdout).toMatch(/^ {2}db +starting/m)
      cpSync(path.join(root, 'out'), path.join(reports, `shard-${shard.index}`), { recursive: true })
    }

    const merged = await hearth(['merge-reports', 'reports', '--output', 'merged'], planner)
    expect(merged.stderr).toBe('')
    expect(merged.exitCode).toBe(0)
    expect(merged.stdout).toMatch(/^✓ 3 passed in .* \(3 files, 5 tests\)$/m)
    const union = readJson<Summary>(path.join(planner, 'merged/summary.json'))
    const whole = readJson<Summary>(path.join(first, 'full/summary.json'))
    expect(outcomes(union)).toEqual(outcomes(whole))
    expect(union.exitCode).toBe(0)
    expect(junitShape(readFileSync(path.join(planner, 'merged/junit.xml'), 'utf8'))).toBe(
      junitShape(readFileSync(path.join(first, 'full/junit.xml'), 'utf8')),
    )
    // The merged stream is the shards' streams one after another, each valid hearth.events/1.
    const schema = readJson<object>(path.join(repoRoot, 'docs/events.schema.json'))
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema)
    const events = readFileSync(path.join(planner, 'merged/events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; shard?: unknown; path?: string })
    for (const event of events) expect(validate(event), JSON.stringify(validate.errors)).toBe(true)
    expect(events.filter((event) => event.type === 'session.start').map((event) => event.shard)).toEqual([
      { index: 1, total: 3 },
      { index: 2, total: 3 },
      { index: 3, total: 3 },
    ])
    expect(
      events
        .filter((event) => event.type === 'file.result')
        .map((event) => event.path)
        .sort(),
    ).toEqual(whole.files.map((file) => file.path))
    // The merge folded the shards' timings into the planner's history: one more sample each.
    const folded = readJson<{ files: Record<string, { samples: number }> }>(
      path.join(planner, '.hearth/timings.json'),
    )
    expect(Object.values(folded.files).map((timing) => timing.samples)).toEqual([2, 2, 2])
  })

  it('plans the same on every machine without a plan file, and a failing shard fails the merge with exit 1', {
    timeout: 300_000,
  }, async () => {
    const first = machine(null)
    const seeded = await hearth(['ci', '--reporter', 'junit'], first)
    expect(seeded.exitCode).toBe(0)
    const history = readFileSync(path.join(first, '.hearth/timings.json'), 'utf8')
    const collected = machine(history)
    const failing = (root: string) =>
      writeFileSync(
        path.join(root, 'packages/shared/src/invoice.test.ts'),
        `${readFileSync(path.join(root, 'packages/shared/src/invoice.test.ts'), 'utf8')}
it('rounds half a cent up', () => {
  expect(Math.round(0.5 - Number.EPSILON)).toBe(1)
})
`,
      )
    const codes: number[] = []
    const digests = new Set<string | null>()
    for (const index of [1, 2]) {
      const root = machine(history)
      failing(root)
      const result = await hearth(['ci', '--shard', `${index}/2`, ...reporters, '--output', 'out'], root)
      expect(result.stderr).toBe('')
      codes.push(result.exitCode)
      const summary = readJson<Summary>(path.join(root, 'out/summary.json'))
      digests.add(summary.shard?.plan ?? null)
      expect(result.stdout).toContain('planned here from the timing history')
      cpSync(path.join(root, 'out'), path.join(collected, 'reports', `shard-${index}`), { recursive: true })
    }
    // Each machine planned on its own, from the same history: the same plan.
    expect(digests.size).toBe(1)
    expect(codes.sort()).toEqual([0, 1])

    const merged = await hearth(['merge-reports', 'reports'], collected)
    expect(merged.exitCode).toBe(1)
    expect(merged.stdout).toMatch(/packages\/shared\/src\/invoice\.test\.ts › .*rounds half a cent up/)
    const union = readJson<Summary>(path.join(collected, '.hearth/reports/merged/summary.json'))
    expect(union.exitCode).toBe(1)
    expect(union.files.map((file) => [file.path, file.state])).toEqual([
      ['packages/shared/src/invoice.test.ts', 'failed'],
      ['tests/invoices.test.ts', 'passed'],
      ['tests/worker.test.ts', 'passed'],
    ])

    // A shard whose report never arrived: the merge says which, and exits 2.
    const partial = machine(null)
    cpSync(path.join(collected, 'reports/shard-2'), path.join(partial, 'reports/shard-2'), {
      recursive: true,
    })
    const incomplete = await hearth(['merge-reports', 'reports'], partial)
    expect(incomplete.exitCode).toBe(2)
    expect(incomplete.stderr).toMatch(/shard 1 of 2 is missing/)
  })

  it('runs the shards one after another in one checkout alike: a shard reads the history, the merge writes it once', {
    timeout: 300_000,
  }, async () => {
    const first = machine(null)
    expect((await hearth(['ci', '--reporter', 'junit'], first)).exitCode).toBe(0)
    const root = machine(readFileSync(path.join(first, '.hearth/timings.json'), 'utf8'))
    const history = readFileSync(path.join(root, '.hearth/timings.json'), 'utf8')
    const ran: string[] = []
    const plans = new Set<string | null>()
    for (const index of [1, 2]) {
      const result = await hearth(['ci', '--shard', `${index}/2`, '--output', `reports/shard-${index}`], root)
      expect(result.exitCode).toBe(0)
      const summary = readJson<Summary>(path.join(root, `reports/shard-${index}/summary.json`))
      plans.add(summary.shard?.plan ?? null)
      ran.push(...summary.files.map((file) => file.path))
      // The shard left the history as it found it, so the next shard plans from the same one.
      expect(readFileSync(path.join(root, '.hearth/timings.json'), 'utf8')).toBe(history)
    }
    expect(plans.size).toBe(1)
    expect(ran.sort()).toEqual([
      'packages/shared/src/invoice.test.ts',
      'tests/invoices.test.ts',
      'tests/worker.test.ts',
    ])
    expect((await hearth(['merge-reports', 'reports'], root)).exitCode).toBe(0)
    const folded = readJson<{ files: Record<string, { samples: number }> }>(
      path.join(root, '.hearth/timings.json'),
    )
    expect(Object.values(folded.files).map((timing) => timing.samples)).toEqual([2, 2, 2])
  })

  it('seeds the history from the JUnit report of a plain Vitest run, so the first plan is measured', async () => {
    const root = machine(null)
    // The project's own Vitest, as its CI ran it before hearth: the unit tests, with a JUnit report.
    const vitest = await execa(
      path.join(root, 'node_modules/.bin/vitest'),
      ['run', 'packages/shared', '--reporter=junit', '--outputFile=vitest-junit.xml'],
      { cwd: root, reject: false, stdin: 'ignore' },
    )
    expect(vitest.exitCode, vitest.stderr).toBe(0)
    const before = await hearth(['plan', '--shards', '2'], root)
    expect(before.stdout).toMatch(/^3 files have no timing history/m)
    const imported = await hearth(['timings', 'import', 'vitest-junit.xml'], root)
    expect(imported.stderr).toBe('')
    expect(imported.exitCode).toBe(0)
    expect(imported.stdout).toMatch(/^vitest-junit\.xml: 1 test file timed$/m)
    const shown = await hearth(['timings'], root)
    expect(shown.stdout).toMatch(/^1 test file, .* in all/)
    expect(shown.stdout).toMatch(/packages\/shared\/src\/invoice\.test\.ts {2}\(1 run\)$/m)
    const after = await hearth(['plan', '--shards', '2', '--format', 'json'], root)
    const plan = JSON.parse(after.stdout) as { predicted: string[] }
    expect(plan.predicted).toEqual(['tests/invoices.test.ts', 'tests/worker.test.ts'])

    // A plan of two shards run as one of three, or a shard out of range: exit 2 before anything starts.
    writeFileSync(path.join(root, 'plan.json'), after.stdout)
    const misfit = await hearth(['ci', '--shard', '1/3', '--plan', 'plan.json'], root)
    expect(misfit).toMatchObject({ exitCode: 2, stdout: '' })
    expect(misfit.stderr).toMatch(
      /^hearth: --shard 1\/3 does not fit the plan .*plan\.json: it has 2 shards$/m,
    )
    const outOfRange = await hearth(['ci', '--shard', '3/2'], root)
    expect(outOfRange).toMatchObject({ exitCode: 2, stdout: '' })
    expect(outOfRange.stderr).toContain('--shard takes i/N with 1 ≤ i ≤ N, got "3/2"')

    // A report that is not JUnit: exit 2, naming the file, and the history is left as it was.
    writeFileSync(path.join(root, 'not-junit.xml'), '<html><body>502 Bad Gateway</body></html>')
    const history = readFileSync(path.join(root, '.hearth/timings.json'), 'utf8')
    const bad = await hearth(['timings', 'import', 'not-junit.xml'], root)
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/not-junit\.xml: .*JUnit/)
    expect(readFileSync(path.join(root, '.hearth/timings.json'), 'utf8')).toBe(history)
  }, 120_000)
})
