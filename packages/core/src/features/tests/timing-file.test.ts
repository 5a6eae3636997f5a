import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createTimingFile } from './timing-file.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-timings-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

it('folds each run into the timing file, written whole', async () => {
  const file = path.join(dir, '.hearth', 'timings.json')
  const at = new Date('2026-11-24T00:00:00.000Z')
  const timings = createTimingFile(file, () => at)
  await timings.record([{ path: 'tests/a.test.ts', durationMs: 100, state: 'passed' }])
  await timings.record([{ path: 'tests/a.test.ts', durationMs: 200, state: 'passed' }])
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
    format: 1,
    files: { 'tests/a.test.ts': { estimateMs: 130, lastMs: 200, samples: 2, updatedAt: at.toISOString() } },
  })
  expect(await readdir(path.dirname(file))).toEqual(['timings.json'])
})
