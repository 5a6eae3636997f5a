import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * HEARTH_PROFILE=1: the built CLI, run as a user runs it, prints where its time went on stderr as
 * it ends (what `pnpm bench` reads for warm `hearth up`); without it, nothing.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const bin = path.join(repoRoot, 'apps/hearth/bin/hearth.js')
let project: string

beforeAll(() => {
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: repoRoot,
      stdio: 'pipe',
    },
  )
  project = mkdtempSync(path.join(tmpdir(), 'hearth-profile-'))
  writeFileSync(
    path.join(project, 'hearth.config.mjs'),
    "export default { project: 'timed', environments: [] }\n",
  )
}, 180_000)

afterAll(() => {
  rmSync(project, { recursive: true, force: true })
})

const run = (env: Record<string, string>) =>
  promisify(execFile)(process.execPath, [bin, 'status'], {
    cwd: project,
    env: { ...process.env, NO_COLOR: '1', ...env },
  })

describe('HEARTH_PROFILE', () => {
  it('=1: one line of JSON on stderr, each phase of the command in order, within the whole', async () => {
    const { stderr } = await run({ HEARTH_PROFILE: '1' })
    const lines = stderr.split('\n').filter((line) => line.startsWith('hearth profile: '))
    expect(lines).toHaveLength(1)
    const profile = JSON.parse((lines[0] as string).slice('hearth profile: '.length)) as {
      phases: Record<string, number>
      total: number
    }
    expect(Object.keys(profile.phases)).toEqual(['start', 'command', 'config', 'state', 'drivers', 'session'])
    const spent = Object.values(profile.phases)
    for (const ms of spent) expect(ms).toBeGreaterThanOrEqual(0)
    expect(spent.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(profile.total + spent.length)
  }, 120_000)

  it('unset: no profile', async () => {
    const { stderr } = await run({ HEARTH_PROFILE: '' })
    expect(stderr).not.toContain('hearth profile')
  }, 120_000)
})
