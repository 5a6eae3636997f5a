// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose interpolation is the subject of these tests
import { describe, expect, it } from 'vitest'
import { InterpolationError, interpolate } from './interpolate.js'

const vars = { SET: 'value', EMPTY: '', TAG: '16', FALLBACK: 'fallback' }
const value = (text: string) => interpolate(text, vars).value

describe('interpolate', () => {
  it.each([
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['pre-${SET}-post', 'pre-value-post'],
    ['postgres:${TAG}-alpine', 'postgres:16-alpine'],
    ['${UNSET:-default}', 'default'],
    ['${EMPTY:-default}', 'default'],
    ['${EMPTY-default}', ''],
    ['${UNSET-default}', 'default'],
    ['${SET:-default}', 'value'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-${FALLBACK}}', 'fallback'],
    ['${UNSET:-${ALSO_UNSET:-deep}}', 'deep'],
    ['${UNSET:-a:b}', 'a:b'],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['echo $$(date)', 'echo $(date)'],
    ['cost: 5$', 'cost: 5$'],
    ['$1 and $ alone', '$1 and $ alone'],
    ['${UNSET:-}', ''],
  ])('%s → %s', (text, expected) => {
    expect(value(text)).toBe(expected)
  })

  it('reports variables without a value, and replaces them with "" as Compose does', () => {
    expect(interpolate('a${MISSING}b$OTHER', vars)).toEqual({
      value: 'ab',
      unresolved: ['MISSING', 'OTHER'],
      required: [],
      used: [],
    })
  })

  it('reports required variables without a value apart, with their message as written', () => {
    expect(interpolate('${REQUIRED:?set ${IT} in .env}', vars)).toEqual({
      value: '',
      unresolved: [],
      required: [{ name: 'REQUIRED', message: 'set ${IT} in .env' }],
      used: [],
    })
    expect(interpolate('${EMPTY:?}', vars).required).toEqual([{ name: 'EMPTY', message: '' }])
    expect(interpolate('${EMPTY?set it}', vars)).toMatchObject({ value: '', unresolved: [], required: [] })
    expect(interpolate('${SET:?set it}', vars)).toMatchObject({ value: 'value', required: [] })
  })

  it('evaluates a default only when it is used', () => {
    expect(interpolate('${SET:-${MISSING}}', vars)).toEqual({
      value: 'value',
      unresolved: [],
      required: [],
      used: ['SET'],
    })
    expect(interpolate('${UNSET:-${MISSING}}', vars)).toMatchObject({ unresolved: ['MISSING'] })
  })

  it('names the variables it used', () => {
    expect(interpolate('${SET}:${TAG:-15}:${UNSET:-x}', vars).used).toEqual(['SET', 'TAG'])
  })

  it('throws on an unclosed or malformed braced expression', () => {
    expect(() => value('${SET')).toThrow(InterpolationError)
    expect(() => value('${SET')).toThrow('"${SET" has no closing "}"')
    expect(() => value('${SET/foo/bar}')).toThrow('not an interpolation Compose understands')
    expect(() => value('${}')).toThrow(InterpolationError)
  })

  it('names the variable of an expression it cannot read, never what follows it (a default may be a password)', () => {
    const message = (text: string) => {
      try {
        value(text)
      } catch (error) {
        return (error as Error).message
      }
      return 'no error'
    }
    expect(message('${DB_PASSWORD:=hunter2}')).toBe(
      '"${DB_PASSWORD…}" is not an interpolation Compose understands (${VAR}, ${VAR:-default}, ${VAR:?error}, ${VAR:+alt})',
    )
    expect(message('postgres://app:${DB_PASSWORD:-hunter2@db/app')).toBe(
      '"${DB_PASSWORD…" has no closing "}"',
    )
    expect(message('${:-hunter2}')).toBe(
      '"${…}" is not an interpolation Compose understands (${VAR}, ${VAR:-default}, ${VAR:?error}, ${VAR:+alt})',
    )
    expect(message('${ hunter2')).toBe('"${…" has no closing "}"')
  })
})
