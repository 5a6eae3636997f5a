import { describe, expect, it } from 'vitest'
import { createRedactor, MASK, maskUrlPasswords, maskValue, urlPassword } from './redaction.js'

describe('maskUrlPasswords', () => {
  it.each([
    ['postgres://postgres:s3cret@127.0.0.1:5432/db', 'postgres://postgres:***@127.0.0.1:5432/db'],
    ['connect to redis://:tok3n@127.0.0.1:6379 failed', 'connect to redis://:***@127.0.0.1:6379 failed'],
    ['a=postgres://u:p%40ss@h/db b=http://x:y@h', 'a=postgres://u:***@h/db b=http://x:***@h'],
    ['http://127.0.0.1:8080/path@x', 'http://127.0.0.1:8080/path@x'],
    ['http://user@host/', 'http://user@host/'],
    ['no url here: user:pass@host', 'no url here: user:pass@host'],
    ['postgres://postgres:***@127.0.0.1:5432/db', 'postgres://postgres:***@127.0.0.1:5432/db'],
    ["expected 'postgres://postgres:Hx7-s3cr…' to be 'x'", "expected 'postgres://postgres:***…' to be 'x'"],
  ])('%s', (text, masked) => {
    expect(maskUrlPasswords(text)).toBe(masked)
  })
})

describe('maskValue', () => {
  it('masks a URL’s password only, anything else whole, and is idempotent', () => {
    expect(maskValue('postgres://app:pw@127.0.0.1:5432/app')).toBe('postgres://app:***@127.0.0.1:5432/app')
    expect(maskValue('postgres://app:***@127.0.0.1:5432/app')).toBe('postgres://app:***@127.0.0.1:5432/app')
    expect(maskValue('https://hooks.example.com/T000/B000/XXXX')).toBe(MASK)
    expect(maskValue('hunter2')).toBe(MASK)
    expect(maskValue('a')).toBe(MASK)
    expect(maskValue('')).toBe('')
  })
})

describe('urlPassword', () => {
  it('is the decoded password of a URL, else null', () => {
    expect(urlPassword('postgres://u:p%40ss%3Aw%2Frd@h:1/db')).toBe('p@ss:w/rd')
    expect(urlPassword('redis://127.0.0.1:6379')).toBeNull()
    expect(urlPassword('not a url')).toBeNull()
  })
})

describe('createRedactor', () => {
  const redactor = createRedactor({
    secrets: ['Sup3r-S3cret!', 'postgres://app:Sup3r-S3cret!@127.0.0.1:5432/app', 'ab', 'postgres'],
    publicValues: ['app', 'postgres', '127.0.0.1', '5432'],
  })

  it('masks known values wherever they occur in free text, URL-encoded too', () => {
    expect(redactor.text('FATAL: password "Sup3r-S3cret!" rejected')).toBe('FATAL: password "***" rejected')
    expect(redactor.text('dsn=postgres://app:Sup3r-S3cret!@h/app')).toBe('dsn=postgres://app:***@h/app')
    const encoded = createRedactor({ secrets: ['p@ss:w0rd'] })
    expect(encoded.text('x p%40ss%3Aw0rd y p@ss:w0rd')).toBe('x *** y ***')
  })

  it('masks the start of a secret that a message cut short', () => {
    expect(redactor.text("expected 'Sup3r-S3c…' to be 'x'")).toBe("expected '***…' to be 'x'")
    expect(redactor.text('key=Sup3…')).toBe('key=***…')
    expect(redactor.text('a Sup… b')).toBe('a Sup… b')
    expect(redactor.text('and so on…')).toBe('and so on…')
  })

  it('masks values shorter than 4 only whole, not inside words', () => {
    expect(redactor.text('about a cab')).toBe('about a cab')
    expect(redactor.text('ab')).toBe(MASK)
  })

  it('leaves secrets that are also shown openly to rules 1 and 2 (the default password `postgres`)', () => {
    expect(redactor.text('postgres: listening on 5432')).toBe('postgres: listening on 5432')
    expect(redactor.entry('password', 'postgres')).toBe(MASK)
    expect(redactor.text('postgres://postgres:postgres@127.0.0.1:5432/app')).toBe(
      'postgres://postgres:***@127.0.0.1:5432/app',
    )
  })

  it('masks entries whose names say they are secret, whole, or a URL’s password only', () => {
    expect(redactor.entry('POSTGRES_PASSWORD', 'x')).toBe(MASK)
    expect(redactor.entry('apiToken', 'abc')).toBe(MASK)
    expect(redactor.entry('GITHUB_API_KEY', 'k')).toBe(MASK)
    expect(redactor.entry('CLIENT_SECRET', 'k')).toBe(MASK)
    expect(redactor.entry('PRIVATE_KEY', 'k')).toBe(MASK)
    expect(redactor.entry('AWS_CREDENTIALS', 'k')).toBe(MASK)
    expect(redactor.entry('MYSQL_PASSWD', 'k')).toBe(MASK)
    expect(redactor.entry('url', 'postgres://app:Sup3r-S3cret!@127.0.0.1:5432/app')).toBe(
      'postgres://app:***@127.0.0.1:5432/app',
    )
    expect(redactor.entry('user', 'app')).toBe('app')
    expect(redactor.entry('pgPort', '5432')).toBe('5432')
  })

  it('redacts any JSON-like value, returning what needs no change as the same object', () => {
    const untouched = { name: 'db', ports: { pg: 5432 }, tags: ['a', 'b'] }
    const value = {
      untouched,
      outputs: { user: 'app', password: 'postgres', url: 'postgres://app:Sup3r-S3cret!@127.0.0.1:5432/app' },
      logs: [{ text: 'auth with Sup3r-S3cret! failed', at: 1 }],
      pattern: /Sup3r/,
    }
    const redacted = redactor.value(value)
    expect(redacted).toEqual({
      untouched,
      outputs: { user: 'app', password: MASK, url: 'postgres://app:***@127.0.0.1:5432/app' },
      logs: [{ text: 'auth with *** failed', at: 1 }],
      pattern: /Sup3r/,
    })
    expect(redacted.untouched).toBe(untouched)
    expect(redacted.pattern).toBe(value.pattern)
    // Cached: the same object redacts to the same object.
    expect(redactor.value(value)).toBe(redacted)
    expect(redactor.value(untouched)).toBe(untouched)
  })

  it('with nothing known, still masks every URL’s password', () => {
    expect(createRedactor().text('postgres://u:anything@h/db and hunter2')).toBe(
      'postgres://u:***@h/db and hunter2',
    )
    expect(createRedactor().hunted).toEqual([])
  })

  it('masks the longest secret first, so one inside another is masked whole', () => {
    const nested = createRedactor({ secrets: ['token-1234', 'token-1234-extra'] })
    expect(nested.text('a token-1234-extra b token-1234')).toBe('a *** b ***')
  })
})
