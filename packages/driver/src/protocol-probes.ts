import net from 'node:net'
import type { ProbeResult } from './types.js'

/**
 * Readiness probes that speak a service's own protocol from the host, on its published loopback
 * port: the few bytes a client sends first, and the server's first answer. About a millisecond
 * each once the service is up, where a `docker exec` of `psql` or `redis-cli` costs ~150 ms; and
 * they see through Docker's port proxy, which accepts a connection before anything listens inside
 * the container and then closes it without a byte.
 *
 * Written from PostgreSQL's frontend/backend protocol (version 3.0, "Start-up" and "Message
 * Formats") and Redis's RESP specification.
 */

export interface ProtocolProbeOptions {
  /** Deadline for this one attempt. */
  timeoutMs: number
  signal?: AbortSignal
}

/** What a conversation's reader makes of the bytes so far: not enough yet (null), or the result. */
type Verdict = (ProbeResult & { goodbye?: Uint8Array }) | null

/**
 * Connects, says `hello`, and feeds everything the server sends to `read` until it returns a
 * verdict; then closes the socket (after writing the verdict's `goodbye`, if any). EOF, a reset, a
 * refused connection, the deadline and the signal are all "not ready", said in words.
 */
function converse(
  host: string,
  port: number,
  hello: Uint8Array,
  read: (received: Buffer) => Verdict,
  options: ProtocolProbeOptions,
): Promise<ProbeResult> {
  const { timeoutMs, signal } = options
  const where = `${host}:${port}`
  return new Promise((resolve) => {
    // A listener added to an already aborted signal never fires: without this, the attempt would go on.
    if (signal?.aborted) {
      resolve({ ok: false, detail: 'aborted' })
      return
    }
    const socket = net.connect({ host, port })
    let received: Buffer = Buffer.alloc(0)
    let settled = false
    // `plain`: said without the address, as probeTcp says an abort (the caller's doing, not the port's).
    const finish = (result: ProbeResult, goodbye?: Uint8Array, plain = false): void => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      signal?.removeEventListener('abort', onAbort)
      if (goodbye === undefined) socket.destroy()
      else socket.end(goodbye, () => socket.destroy())
      resolve(plain ? result : { ok: result.ok, detail: `${where}: ${result.detail}` })
    }
    const onAbort = (): void => finish({ ok: false, detail: 'aborted' }, undefined, true)
    const deadline = setTimeout(
      () =>
        finish({
          ok: false,
          detail:
            received.length === 0
              ? `no answer within ${timeoutMs} ms`
              : `no complete answer within ${timeoutMs} ms`,
        }),
      timeoutMs,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    // Errors after the verdict (the server closing first) are nobody's business.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') finish({ ok: false, detail: 'connection refused' })
      else if (error.code === 'ECONNRESET' || error.code === 'EPIPE') closedEarly()
      else finish({ ok: false, detail: error.message })
    })
    socket.once('connect', () => socket.write(hello))
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk])
      const verdict = read(received)
      if (verdict !== null) finish(verdict, verdict.goodbye)
    })
    const closedEarly = (): void =>
      finish({
        ok: false,
        detail:
          received.length === 0
            ? // Docker's port proxy accepts, finds nothing listening inside, and hangs up.
              'the connection was closed without an answer (nothing listens behind the port yet)'
            : 'the connection was closed in the middle of an answer',
      })
    socket.once('end', closedEarly)
    socket.once('close', closedEarly)
  })
}

// ── PostgreSQL ────────────────────────────────────────────────────────────────────────────────────

/** Protocol 3.0: major version in the high 16 bits. */
const PROTOCOL_3_0 = 3 << 16
/** SQLSTATE cannot_connect_now: starting up, shutting down, or in recovery. */
const CANNOT_CONNECT_NOW = '57P03'
/** A message longer than this is no PostgreSQL start-up answer. */
const MAX_MESSAGE = 64 * 1024
/** The Terminate message ('X', length 4): the polite way to leave after ReadyForQuery. */
const TERMINATE = Uint8Array.from([0x58, 0, 0, 0, 4])

export interface PostgresProbeOptions extends ProtocolProbeOptions {
  user: string
  database: string
}

/** The StartupMessage: length, protocol version, then name/value pairs, each NUL-terminated. */
export function startupMessage(parameters: Readonly<Record<string, string>>): Buffer {
  const pairs = Object.entries(parameters).flat()
  const body = Buffer.from(`${pairs.map((text) => `${text}\0`).join('')}\0`, 'utf8')
  const message = Buffer.alloc(8 + body.length)
  message.writeInt32BE(message.length, 0)
  message.writeInt32BE(PROTOCOL_3_0, 4)
  body.copy(message, 8)
  return message
}

/** The fields of an ErrorResponse or NoticeResponse body: one code byte, a string, …, then NUL. */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {}
  let at = 0
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at] as number)
    const end = body.indexOf(0, at + 1)
    if (end === -1) break
    fields[code] = body.toString('utf8', at + 1, end)
    at = end + 1
  }
  return fields
}

/**
 * Whether PostgreSQL accepts connections, asked as `pg_isready` asks: a StartupMessage naming
 * `user` and `database`, no password ever, and the first answer read.
 *
 * - An authentication request (`R`, asking for a password) means it accepts connections: ready.
 *   `AuthenticationOk` (trust) lets the server go on, so the probe reads on to ReadyForQuery (or a
 *   ParameterStatus or BackendKeyData on the way), which also shows that the database exists.
 * - An error (`E`) is not ready, with the server's words: SQLSTATE 57P03 while it starts up or
 *   shuts down, and any other too (a database that does not exist yet, too many connections, no
 *   pg_hba.conf entry), since the tests could not connect either.
 * - EOF or a reset before an answer is not ready: Docker's port proxy with nothing behind it.
 */
export function probePostgres(
  host: string,
  port: number,
  options: PostgresProbeOptions,
): Promise<ProbeResult> {
  const hello = startupMessage({
    user: options.user,
    database: options.database,
    application_name: 'hearth-readiness',
  })
  let at = 0
  return converse(
    host,
    port,
    hello,
    (received) => {
      // Each backend message: a type byte, an Int32 length that counts itself, then the body.
      for (;;) {
        if (received.length < at + 5) return null
        const type = String.fromCharCode(received[at] as number)
        const length = received.readInt32BE(at + 1)
        if (length < 4 || length > MAX_MESSAGE || !/^[A-Za-z]$/.test(type)) {
          return { ok: false, detail: 'the answer is not PostgreSQL protocol 3.0' }
        }
        if (received.length < at + 1 + length) return null
        const body = received.subarray(at + 5, at + 1 + length)
        at += 1 + length
        switch (type) {
          case 'R': {
            const code = body.length >= 4 ? body.readInt32BE(0) : -1
            if (code === 0) continue // AuthenticationOk: the server goes on; so do we.
            return {
              ok: true,
              detail: `PostgreSQL accepts connections (asks ${options.user} to authenticate; no password sent)`,
            }
          }
          case 'S':
          case 'K':
          case 'Z':
            return {
              ok: true,
              detail: `PostgreSQL accepts connections to ${options.database} as ${options.user}`,
              goodbye: TERMINATE,
            }
          case 'N':
            continue // A notice on the way: read on.
          case 'E': {
            const fields = errorFields(body)
            const message = fields.M ?? 'an error without a message'
            const code = fields.C ?? '?????'
            return {
              ok: false,
              detail:
                code === CANNOT_CONNECT_NOW
                  ? `PostgreSQL is not accepting connections yet: ${message} (${code})`
                  : `PostgreSQL refused the connection: ${message} (${code})`,
            }
          }
          default:
            return { ok: false, detail: `unexpected ${type} message before the start-up finished` }
        }
      }
    },
    options,
  )
}

// ── Redis ─────────────────────────────────────────────────────────────────────────────────────────

/** PING as a RESP array of bulk strings: what every Redis-protocol server parses. */
const PING = Buffer.from('*1\r\n$4\r\nPING\r\n', 'latin1')
/** Longer than this without a line end is no answer to PING. */
const MAX_LINE = 4096

/**
 * Whether a Redis-protocol server answers: `PING` and its first reply line.
 *
 * - `+PONG` is ready.
 * - `-LOADING` (the data set is being loaded) and any other error reply (`-BUSY`, `-MASTERDOWN`,
 *   `-DENIED` from protected mode) are not ready, with the server's words.
 * - `-NOAUTH …` or an `-ERR` that asks for AUTH is ready: the server runs and answers, it wants a
 *   password first (hearth sends none); the detail says so.
 * - EOF or a reset before a reply is not ready: Docker's port proxy with nothing behind it.
 */
export function probeRedis(host: string, port: number, options: ProtocolProbeOptions): Promise<ProbeResult> {
  return converse(
    host,
    port,
    PING,
    (received) => {
      const end = received.indexOf('\r\n')
      if (end === -1) {
        return received.length > MAX_LINE ? { ok: false, detail: 'the answer is not Redis protocol' } : null
      }
      const line = received.toString('utf8', 0, end)
      if (line === '+PONG') return { ok: true, detail: 'Redis answers PING with PONG' }
      if (line.startsWith('-')) {
        const message = line.slice(1)
        if (/^NOAUTH\b/.test(message) || /^ERR\b.*\bAUTH\b/i.test(message)) {
          return { ok: true, detail: `Redis runs and answers, but wants a password first: ${message}` }
        }
        return { ok: false, detail: `Redis is not ready: ${message}` }
      }
      return { ok: false, detail: `unexpected answer to PING: ${JSON.stringify(line.slice(0, 80))}` }
    },
    options,
  )
}
