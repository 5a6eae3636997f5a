import { describe, expect, it } from 'vitest'
import { lookupIn, parseTemplate, renderTemplate } from './template.js'

describe('parseTemplate', () => {
  it('finds every placeholder, spaces inside the braces allowed', () => {
    expect(parseTemplate('postgres://{{ env.USER }}@{{host}}:{{ports.pg}}/{{db.name}}')).toEqual({
      ok: true,
      references: [
        { path: 'env.USER', segments: ['env', 'USER'] },
        { path: 'host', segments: ['host'] },
        { path: 'ports.pg', segments: ['ports', 'pg'] },
        { path: 'db.name', segments: ['db', 'name'] },
      ],
    })
  })

  it('accepts text without placeholders, and dashes and underscores in names', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: `${…}` is plain text to hearth, on purpose
    expect(parseTemplate('plain text, ${not.ours}')).toEqual({ ok: true, references: [] })
    expect(parseTemplate('{{my-db.admin_url}}')).toEqual({
      ok: true,
      references: [{ path: 'my-db.admin_url', segments: ['my-db', 'admin_url'] }],
    })
  })

  const malformed: [string, string][] = [
    ['{{}}', '"{{}}" is not a reference (expected e.g. {{host}} or {{db.url}})'],
    ['{{ }}', '"{{}}" is not a reference (expected e.g. {{host}} or {{db.url}})'],
    ['{{db..url}}', '"{{db..url}}" is not a reference (expected e.g. {{host}} or {{db.url}})'],
    ['{{1db.url}}', '"{{1db.url}}" is not a reference (expected e.g. {{host}} or {{db.url}})'],
    ['{{db url}}', '"{{db url}}" is not a reference (expected e.g. {{host}} or {{db.url}})'],
    ['{{db.url}', 'unbalanced "{{" or "}}"'],
    ['x {{ host', 'unbalanced "{{" or "}}"'],
    ['host }}', 'unbalanced "{{" or "}}"'],
    ['{{host}} and {{ports.http', 'unbalanced "{{" or "}}"'],
  ]
  it.each(malformed)('rejects %j', (template, error) => {
    expect(parseTemplate(template)).toEqual({ ok: false, error })
  })
})

describe('renderTemplate', () => {
  it('replaces every placeholder with its value', () => {
    const values: Record<string, string> = { host: '127.0.0.1', 'ports.pg': '55432', 'db.name': 'app' }
    expect(
      renderTemplate('pg://{{host}}:{{ ports.pg }}/{{db.name}}?x={{host}}', (path) => values[path]),
    ).toBe('pg://127.0.0.1:55432/app?x=127.0.0.1')
  })

  it('inserts values literally, even ones that look like placeholders or replacement patterns', () => {
    expect(renderTemplate('a={{x}}', () => '$& {{y}} $1')).toBe('a=$& {{y}} $1')
  })

  it('throws on a missing value: validation should have caught it', () => {
    expect(() => renderTemplate('{{db.url}}', () => undefined)).toThrow(
      'template reference {{db.url}} has no value',
    )
  })
})

describe('lookupIn', () => {
  const lookup = lookupIn({
    host: 'localhost',
    ports: { http: 8080, pg: '5432' },
    db: { url: 'pg://x', nested: {} },
  })

  it('reads dotted paths, numbers as strings', () => {
    expect(lookup('host')).toBe('localhost')
    expect(lookup('ports.http')).toBe('8080')
    expect(lookup('ports.pg')).toBe('5432')
    expect(lookup('db.url')).toBe('pg://x')
  })

  it('gives undefined for missing paths and for objects', () => {
    expect(lookup('ports.admin')).toBeUndefined()
    expect(lookup('host.name')).toBeUndefined()
    expect(lookup('db.nested')).toBeUndefined()
    expect(lookup('nope.x')).toBeUndefined()
  })

  it('renders a template together with renderTemplate', () => {
    expect(renderTemplate('http://{{host}}:{{ports.http}}', lookup)).toBe('http://localhost:8080')
  })
})
