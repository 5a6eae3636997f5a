import { describe, expect, it } from 'vitest'
import { isKeystoreError } from './errors.ts'
import { joinKeys, normalizeBase, normalizeKey, relativeKey } from './keys.ts'

describe('normalizeKey', () => {
  it.each([
    ['users:42', 'users:42'],
    ['users/42', 'users:42'],
    ['users\\42', 'users:42'],
    [':users::42:', 'users:42'],
    ['a//b/:c', 'a:b:c'],
  ])('%s → %s', (key, expected) => {
    expect(normalizeKey(key)).toBe(expected)
  })

  it('rejects a key made only of separators', () => {
    let error: unknown
    try {
      normalizeKey('::/')
    } catch (caught) {
      error = caught
    }
    expect(isKeystoreError(error, 'INVALID_KEY')).toBe(true)
  })
})

describe('bases', () => {
  it('ends a base with the separator, and leaves an empty one empty', () => {
    expect(normalizeBase('cache/v2')).toBe('cache:v2:')
    expect(normalizeBase('')).toBe('')
    expect(normalizeBase(':')).toBe('')
    expect(normalizeBase(undefined)).toBe('')
  })

  it('joins segments into one normalised key', () => {
    expect(joinKeys('sessions', 'user/7', ':token')).toBe('sessions:user:7:token')
  })

  it('takes a key relative to its base, or nothing when it lies outside', () => {
    expect(relativeKey('cache:v2:users:1', 'cache:v2:')).toBe('users:1')
    expect(relativeKey('other:users:1', 'cache:v2:')).toBeUndefined()
    expect(relativeKey('users:1', '')).toBe('users:1')
  })
})
