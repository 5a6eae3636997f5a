import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createUsageRecords } from './usage-records.js'

/** The usage records on disk, damaged as a user's disk damages them. */
describe('createUsageRecords', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-usage-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const records = (name: string, content?: string) => {
    const file = path.join(dir, name)
    if (content !== undefined) writeFileSync(file, content)
    return { file, usage: createUsageRecords(file) }
  }

  it('reads no records when there is no file yet, and writes what is touched', async () => {
    const { file, usage } = records('fresh.json')
    expect(await usage.read()).toEqual({})
    await usage.touch(['backend'], 1_000)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      format: 1,
      environments: { backend: { lastUsedAt: 1_000 } },
    })
  })

  it('reads a time it cannot use as unknown (NaN), never as the epoch', async () => {
    const { usage } = records(
      'times.json',
      JSON.stringify({
        format: 1,
        environments: {
          good: { lastUsedAt: 5 },
          text: { lastUsedAt: 'yesterday' },
          none: { lastUsedAt: null },
          empty: {},
          broken: null,
          // JSON's 1e400 parses to Infinity.
          infinite: { lastUsedAt: 'INF' },
        },
      }).replace('"INF"', '1e400'),
    )
    const read = await usage.read()
    expect(read?.good).toEqual({ lastUsedAt: 5 })
    for (const name of ['text', 'none', 'empty', 'broken', 'infinite'])
      expect(Number.isNaN(read?.[name]?.lastUsedAt), name).toBe(true)
  })

  it('reads records that cannot be read at all as null, and starts them again on the next touch', async () => {
    for (const [name, content] of [
      ['garbage.json', '{"format": 1, "environ'],
      ['empty.json', ''],
      ['other.json', '{"format": 2, "environments": {}}'],
      ['null.json', 'null'],
    ] as const) {
      const { file, usage } = records(name, content)
      expect(await usage.read(), name).toBeNull()
      await usage.touch(['backend'], 7)
      expect(JSON.parse(readFileSync(file, 'utf8')), name).toEqual({
        format: 1,
        environments: { backend: { lastUsedAt: 7 } },
      })
    }
  })
})
