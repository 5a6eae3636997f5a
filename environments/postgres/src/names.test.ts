import { describe, expect, it } from 'vitest'
import {
  adminDatabaseOf,
  quoteIdent,
  quoteLiteral,
  templateOf,
  workerDatabaseOf,
  workerPatternOf,
} from './names.js'

describe('names', () => {
  it('derives the template, worker and admin databases', () => {
    expect(templateOf('app')).toBe('app_template')
    expect(workerDatabaseOf('app', '3')).toBe('app_w3')
    expect(adminDatabaseOf('app')).toBe('postgres')
    expect(adminDatabaseOf('postgres')).toBe('template1')
  })

  it('matches worker databases only', () => {
    const pattern = new RegExp(workerPatternOf('my-app'))
    expect(['my-app_w1', 'my-app_w12'].every((name) => pattern.test(name))).toBe(true)
    expect(
      ['my-app', 'my-app_template', 'my-app_w', 'my-app_wx', 'xmy-app_w1'].some((name) => pattern.test(name)),
    ).toBe(false)
  })

  it('quotes for SQL', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"')
    expect(quoteLiteral("o'brien")).toBe("'o''brien'")
  })
})
