import { describe, expect, it } from 'vitest'
import { scanSource, stripComments } from './env-references.js'

describe('scanSource: the variables a file reads', () => {
  it.each([
    ['process.env.NAME', 'const url = process.env.DATABASE_URL', ['DATABASE_URL']],
    ['optional chaining', 'const url = process.env?.DATABASE_URL', ['DATABASE_URL']],
    [
      'an index with a string',
      `const a = process.env['REDIS_URI']; const b = process.env["PGHOST"]`,
      ['REDIS_URI', 'PGHOST'],
    ],
    ['import.meta.env', 'new Client(import.meta.env.PG_URL)', ['PG_URL']],
    [
      'destructuring, with renames, defaults and a rest',
      `const { DATABASE_URL, REDIS_URL: redisUrl, PGPORT = '5432', ...others } = process.env`,
      ['DATABASE_URL', 'REDIS_URL', 'PGPORT'],
    ],
    [
      'the env of node:process',
      `import { env } from 'node:process'\nconst url = env.CACHE_URL ?? env['VALKEY_URL']`,
      ['CACHE_URL', 'VALKEY_URL'],
    ],
    ['an env alias', 'const env = process.env\nconnect(env.REDIS_URL)', ['REDIS_URL']],
  ])('%s', (_, text, expected) => {
    expect(scanSource(text).variables).toEqual(expected)
  })

  it('ignores comments, and `env.X` when env is not process.env', () => {
    const text = [
      '// process.env.COMMENTED_OUT',
      '/* process.env.BLOCK',
      '   still a comment */',
      'const env = loadSettings()',
      'use(env.NOT_READ)',
      "const url = 'see process.env.IN_A_STRING'",
    ].join('\n')
    expect(scanSource(text).variables).toEqual(['IN_A_STRING'])
  })

  it('marks a variable read next to a URL of an engine without a preset as foreign', () => {
    const found = scanSource("const url = process.env.DATABASE_URL ?? 'mysql://root@localhost:3306/shop'")
    expect(found.variables).toEqual(['DATABASE_URL'])
    expect(found.foreign).toEqual(['DATABASE_URL'])
    const wrapped = scanSource(
      "const url =\n  process.env.DATABASE_URL ??\n  'mysql://root@localhost:3306/shop'",
    )
    expect(wrapped.foreign).toEqual(['DATABASE_URL'])
  })
})

describe('scanSource: the addresses a file hard-codes', () => {
  it('reads a PostgreSQL URL: port, credentials, database', () => {
    const found = scanSource("const db = new Client('postgres://shop:s%40cret@localhost:5433/shop_test')")
    expect(found.addresses).toEqual([
      {
        kind: 'postgres',
        port: 5433,
        user: 'shop',
        password: 's@cret',
        database: 'shop_test',
        fallback: false,
        line: 1,
      },
    ])
  })

  it('takes the default port when a URL has none, and knows a fallback', () => {
    const found = scanSource(
      [
        "const url = process.env.REDIS_URL ?? 'redis://127.0.0.1'",
        "const other = 'postgresql://localhost/app'",
      ].join('\n'),
    )
    expect(found.addresses).toEqual([
      { kind: 'redis', port: 6379, fallback: true, line: 1 },
      { kind: 'postgres', port: 5432, database: 'app', fallback: false, line: 2 },
    ])
  })

  it('knows a fallback the formatter wrapped onto the next line', () => {
    const text = [
      'const url =',
      '  process.env.DATABASE_URL ??',
      "  'postgres://postgres:postgres@localhost:5432/app_test'",
      'const cache =',
      "  process.env['REDIS_URL'] ||",
      '  `redis://localhost:6379`',
      "const pinned = 'postgres://localhost:5433/pinned'",
    ].join('\n')
    expect(scanSource(text).addresses).toEqual([
      {
        kind: 'postgres',
        port: 5432,
        user: 'postgres',
        password: 'postgres',
        database: 'app_test',
        fallback: true,
        line: 3,
      },
      { kind: 'redis', port: 6379, fallback: true, line: 6 },
      { kind: 'postgres', port: 5433, database: 'pinned', fallback: false, line: 7 },
    ])
  })

  it('does not take a literal after another expression for a fallback', () => {
    const text = ['const url = settings.url ??', "  'postgres://localhost:5432/app'"].join('\n')
    expect(scanSource(text).addresses).toMatchObject([{ fallback: false, line: 2 }])
  })

  it('reads host:port and client options by the servers’ default ports only', () => {
    const text = [
      "const cache = connect('localhost:6379')",
      "const api = 'localhost:8080'",
      "const pool = new Pool({ host: 'localhost', port: 5432, user: 'app', password: 'app', database: 'orders' })",
      "const remote = new Pool({ host: 'db.internal', port: 5432 })",
    ].join('\n')
    expect(scanSource(text).addresses).toEqual([
      { kind: 'redis', port: 6379, fallback: false, line: 1 },
      {
        kind: 'postgres',
        port: 5432,
        user: 'app',
        password: 'app',
        database: 'orders',
        fallback: false,
        line: 3,
      },
    ])
  })

  it('ignores addresses in comments and remote hosts', () => {
    const text =
      "// connect to postgres://localhost:5432/app\nconst url = 'postgres://db.example.com:5432/app'"
    expect(scanSource(text).addresses).toEqual([])
  })
})

describe('stripComments', () => {
  it('blanks comments, keeps strings (with // inside) and line numbers', () => {
    const template = '`//$' + '{c}`'
    const text = `const a = 'http://x' // note\n/* one\ntwo */ const b = ${template}`
    const out = stripComments(text)
    expect(out.split('\n')).toEqual([
      "const a = 'http://x'        ",
      '      ',
      `       const b = ${template}`,
    ])
  })
})
