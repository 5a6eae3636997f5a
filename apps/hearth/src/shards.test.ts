import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { emptyTimingHistory, planShards } from '@hearth/sharding'
import { afterAll, describe, expect, it } from 'vitest'
import { UsageError } from './args.js'
import { hashShard, parseShardArg, parseShardCount, parseTarget, readPlanFile, shardPart } from './shards.js'

describe('parseShardArg', () => {
  it.each([
    ['2/4', { index: 2, total: 4 }],
    ['1/1', { index: 1, total: 1 }],
    [' 3 / 3 ', { index: 3, total: 3 }],
  ])('reads %s', (text, expected) => {
    expect(parseShardArg(text)).toEqual(expected)
  })

  it.each(['0/4', '5/4', '2', '2/0', 'a/b', '-1/4', '1.5/4', '2/4/8'])(
    'refuses %s, showing the form',
    (text) => {
      expect(() => parseShardArg(text)).toThrow(UsageError)
      expect(() => parseShardArg(text)).toThrow(/--shard takes i\/N/)
    },
  )
})

describe('parseShardCount and parseTarget', () => {
  it('takes a whole number of shards from 1 to the most a CI system runs', () => {
    expect(parseShardCount('4')).toBe(4)
    for (const text of ['0', '-2', '2.5', 'four', '201'])
      expect(() => parseShardCount(text)).toThrow(UsageError)
  })

  it('takes a target as a duration with its unit', () => {
    expect(parseTarget('5m')).toBe(300_000)
    expect(parseTarget('90s')).toBe(90_000)
    expect(parseTarget('1.5h')).toBe(5_400_000)
    // A bare number has no unit: minutes or milliseconds? Refused, with an example.
    for (const text of ['300', '5 minutes', '', '0s']) expect(() => parseTarget(text)).toThrow(/such as 5m/)
  })
})

describe('shardPart', () => {
  const files = ['a.test.ts', 'b.test.ts', 'c.test.ts', 'd.test.ts'].map((file) => ({
    path: file,
    group: null,
    environment: null,
  }))
  const history = {
    format: 1 as const,
    files: Object.fromEntries(
      files.map((file, i) => [
        file.path,
        { estimateMs: (i + 1) * 1000, lastMs: 0, samples: 1, updatedAt: '2026-01-01T00:00:00.000Z' },
      ]),
    ),
  }
  const plan = planShards({ files, history, shards: 2 })
  const selected = (paths: readonly string[]) => new Map(paths.map((file) => [`/p/${file}`, file]))

  it('gives every selected file to exactly one shard', () => {
    const all = selected(files.map((file) => file.path))
    const parts = [1, 2].map((index) => shardPart(plan, { index, total: 2 }, all))
    expect(parts.flatMap((part) => part.files).sort()).toEqual([...all.keys()].sort())
    for (const part of parts) expect(part).toMatchObject({ unplanned: [], missing: [] })
  })

  it('runs a file the plan does not know on the shard its path hashes to, and names files gone since', () => {
    const now = selected(['a.test.ts', 'b.test.ts', 'c.test.ts', 'new.test.ts'])
    const parts = [1, 2].map((index) => shardPart(plan, { index, total: 2 }, now))
    expect(parts.flatMap((part) => part.files).sort()).toEqual([...now.keys()].sort())
    const home = hashShard('new.test.ts', 2)
    expect(parts[home - 1]?.files).toContain('/p/new.test.ts')
    for (const part of parts) expect(part.unplanned).toEqual(['new.test.ts'])
    const owner = plan.shards.find((shard) => shard.files.some((file) => file.path === 'd.test.ts'))?.index
    expect(parts[(owner as number) - 1]?.missing).toEqual(['d.test.ts'])
  })

  it("runs the plan's files where it put them even when this machine no longer selects them", () => {
    // Selected now: only a (a change since moved, say); discovered: all four. The plan still rules.
    const discovered = selected(files.map((file) => file.path))
    const parts = [1, 2].map((index) =>
      shardPart(plan, { index, total: 2 }, selected(['a.test.ts']), discovered),
    )
    expect(parts.flatMap((part) => part.files).sort()).toEqual([...discovered.keys()].sort())
    for (const part of parts) expect(part).toMatchObject({ unplanned: [], missing: [] })
  })

  it('hashes a path to the same shard every time, within range', () => {
    for (const total of [1, 2, 7]) {
      const shard = hashShard('packages/x/test/a.test.ts', total)
      expect(shard).toBeGreaterThanOrEqual(1)
      expect(shard).toBeLessThanOrEqual(total)
      expect(hashShard('packages/x/test/a.test.ts', total)).toBe(shard)
    }
  })
})

describe('readPlanFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-plan-file-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, text: string) => {
    const file = path.join(dir, name)
    writeFileSync(file, text)
    return file
  }

  it('reads what hearth plan --output writes', async () => {
    const plan = planShards({ files: [], history: emptyTimingHistory(), shards: 3 })
    const file = write(
      'good.json',
      JSON.stringify({ ...plan, project: null, since: null, sinceRef: null, version: '0' }),
    )
    expect((await readPlanFile(file)).digest).toBe(plan.digest)
  })

  const planned = planShards({
    files: [
      { path: 'a.test.ts', group: null, environment: null },
      { path: 'b.test.ts', group: null, environment: null },
    ],
    history: emptyTimingHistory(),
    shards: 2,
  })
  const edited = (change: (plan: Record<string, unknown>) => void) => {
    const copy = JSON.parse(
      JSON.stringify({ ...planned, project: null, since: null, sinceRef: null, version: '0' }),
    )
    change(copy)
    return JSON.stringify(copy)
  }
  it.each([
    ['missing.json', null, /no such file/],
    ['text.json', 'shards: 3', /is not JSON/],
    ['other.json', '{"schema":"x"}', /"schema" is "x", not "hearth.plan\/1"/],
    [
      'count.json',
      '{"schema":"hearth.plan/1","shardCount":2,"shards":[]}',
      /one entry for each of the 2 shards/,
    ],
    [
      'files.json',
      '{"schema":"hearth.plan/1","shardCount":1,"shards":[{"index":1,"files":[{"name":"a"}]}]}',
      /holds an entry without a "path"/,
    ],
    [
      'index.json',
      edited((plan) => {
        ;(plan.shards as Array<{ index: number }>)[0]!.index = 0
      }),
      /shards\[0\]\.index is 0, not 1/,
    ],
    [
      'twice.json',
      edited((plan) => {
        const shards = plan.shards as Array<{ files: unknown[] }>
        shards[1]!.files.push(...shards[0]!.files)
      }),
      /is in two shards/,
    ],
    [
      'moved.json',
      edited((plan) => {
        const shards = plan.shards as Array<{ files: unknown[] }>
        shards[1]!.files.push(...shards[0]!.files.splice(0))
      }),
      /do not match its digest/,
    ],
    [
      'nodigest.json',
      edited((plan) => {
        delete plan.digest
      }),
      /"digest" is missing/,
    ],
  ])('says what is wrong with %s, naming the file', async (name, text, message) => {
    const file = text === null ? path.join(dir, name) : write(name, text)
    const error = await readPlanFile(file).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).toContain(file)
  })
})
