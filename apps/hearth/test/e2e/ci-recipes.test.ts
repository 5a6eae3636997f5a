import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { copyExample, hearth, repoRoot } from './helpers.js'

/**
 * The CI recipes of docs/sharding.md (docs/ci/*.yml), run as their CI systems would run them, on this machine: each job
 * on a fresh checkout of the demo (a machine of its own), `run`/`script` lines through `sh`
 * verbatim (with `pnpm` and `corepack` shims: the install is already done, `pnpm exec hearth` is the
 * built CLI), and the steps that are actions (checkout, cache, artifacts) emulated as the CI system
 * documents them. An action or a construct the emulation does not know fails the test, so a recipe
 * cannot drift into something this test does not run.
 */

const recipes = path.join(repoRoot, 'docs/ci')
const bin = path.join(repoRoot, 'apps/hearth/bin/hearth.js')

/** A history in which each demo file takes 2 minutes and the environment 30 s: `--target 5m` → 2 shards. */
const SLOW_HISTORY = `${JSON.stringify(
  {
    format: 1,
    files: Object.fromEntries(
      ['packages/shared/src/invoice.test.ts', 'tests/invoices.test.ts', 'tests/worker.test.ts'].map(
        (file) => [
          file,
          { estimateMs: 120_000, lastMs: 120_000, samples: 1, updatedAt: '2026-11-30T12:00:00.000Z' },
        ],
      ),
    ),
    environments: {
      backend: { estimateMs: 30_000, lastMs: 30_000, samples: 1, updatedAt: '2026-11-30T12:00:00.000Z' },
    },
  },
  null,
  2,
)}\n`

const copies: Array<{ root: string; cleanup(): void }> = []
let scratch: string
let shims: string

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'hearth-recipes-'))
  shims = path.join(scratch, 'bin')
  mkdirSync(shims)
  const pnpm = path.join(shims, 'pnpm')
  writeFileSync(
    pnpm,
    [
      '#!/bin/sh',
      '# The install is done already; `pnpm exec hearth` is the built CLI.',
      'if [ "$1" = install ]; then exit 0; fi',
      `if [ "$1" = exec ] && [ "$2" = hearth ]; then shift 2; exec "${process.execPath}" "${bin}" "$@"; fi`,
      'echo "pnpm shim: not emulated: $*" >&2',
      'exit 97',
      '',
    ].join('\n'),
  )
  const corepack = path.join(shims, 'corepack')
  writeFileSync(corepack, '#!/bin/sh\n[ "$1" = enable ] && exit 0\necho "corepack shim: $*" >&2\nexit 97\n')
  chmodSync(pnpm, 0o755)
  chmodSync(corepack, 0o755)
})

afterAll(async () => {
  for (const copy of copies) {
    await hearth(['down', '--all'], copy.root)
    copy.cleanup()
  }
  rmSync(scratch, { recursive: true, force: true })
})

/** A fresh checkout of the project: the demo, with the files a user adds for the recipe. */
function checkout(extra: Readonly<Record<string, string>> = {}): string {
  const copy = copyExample('demo')
  copies.push(copy)
  for (const [file, text] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(copy.root, file)), { recursive: true })
    writeFileSync(path.join(copy.root, file), text)
  }
  return copy.root
}

interface Shell {
  exitCode: number
  output: string
}

async function sh(script: string, cwd: string, env: Readonly<Record<string, string>>): Promise<Shell> {
  const result = await execa('sh', ['-e', '-c', script], {
    cwd,
    reject: false,
    all: true,
    stdin: 'ignore',
    env: { NO_COLOR: '1', CI: 'true', ...env, PATH: `${shims}${path.delimiter}${process.env.PATH}` },
  })
  return { exitCode: result.exitCode ?? -1, output: result.all ?? '' }
}

/** Copies a file or a folder's contents to `to` (merging into a folder). */
function copyInto(from: string, to: string): void {
  if (statSync(from).isDirectory()) {
    mkdirSync(to, { recursive: true })
    for (const entry of readdirSync(from))
      cpSync(path.join(from, entry), path.join(to, entry), { recursive: true })
  } else {
    mkdirSync(path.dirname(to), { recursive: true })
    cpSync(from, to)
  }
}

type Yaml = Record<string, unknown>
const record = (value: unknown): Yaml => (value ?? {}) as Yaml

it('docs/sharding.md links every recipe this test runs', () => {
  const guide = readFileSync(path.join(repoRoot, 'docs/sharding.md'), 'utf8')
  for (const file of readdirSync(recipes)) expect(guide).toContain(`](ci/${file})`)
})

describe('the GitHub Actions recipe', () => {
  /** What a run of the workflow leaves: job results, artifacts, the cache, what each shard printed. */
  interface WorkflowRun {
    results: Record<string, 'success' | 'failure'>
    outputs: Record<string, Record<string, string>>
    logs: Record<string, string>
    artifacts: Map<string, string>
    cache: Map<string, string>
  }

  async function runWorkflow(file: string, cache: Map<string, string>): Promise<WorkflowRun> {
    const workflow = parse(readFileSync(file, 'utf8')) as { jobs: Record<string, Yaml> }
    const store = path.join(scratch, 'github')
    const run: WorkflowRun = { results: {}, outputs: {}, logs: {}, artifacts: new Map(), cache }
    const runId = '4242'
    const order = topological(workflow.jobs)
    for (const name of order) {
      const job = workflow.jobs[name] as Yaml
      const needs = ([] as string[]).concat((job.needs as string | string[] | undefined) ?? [])
      const context = {
        needs: Object.fromEntries(
          needs.map((need) => [need, { result: run.results[need], outputs: run.outputs[need] ?? {} }]),
        ),
        github: { run_id: runId, run_attempt: '1' },
      }
      if (typeof job.if === 'string' && !condition(job.if, context, false)) continue
      const strategy = record(job.strategy)
      const matrix =
        strategy.matrix === undefined ? [{}] : matrixOf(evaluate(String(strategy.matrix), context) as unknown)
      let failed = false
      for (const entry of matrix) {
        const machine = checkout()
        const steps: Record<string, { outputs: Record<string, string> }> = {}
        let stepFailed = false
        for (const step of job.steps as Yaml[]) {
          const scope = { ...context, matrix: entry, steps }
          if (typeof step.if === 'string' ? !condition(step.if, scope, stepFailed) : stepFailed) continue
          const input = Object.fromEntries(
            Object.entries(record(step.with)).map(([key, value]) => [key, interpolate(String(value), scope)]),
          )
          if (typeof step.run === 'string') {
            const outputFile = path.join(
              store,
              `output-${name}-${Object.keys(steps).length}-${Math.random()}`,
            )
            mkdirSync(store, { recursive: true })
            writeFileSync(outputFile, '')
            const result = await sh(interpolate(step.run, scope), machine, { GITHUB_OUTPUT: outputFile })
            run.logs[`${name} ${JSON.stringify(entry)}`] =
              `${run.logs[`${name} ${JSON.stringify(entry)}`] ?? ''}${result.output}\n`
            if (typeof step.id === 'string')
              steps[step.id] = { outputs: keyValues(readFileSync(outputFile, 'utf8')) }
            if (result.exitCode !== 0) stepFailed = true
            continue
          }
          const uses = String(step.uses)
          if (/^actions\/checkout@|^pnpm\/action-setup@|^actions\/setup-node@/.test(uses)) continue
          if (uses.startsWith('actions/cache/restore@')) {
            const keys = [
              input.key as string,
              ...String(input['restore-keys'] ?? '')
                .split('\n')
                .filter(Boolean),
            ]
            const hit = keys
              .map((key) =>
                cache.has(key) ? key : [...cache.keys()].reverse().find((known) => known.startsWith(key)),
              )
              .find((key) => key !== undefined)
            if (hit !== undefined)
              copyInto(cache.get(hit) as string, path.join(machine, input.path as string))
          } else if (uses.startsWith('actions/cache/save@')) {
            // Caches are immutable: a key that exists is not saved again.
            if (!cache.has(input.key as string)) {
              const saved = path.join(store, `cache-${cache.size}`)
              copyInto(path.join(machine, input.path as string), saved)
              cache.set(input.key as string, saved)
            }
          } else if (uses.startsWith('actions/upload-artifact@')) {
            const from = path.join(machine, input.path as string)
            expect(existsSync(from), `${name}: uploads ${input.path}, which does not exist`).toBe(true)
            const saved = path.join(store, 'artifacts', input.name as string)
            // An existing name is refused (409) unless the step says overwrite.
            if (input.overwrite !== 'true')
              expect(run.artifacts.has(input.name as string), `artifact ${input.name} uploaded twice`).toBe(
                false,
              )
            rmSync(saved, { recursive: true, force: true })
            copyInto(from, statSync(from).isDirectory() ? saved : path.join(saved, path.basename(from)))
            run.artifacts.set(input.name as string, saved)
          } else if (uses.startsWith('actions/download-artifact@')) {
            const into = path.join(machine, (input.path as string | undefined) ?? '.')
            if (input.name !== undefined) copyInto(run.artifacts.get(input.name as string) as string, into)
            else {
              // By pattern, each artifact goes into a folder of its name (no merge-multiple).
              const pattern = new RegExp(`^${(input.pattern as string).replace(/\*/g, '.*')}$`)
              for (const [artifact, saved] of run.artifacts)
                if (pattern.test(artifact)) copyInto(saved, path.join(into, artifact))
            }
          } else throw new Error(`${name}: the emulation does not know the action ${uses}`)
        }
        failed ||= stepFailed
        run.outputs[name] = Object.fromEntries(
          Object.entries(record(job.outputs)).map(([key, value]) => [
            key,
            interpolate(String(value), { ...context, steps }),
          ]),
        )
      }
      run.results[name] = failed ? 'failure' : 'success'
    }
    return run
  }

  it('plans by the cached history, runs a matrix of shards, merges them, and saves the history', {
    timeout: 480_000,
  }, async () => {
    const seeded = path.join(scratch, 'seeded-timings.json')
    writeFileSync(seeded, SLOW_HISTORY)
    const run = await runWorkflow(
      path.join(recipes, 'github-actions.yml'),
      new Map([['hearth-timings-100', seeded]]),
    )
    expect(run.results).toEqual({ plan: 'success', test: 'success', merge: 'success' })
    // Two minutes a file and 30 s for the environment: two shards fit 5 minutes.
    const matrix = JSON.parse(run.outputs.plan?.matrix ?? 'null')
    expect(matrix).toEqual({
      include: [
        { shard: 1, total: 2 },
        { shard: 2, total: 2 },
      ],
    })
    expect([...run.artifacts.keys()].sort()).toEqual([
      'hearth-merged',
      'hearth-plan',
      'hearth-reports-1',
      'hearth-reports-2',
    ])
    const merged = JSON.parse(
      readFileSync(path.join(run.artifacts.get('hearth-merged') as string, 'summary.json'), 'utf8'),
    ) as { exitCode: number; files: Array<{ path: string; state: string; shard: number }> }
    expect(merged.exitCode).toBe(0)
    expect(merged.files.map((file) => [file.path, file.state])).toEqual([
      ['packages/shared/src/invoice.test.ts', 'passed'],
      ['tests/invoices.test.ts', 'passed'],
      ['tests/worker.test.ts', 'passed'],
    ])
    // The merge job saved the history with this run's timings folded in, for the next plan.
    const saved = run.cache.get('hearth-timings-4242-1')
    expect(saved).toBeDefined()
    const history = JSON.parse(readFileSync(saved as string, 'utf8')) as {
      files: Record<string, { samples: number; lastMs: number }>
    }
    for (const timing of Object.values(history.files)) {
      expect(timing.samples).toBe(2)
      expect(timing.lastMs).toBeLessThan(120_000)
    }
  })
})

describe('the GitLab CI recipe', () => {
  interface Job {
    name: string
    definition: Yaml
  }

  /** A job with its `extends` applied (the template first, the job's own keys over it). */
  function resolved(jobs: Yaml, name: string): Yaml {
    const job = record(jobs[name])
    if (job.extends === undefined) return job
    const { extends: base, ...own } = job
    return { ...resolved(jobs, String(base)), ...own }
  }

  it('plans in the parent pipeline, runs parallel shards in the child pipeline it writes, and merges', {
    timeout: 480_000,
  }, async () => {
    const template = readFileSync(path.join(recipes, 'hearth-shards.gitlab.yml'), 'utf8')
    const pipeline = parse(readFileSync(path.join(recipes, 'gitlab-ci.yml'), 'utf8')) as Yaml
    expect(pipeline.stages).toEqual(['plan', 'test'])
    const caches = new Map<string, string>()
    const seeded = path.join(scratch, 'gitlab-cache')
    mkdirSync(path.join(seeded, '.hearth'), { recursive: true })
    writeFileSync(path.join(seeded, '.hearth/timings.json'), SLOW_HISTORY)
    caches.set('hearth-timings', seeded)
    const artifacts = new Map<string, string>()
    const variables = { CI_PIPELINE_ID: '777' }

    const runJob = async (job: Job, env: Record<string, string>, artifactName = job.name) => {
      const machine = checkout({ '.gitlab/hearth-shards.yml': template })
      const cache = record(job.definition.cache)
      const policy = (cache.policy as string | undefined) ?? 'pull-push'
      if (cache.key !== undefined && policy !== 'push' && caches.has(String(cache.key)))
        copyInto(caches.get(String(cache.key)) as string, machine)
      // Artifacts of the jobs it needs (a parallel job's name stands for all of its instances).
      for (const need of (job.definition.needs as unknown[] | undefined) ?? []) {
        const from = typeof need === 'string' ? need : String(record(need).job)
        for (const [name, saved] of artifacts)
          if (name === from || name.startsWith(`${from} `)) copyInto(saved, machine)
      }
      const script = (job.definition.script as string[]).join('\n')
      const result = await sh(script, machine, { ...variables, ...env })
      const files = record(job.definition.artifacts)
      if (files.paths !== undefined && (result.exitCode === 0 || files.when === 'always')) {
        const saved = path.join(scratch, 'gitlab-artifacts', artifactName)
        for (const entry of files.paths as string[]) {
          const from = path.join(machine, entry)
          if (existsSync(from)) copyInto(from, path.join(saved, entry))
        }
        artifacts.set(artifactName, saved)
      }
      if (cache.key !== undefined && policy !== 'pull') {
        const saved = path.join(scratch, `gitlab-cache-${job.name}`)
        for (const entry of cache.paths as string[])
          copyInto(path.join(machine, entry), path.join(saved, entry))
        caches.set(String(cache.key), saved)
      }
      return { ...result, machine }
    }

    // The parent pipeline: the plan job, then the trigger of the child pipeline it wrote.
    const plan = await runJob({ name: 'hearth-plan', definition: resolved(pipeline, 'hearth-plan') }, {})
    expect(plan.exitCode, plan.output).toBe(0)
    const trigger = record(record(pipeline['hearth-tests']).trigger)
    expect(trigger.strategy).toBe('depend')
    const [include] = trigger.include as Yaml[]
    expect(include).toEqual({ artifact: 'hearth-pipeline.yml', job: 'hearth-plan' })
    const childText = readFileSync(
      path.join(artifacts.get('hearth-plan') as string, 'hearth-pipeline.yml'),
      'utf8',
    )
    const child = parse(childText) as Yaml
    const parentVariables = record(record(pipeline['hearth-tests']).variables)
    expect(parentVariables).toEqual({ PARENT_PIPELINE_ID: '$CI_PIPELINE_ID' })

    // The child pipeline: its `include: local` is the template the project keeps in .gitlab/.
    expect(child.include).toEqual([{ local: '.gitlab/hearth-shards.yml' }])
    const jobs: Yaml = { ...(parse(template) as Yaml), ...child }
    delete jobs.include
    const shard = resolved(jobs, 'hearth-shard')
    expect(shard.parallel).toBe(2)
    expect(shard.needs).toEqual([{ pipeline: '$PARENT_PIPELINE_ID', job: 'hearth-plan' }])
    const total = Number(shard.parallel)
    const outcomes: number[] = []
    for (let index = 1; index <= total; index++) {
      const result = await runJob(
        { name: 'hearth-shard', definition: shard },
        {
          PARENT_PIPELINE_ID: variables.CI_PIPELINE_ID,
          CI_NODE_INDEX: String(index),
          CI_NODE_TOTAL: String(total),
        },
        `hearth-shard ${index}/${total}`,
      )
      expect(result.output).toContain(`hearth ci · hearth-demo · shard ${index}/${total}`)
      outcomes.push(result.exitCode)
    }
    expect(outcomes).toEqual([0, 0])
    const mergeJob = resolved(jobs, 'hearth-merge')
    expect(mergeJob.when).toBe('always')
    const merge = await runJob({ name: 'hearth-merge', definition: mergeJob }, {})
    expect(merge.exitCode, merge.output).toBe(0)
    expect(merge.output).toMatch(/^✓ 3 passed in .* \(3 files, 5 tests\)$/m)
    const summary = JSON.parse(
      readFileSync(path.join(artifacts.get('hearth-merge') as string, 'hearth-merged/summary.json'), 'utf8'),
    ) as { shards: Array<{ index: number; exitCode: number }> }
    expect(summary.shards.map((entry) => [entry.index, entry.exitCode])).toEqual([
      [1, 0],
      [2, 0],
    ])
    // The cache now holds the history with this pipeline's timings, for the next plan.
    const history = JSON.parse(
      readFileSync(path.join(caches.get('hearth-timings') as string, '.hearth/timings.json'), 'utf8'),
    ) as { files: Record<string, { samples: number }> }
    expect(Object.values(history.files).map((timing) => timing.samples)).toEqual([2, 2, 2])
  })
})

/** The workflow's jobs in an order that respects `needs`. */
function topological(jobs: Record<string, Yaml>): string[] {
  const done: string[] = []
  const visit = (name: string) => {
    if (done.includes(name)) return
    for (const need of ([] as string[]).concat((jobs[name]?.needs as string | string[] | undefined) ?? []))
      visit(need)
    done.push(name)
  }
  for (const name of Object.keys(jobs)) visit(name)
  return done
}

/** `key=value` lines, as `$GITHUB_OUTPUT` holds them. */
function keyValues(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

/** A matrix value: `{ include: [...] }` (what `hearth plan --format github` writes) → its entries. */
function matrixOf(value: unknown): Array<Record<string, unknown>> {
  const include = record(value).include
  if (!Array.isArray(include))
    throw new Error(`the emulation takes a matrix of include entries, got ${JSON.stringify(value)}`)
  return include as Array<Record<string, unknown>>
}

/**
 * A GitHub expression, of the few forms the recipe uses: a context path (`matrix.shard`,
 * `needs.plan.outputs.matrix`, `steps.plan.outputs.x`, `github.run_id`, `github.run_attempt`) or `fromJSON(path)`.
 */
function evaluate(text: string, context: object): unknown {
  const expression = text.trim().replace(/^\$\{\{\s*|\s*\}\}$/g, '')
  const call = /^fromJSON\((.+)\)$/.exec(expression)
  if (call !== null) return JSON.parse(String(evaluate(call[1] as string, context)))
  if (!/^[a-z_][\w-]*(\.[\w-]+)*$/i.test(expression))
    throw new Error(`the emulation does not evaluate \${{ ${expression} }}`)
  let value: unknown = context
  for (const key of expression.split('.')) value = record(value)[key]
  if (value === undefined) throw new Error(`\${{ ${expression} }} is undefined here`)
  return value
}

function interpolate(text: string, context: object): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) =>
    String(evaluate(expression, context)),
  )
}

/**
 * An `if:`, of the forms the recipe uses: `always()`, `!cancelled()`, `success()`, `failure()`,
 * `needs.<job>.result == '<result>'`, joined by `&&`. Nothing is ever cancelled here.
 */
function condition(text: string, context: object, failedBefore: boolean): boolean {
  const expression = text.trim().replace(/^\$\{\{\s*|\s*\}\}$/g, '')
  return expression.split('&&').every((part) => {
    const term = part.trim()
    if (term === 'always()' || term === '!cancelled()') return true
    if (term === 'success()') return !failedBefore
    if (term === 'failure()') return failedBefore
    const compare = /^([\w.-]+)\s*==\s*'([^']*)'$/.exec(term)
    if (compare !== null) return String(evaluate(compare[1] as string, context)) === compare[2]
    throw new Error(`the emulation does not evaluate the condition ${term}`)
  })
}
