import { describe, expect, it } from 'vitest'
import { describeKept, unreadableUsage } from './gc.js'

describe('unreadableUsage', () => {
  it('names the environments whose last-use time is no number; those without a record are judged by gc', () => {
    const usage = { backend: { lastUsedAt: Number.NaN }, search: { lastUsedAt: 1_000 } }
    expect(unreadableUsage(usage, ['backend', 'search', 'never-used'])).toEqual(['backend'])
  })

  it('names every environment when the records cannot be read at all', () => {
    expect(unreadableUsage(null, ['backend', 'search'])).toEqual(['backend', 'search'])
    expect(unreadableUsage({}, ['backend'])).toEqual([])
  })
})

describe('describeKept', () => {
  it('says why each environment is kept, and how to remove it now', () => {
    expect(describeKept(['backend'], '/p/.hearth/environments.json')).toMatchInlineSnapshot(`
      [
        "! kept backend: its last-use time in /p/.hearth/environments.json cannot be read; unknown is not ancient, so the idle TTL does not remove it (its next \`hearth up\` records a good time; \`hearth down backend\` removes it now)",
      ]
    `)
    expect(describeKept([], 'f')).toEqual([])
  })
})
