// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose interpolation is the subject of these tests
import { describe, expect, it } from 'vitest'
import { parseDotenv } from './dotenv.js'
import { parseGoDuration, readHealthcheck } from './healthcheck.js'
import { parsePort, portNames } from './ports.js'
import { parseMount } from './volumes.js'

describe('parsePort', () => {
  const port = (entry: unknown) => {
    const parsed = parsePort(entry)
    if (!parsed.ok) throw new Error(parsed.reason)
    return parsed.port
  }

  it.each<[unknown, object]>([
    ['5432', { container: 5432, host: null, hostIp: null, protocol: 'tcp' }],
    [5432, { container: 5432, host: null, protocol: 'tcp' }],
    ['5433:5432', { container: 5432, host: 5433, hostIp: null }],
    ['127.0.0.1:5432:5432', { container: 5432, host: 5432, hostIp: '127.0.0.1' }],
    ['127.0.0.1::5432', { container: 5432, host: null, hostIp: '127.0.0.1' }],
    ['[::1]:8080:80', { container: 80, host: 8080, hostIp: '::1' }],
    ['8080:80/udp', { container: 80, host: 8080, protocol: 'udp' }],
    ['0:80', { container: 80, host: null }],
    [
      { target: 80, published: '8080', host_ip: '127.0.0.1', name: 'web', app_protocol: 'HTTP' },
      {
        container: 80,
        host: 8080,
        hostIp: '127.0.0.1',
        name: 'web',
        appProtocol: 'http',
      },
    ],
    [{ target: 5432 }, { container: 5432, host: null, name: null }],
  ])('%j', (entry, expected) => {
    expect(port(entry)).toMatchObject(expected)
  })

  it.each<[unknown, string]>([
    ['3000-3005', 'a port range'],
    ['9090-9091:8080-8081', 'a port range'],
    ['80/sctp', 'protocol sctp'],
    ['http', 'is not a port'],
    ['70000', 'is not a port'],
    [{ published: 80 }, 'needs target'],
    [['80'], 'not a port'],
  ])('%j is not converted: %s', (entry, reason) => {
    const parsed = parsePort(entry)
    expect(parsed.ok).toBe(false)
    expect(parsed.ok ? '' : parsed.reason).toContain(reason)
  })

  it('names ports by their own name, their well-known port, or p<port>; clashes get the port', () => {
    const ports = ['5432', '8080:80', '8081:8080', '9999', '53/udp', '53', '54/udp'].map(port)
    expect(portNames(ports)).toEqual(['postgres', 'http', 'http8080', 'p9999', 'p53Udp', 'p53', 'p54'])
    expect(portNames([port({ target: 9000, name: 'admin-ui' }), port({ target: 9001, name: '42' })])).toEqual(
      ['adminUi', 'p9001'],
    )
  })
})

describe('parseMount', () => {
  const mount = (entry: unknown) => {
    const parsed = parseMount(entry)
    if (!parsed.ok) throw new Error(parsed.reason)
    return parsed.mount
  }

  it.each<[unknown, object]>([
    [
      'pgdata:/var/lib/postgresql/data',
      { type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data' },
    ],
    [
      './init:/docker-entrypoint-initdb.d:ro',
      { type: 'bind', source: './init', readOnly: true, dropped: [] },
    ],
    ['../shared:/shared:rw,cached', { type: 'bind', source: '../shared', readOnly: false, dropped: [] }],
    ['/var/run/docker.sock:/var/run/docker.sock', { type: 'bind', source: '/var/run/docker.sock' }],
    ['~/cache:/cache', { type: 'bind', source: '~/cache' }],
    ['data:/data:ro,z', { type: 'volume', readOnly: true, dropped: ['z'] }],
    ['/scratch', { type: 'volume', source: null, target: '/scratch' }],
    [
      { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true } },
      { dropped: ['volume.nocopy'] },
    ],
    [
      { type: 'bind', source: './src', target: '/app', read_only: true, bind: { create_host_path: true } },
      {
        type: 'bind',
        readOnly: true,
        dropped: [],
      },
    ],
    [{ target: '/anon' }, { type: 'volume', source: null }],
  ])('%j', (entry, expected) => {
    expect(mount(entry)).toMatchObject(expected)
  })

  it.each<[unknown, string]>([
    [{ type: 'tmpfs', target: '/tmp' }, 'a tmpfs mount'],
    [{ type: 'npipe', source: 'x', target: '/x' }, 'a npipe mount'],
    [{ type: 'bind', target: '/x' }, 'needs source'],
    ['data:relative', 'not an absolute path'],
    ['a:/b:ro:extra', 'cannot read'],
  ])('%j is not converted: %s', (entry, reason) => {
    const parsed = parseMount(entry)
    expect(parsed.ok ? '' : parsed.reason).toContain(reason)
  })
})

describe('healthchecks', () => {
  it.each<[string, number | null]>([
    ['5s', 5000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['250ms', 250],
    ['1h', 3_600_000],
    ['0', 0],
    ['500us', 1],
    ['5', null],
    ['5 s', null],
    ['', null],
  ])('duration %j → %j', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms)
  })

  it('reads CMD as arguments, CMD-SHELL and plain strings as shell, NONE and disable as none', () => {
    expect(readHealthcheck({ test: ['CMD', 'pg_isready', '-U', 'app'], interval: '2s' })).toMatchObject({
      kind: 'check',
      command: ['pg_isready', '-U', 'app'],
      intervalMs: 2000,
      timeoutMs: null,
      retries: null,
    })
    expect(readHealthcheck({ test: ['CMD-SHELL', 'curl -f localhost || exit 1'] })).toMatchObject({
      command: 'curl -f localhost || exit 1',
    })
    expect(readHealthcheck({ test: 'wget -q localhost', retries: 5, start_period: '30s' })).toMatchObject({
      command: 'wget -q localhost',
      retries: 5,
      startPeriodMs: 30_000,
    })
    expect(readHealthcheck({ test: ['NONE'] })).toEqual({ kind: 'none' })
    expect(readHealthcheck({ disable: true })).toEqual({ kind: 'none' })
  })

  it('lists what it cannot read', () => {
    expect(readHealthcheck({ test: ['CMD'] })).toMatchObject({ kind: 'invalid' })
    expect(readHealthcheck({ interval: '5s' })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('no test'),
    })
    expect(readHealthcheck({ test: 'x', interval: 'often', retries: 0, start_interval: '1s' })).toMatchObject(
      {
        problems: [
          { field: 'interval', reason: expect.stringContaining('"often" is not a duration') },
          { field: 'start_interval', reason: expect.any(String) },
          { field: 'retries', reason: expect.stringContaining('not a whole number') },
        ],
      },
    )
  })
})

describe('parseDotenv', () => {
  it('reads KEY=value lines as Compose does', () => {
    expect(
      parseDotenv(
        [
          '# settings',
          'PLAIN=value',
          'export EXPORTED=yes',
          "SINGLE='kept $PLAIN # as is'",
          'DOUBLE="line\\nnext ${PLAIN}"',
          'COMMENTED=text # a comment',
          'HASH=a#b',
          'EXPANDED=${PLAIN}-x',
          'EMPTY=',
          'not a line',
        ].join('\n'),
      ),
    ).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      SINGLE: 'kept $PLAIN # as is',
      DOUBLE: 'line\nnext value',
      COMMENTED: 'text',
      HASH: 'a#b',
      EXPANDED: 'value-x',
      EMPTY: '',
    })
  })
})
