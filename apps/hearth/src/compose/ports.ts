/**
 * Compose `ports:` entries, short (`"5432"`, `"127.0.0.1:5432:5432"`, `"8080:80/udp"`) and long
 * (`{ target, published, host_ip, protocol, name }`), read into what hearth's ports can say: a
 * container port, maybe a fixed host port, the protocol.
 */

import { isIP } from 'node:net'
import { isRecord } from './text.js'

export interface ComposePort {
  container: number
  /** The fixed host port Compose publishes on, or null for one the engine picks. */
  host: number | null
  /** The host address Compose binds, when it names one. */
  hostIp: string | null
  protocol: 'tcp' | 'udp'
  /** The long syntax's `name`, if any. */
  name: string | null
  /** The long syntax's `app_protocol` (`http`, `https`), if any. */
  appProtocol: string | null
}

export type PortEntry = { ok: true; port: ComposePort } | { ok: false; reason: string }

const NUMBER = /^\d+$/
const RANGE = /^\d+-\d+$/

/** One entry of a service's `ports:` list. */
export function parsePort(entry: unknown): PortEntry {
  if (typeof entry === 'number') return portNumber(String(entry), null, null, 'tcp')
  if (typeof entry === 'string') return parseShortPort(entry.trim())
  if (isRecord(entry)) {
    return parseLongPort(entry)
  }
  return { ok: false, reason: 'not a port: write "8080", "8080:80" or { target: 80 }' }
}

/**
 * `[[ip:]host:]container[/protocol]`, split from the right as Docker's port parser does, so an IPv6
 * address may stand bracketed (`[::1]:8080:80`) or not (`::1:8080:80`).
 */
function parseShortPort(spec: string): PortEntry {
  let rest = spec
  let protocol = 'tcp'
  const slash = rest.lastIndexOf('/')
  if (slash >= 0) {
    protocol = rest.slice(slash + 1)
    rest = rest.slice(0, slash)
  }
  const parts = rest.split(':')
  const container = parts.pop() as string
  const host = parts.pop() ?? ''
  let hostIp = parts.join(':')
  if (hostIp.startsWith('[') || hostIp.endsWith(']')) {
    if (!/^\[[^[\]]*\]$/.test(hostIp)) return { ok: false, reason: `cannot read "${spec}"` }
    hostIp = hostIp.slice(1, -1)
  }
  // Docker takes an IP address there; a name or a stray ":" means the entry is not what it seems.
  if (hostIp !== '' && isIP(hostIp) === 0 && hostIp !== 'localhost')
    return { ok: false, reason: `cannot read "${spec}": "${hostIp}" is not an IP address` }
  return portNumber(container, host === '' ? null : host, hostIp === '' ? null : hostIp, protocol)
}

function parseLongPort(spec: Record<string, unknown>): PortEntry {
  const target = spec.target
  if (typeof target !== 'number' && typeof target !== 'string') {
    return { ok: false, reason: 'the long syntax needs target: the port the container listens on' }
  }
  const published = spec.published
  const host =
    published === undefined || published === null || published === '' ? null : String(published).trim()
  const hostIp = typeof spec.host_ip === 'string' && spec.host_ip !== '' ? spec.host_ip : null
  const protocol = typeof spec.protocol === 'string' ? spec.protocol : 'tcp'
  const name = typeof spec.name === 'string' ? spec.name : null
  const appProtocol = typeof spec.app_protocol === 'string' ? spec.app_protocol.toLowerCase() : null
  return portNumber(String(target).trim(), host, hostIp, protocol, name, appProtocol)
}

function portNumber(
  container: string,
  host: string | null,
  hostIp: string | null,
  protocol: string,
  name: string | null = null,
  appProtocol: string | null = null,
): PortEntry {
  if (protocol !== 'tcp' && protocol !== 'udp') {
    return { ok: false, reason: `protocol ${protocol}: hearth publishes tcp and udp ports only` }
  }
  if (RANGE.test(container) || (host !== null && RANGE.test(host))) {
    return {
      ok: false,
      reason: 'a port range: hearth names each port; list the ones the tests use, one per name',
    }
  }
  const containerPort = NUMBER.test(container) ? Number(container) : Number.NaN
  if (!(containerPort >= 1 && containerPort <= 65535)) {
    return { ok: false, reason: `"${container}" is not a port from 1 to 65535` }
  }
  let hostPort: number | null = null
  if (host !== null) {
    hostPort = NUMBER.test(host) ? Number(host) : Number.NaN
    if (!(hostPort >= 0 && hostPort <= 65535)) {
      return { ok: false, reason: `"${host}" is not a host port from 1 to 65535` }
    }
    // Published on 0: the engine picks, as when none is given.
    if (hostPort === 0) hostPort = null
  }
  return { ok: true, port: { container: containerPort, host: hostPort, hostIp, protocol, name, appProtocol } }
}

/** Names for well-known container ports, so that outputs read `httpPort` rather than `p8080Port`. */
const WELL_KNOWN: Readonly<Record<number, string>> = {
  80: 'http',
  443: 'https',
  1025: 'smtp',
  3000: 'http',
  3306: 'mysql',
  4000: 'http',
  4222: 'nats',
  5000: 'http',
  5432: 'postgres',
  5672: 'amqp',
  6379: 'redis',
  8000: 'http',
  8025: 'http',
  8080: 'http',
  8443: 'https',
  8888: 'http',
  9000: 'http',
  9092: 'kafka',
  9200: 'elasticsearch',
  11211: 'memcached',
  27017: 'mongo',
}

/**
 * A hearth port name (a lowercase letter, then letters and digits) for each port, in order: the long
 * syntax's own name when it makes one, else the well-known name of the container port, else
 * `p<port>`; a name already taken gets the container port (`http8081`), and `Udp` for udp.
 */
export function portNames(ports: readonly ComposePort[]): string[] {
  const taken = new Set<string>()
  const names: string[] = new Array(ports.length)
  // TCP ports first: `53` is p53 and `53/udp` p53Udp, whichever the file lists first.
  const order = [...ports.keys()].sort(
    (a, b) => Number(ports[a]?.protocol === 'udp') - Number(ports[b]?.protocol === 'udp') || a - b,
  )
  for (const index of order) {
    const port = ports[index] as ComposePort
    const own = port.name === null ? null : portName(port.name)
    let name = own ?? WELL_KNOWN[port.container] ?? `p${port.container}`
    if (port.protocol === 'udp' && taken.has(name)) name = `${name}Udp`
    if (taken.has(name)) name = `${name}${port.container}`
    const base = name
    for (let n = 2; taken.has(name); n++) name = `${base}${n}`
    taken.add(name)
    names[index] = name
  }
  return names
}

/** `admin-ui` → `adminUi`; null when nothing usable is left. */
function portName(text: string): string | null {
  const words = text.split(/[^A-Za-z0-9]+/).filter((word) => word !== '')
  const joined = words
    .map((word, index) =>
      index === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join('')
  return /^[a-z][a-zA-Z0-9]*$/.test(joined) ? joined : null
}
