import { planShards } from '@hearth/sharding'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { PlanFile } from '../shards.js'
import { createStyle } from '../style.js'
import { describePlan, githubOutputs, gitlabPipeline } from './plan.js'

const at = '2026-01-01T00:00:00.000Z'
const timing = (estimateMs: number) => ({ estimateMs, lastMs: estimateMs, samples: 3, updatedAt: at })
const files = [
  { path: 'tests/slow.test.ts', group: 'api', environment: 'backend' },
  { path: 'tests/a.test.ts', group: 'api', environment: 'backend' },
  { path: 'tests/b.test.ts', group: 'api', environment: 'backend' },
  { path: 'packages/x/src/new.test.ts', group: 'unit', environment: null },
]
const history = {
  format: 1 as const,
  files: {
    'tests/slow.test.ts': timing(90_000),
    'tests/a.test.ts': timing(20_000),
    'tests/b.test.ts': timing(25_000),
  },
  environments: { backend: timing(5_000) },
}
const planOf = (shards: number): PlanFile => ({
  ...planShards({ files, history, shards }),
  project: { name: 'shop', id: 'shop-1' },
  since: null,
  sinceRef: null,
  version: '0.1.0',
})
const plain = createStyle({ isTTY: false }, { NO_COLOR: '1' })

describe('describePlan', () => {
  it('shows each shard with its time, start-ups and files, the bound, the floor and the predictions', () => {
    const lines = describePlan(planOf(3), { style: plain, target: null, fits: true, output: 'plan.json' })
    expect(lines[0]).toBe('hearth plan · shop · 3 shards · 4 test files')
    expect(lines).toContain('shard 1/3    1m 35s  1 file  start-up backend 5.00 s')
    expect(lines).toContainEqual(expect.stringMatching(/^ +1m 30s {2}tests\/slow\.test\.ts$/))
    expect(lines).toContainEqual(expect.stringMatching(/packages\/x\/src\/new\.test\.ts \(predicted\)$/))
    expect(lines).toContainEqual(
      expect.stringMatching(/^slowest shard 1m 35s · lower bound 1m 35s \(the longest file\) · 1\.00×$/),
    )
    expect(lines).toContain(
      'tests/slow.test.ts takes 1m 30s after its environment backend starts (5.00 s): it sets the floor of 1m 35s, so more shards cannot finish sooner',
    )
    expect(lines).toContainEqual(
      expect.stringMatching(/^1 file has no timing history: its time is predicted/),
    )
    expect(lines.at(-1)).toMatch(
      /^plan [0-9a-f]{16} · written to plan\.json · run each shard with `hearth ci --shard i\/3 --plan plan\.json`$/,
    )
  })

  it('says when no number of shards fits the target', () => {
    const lines = describePlan(planOf(2), { style: plain, target: 60_000, fits: false, output: null })
    expect(lines[1]).toBe(
      'no number of shards fits 1m 00s: the slowest needs 1m 35s at best, which 2 shards reach',
    )
  })

  it('leaves a shard empty when more machines would not finish sooner, and says why', () => {
    // The slow file sets the time; the other three fit beside one start-up of backend.
    const lines = describePlan(planOf(3), { style: plain, target: null, fits: true, output: null })
    expect(lines).toContain('shard 2/3    1m 15s  3 files  start-up backend 5.00 s')
    expect(lines).toContain(
      'shard 3 of 3: no test files (the slowest shard sets the time: more machines or start-ups would not finish sooner)',
    )
  })

  it('sums up the shards that have nothing to run in one line', () => {
    const lines = describePlan(planOf(8), { style: plain, target: null, fits: true, output: null })
    expect(lines).toContain('shards 3–8 of 8: no test files (more shards than files)')
  })
})

describe('the CI formats', () => {
  it('github: a matrix of include entries and the count, as $GITHUB_OUTPUT lines', () => {
    const plan = planOf(3)
    const lines = githubOutputs(plan)
    expect(lines[0]).toBe(
      'matrix={"include":[{"shard":1,"total":3},{"shard":2,"total":3},{"shard":3,"total":3}]}',
    )
    expect(lines.slice(1)).toEqual(['shards=3', `digest=${plan.digest}`])
  })

  it('gitlab: a child pipeline that runs the template job as parallel: N (one plain job for one shard)', () => {
    expect(parse(gitlabPipeline(planOf(3), '.gitlab/hearth-shards.yml'))).toEqual({
      include: [{ local: '.gitlab/hearth-shards.yml' }],
      'hearth-shard': { extends: '.hearth-shard', parallel: 3 },
    })
    expect(parse(gitlabPipeline(planOf(1), 'ci/shards.yml'))).toEqual({
      include: [{ local: 'ci/shards.yml' }],
      'hearth-shard': { extends: '.hearth-shard' },
    })
  })
})
