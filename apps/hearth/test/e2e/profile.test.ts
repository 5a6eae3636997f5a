import { afterAll, describe, expect, it } from 'vitest'
import { hearth, writeProject } from './helpers.js'

/**
 * HEARTH_PROFILE=1: the CLI prints where its time went on stderr as it ends (what `pnpm bench`
 * reads for warm `hearth up`); without it, nothing.
 */
const project = writeProject({
  'hearth.config.mjs': "export default { project: 'timed', environments: [] }\n",
})
afterAll(() => project.cleanup())

describe('HEARTH_PROFILE', () => {
  it('=1: one line of JSON on stderr, each phase of the command in order, within the whole', async () => {
    const { exitCode, stderr } = await hearth(['status'], project.root, { HEARTH_PROFILE: '1' })
    expect(exitCode, stderr).toBe(0)
    const lines = stderr.split('\n').filter((line) => line.startsWith('hearth profile: '))
    expect(lines).toHaveLength(1)
    const profile = JSON.parse((lines[0] as string).slice('hearth profile: '.length)) as {
      phases: Record<string, number>
      total: number
    }
    expect(Object.keys(profile.phases)).toEqual(['start', 'command', 'config', 'state', 'drivers', 'session'])
    const spent = Object.values(profile.phases)
    for (const ms of spent) expect(ms).toBeGreaterThanOrEqual(0)
    // Each phase is rounded on its own: their sum may pass the rounded whole by a millisecond each.
    expect(spent.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(profile.total + spent.length)
  })

  it('unset: no profile', async () => {
    const { exitCode, stderr } = await hearth(['status'], project.root, { HEARTH_PROFILE: '' })
    expect(exitCode, stderr).toBe(0)
    expect(stderr).not.toContain('hearth profile')
  })
})
