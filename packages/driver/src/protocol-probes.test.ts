import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { errorFields, probePostgres, probeRedis, startupMessage } from './protocol-probes.js'

/**
 * The probes against tiny servers on 127.0.0.1 that speak the few bytes each case needs: what a
 * PostgreSQL or Redis server sends first, Docker's port proxy with nothing behind it (accepts, then
 * hangs up), a refused port, and a server that never answers.
 */

const HOST = '127.0.0.1'
const servers: net.Server[] = []
/** Every connection a server took: a case may leave one open (the silent server's). */
const connections = new Set<net.Socket>()

function track(socket: net.Socket): void {
  connections.add(socket)
  socket.on('close', () => connections.delete(socket))
  socket.on('error', () => undefined)
}

interface Served {
  port: number
  /** Everything each connection sent, once it closed. */
  received: Promise<Buffer>
}

/** A server whose every connection runs `onConnection`; the bytes the first one sent, once it closes. */
async function serve(onConnection: (socket: net.Socket, data: Buffer) => void): Promise<Served> {
  let resolveReceived: (data: Buffer) => void = () => undefined
  const received = new Promise<Buffer>((resolve) => {
    resolveReceived = resolve
  })
  const server = net.createServer((socket) => {
    track(socket)
    let data = Buffer.alloc(0)
    let answered = false
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk])
      if (!answered) {
        answered = true
        onConnection(socket, data)
      }
    })
    socket.on('close', () => resolveReceived(data))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  return { port: (server.address() as net.AddressInfo).port, received }
}

/** A server that does something on connect, before the client says anything. */
async function onConnect(handler: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    track(socket)
    // Read (and drop) what the client sends, as a real peer does: an unread socket never sees EOF.
    socket.resume()
    handler(socket)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  return (server.address() as net.AddressInfo).port
}

afterEach(async () => {
  for (const socket of connections) socket.destroy()
  await Promise.all(
    servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  )
})

/** A loopback port that nothing listens on (it did a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A backend message: type byte, Int32 length counting itself, body. */
function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeInt32BE(value)
  return buffer
}

/** An ErrorResponse as PostgreSQL sends it. */
function errorResponse(code: string, text: string): Buffer {
  const fields = [
    `SFATAL`,
    `VFATAL`,
    `C${code}`,
    `M${text}`,
    'Fpostmaster.c',
    'L2470',
    'RProcessStartupPacket',
  ]
  return message('E', Buffer.from(`${fields.join('\0')}\0\0`, 'utf8'))
}

/** The StartupMessage's parameters, read back: what the probe told the server. */
function startupParameters(data: Buffer): {
  length: number
  version: number
  parameters: Record<string, string>
} {
  const length = data.readInt32BE(0)
  const version = data.readInt32BE(4)
  const words = data.toString('utf8', 8, length - 1).split('\0')
  const parameters: Record<string, string> = {}
  for (let index = 0; index + 1 < words.length; index += 2) {
    parameters[words[index] as string] = words[index + 1] as string
  }
  return { length, version, parameters }
}

const PG = { user: 'shop', database: 'orders', timeoutMs: 5_000 }

describe('probePostgres', () => {
  it('is ready when the server asks to authenticate, and sends it no password', async () => {
    // AuthenticationSASL (10) with SCRAM-SHA-256: what a server with scram in pg_hba asks first.
    const server = await serve((socket) =>
      socket.write(message('R', Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256\0\0')]))),
    )
    expect(await probePostgres(HOST, server.port, PG)).toEqual({
      ok: true,
      detail: `${HOST}:${server.port}: PostgreSQL accepts connections (asks shop to authenticate; no password sent)`,
    })
    // The probe closed the connection; all it ever sent is the StartupMessage (protocol 3.0).
    const sent = await server.received
    const startup = startupParameters(sent)
    expect(startup).toEqual({
      length: sent.length,
      version: 196608,
      parameters: { user: 'shop', database: 'orders', application_name: 'hearth-readiness' },
    })
  })

  it('reads past AuthenticationOk (trust) to ReadyForQuery, then says Terminate', async () => {
    const server = await serve((socket) =>
      socket.write(
        Buffer.concat([
          message('R', int32(0)),
          message('S', Buffer.from('server_version\x0015.8\0')),
          message('K', Buffer.concat([int32(4242), int32(7)])),
          message('Z', Buffer.from('I')),
        ]),
      ),
    )
    expect(await probePostgres(HOST, server.port, PG)).toEqual({
      ok: true,
      detail: `${HOST}:${server.port}: PostgreSQL accepts connections to orders as shop`,
    })
    const sent = await server.received
    const { length } = startupParameters(sent)
    expect([...sent.subarray(length)]).toEqual([0x58, 0, 0, 0, 4])
  })

  it('is not ready while the server starts up (57P03), with its words', async () => {
    const server = await serve((socket) =>
      socket.end(errorResponse('57P03', 'the database system is starting up')),
    )
    expect(await probePostgres(HOST, server.port, PG)).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: PostgreSQL is not accepting connections yet: the database system is starting up (57P03)`,
    })
  })

  it('is not ready when the database does not exist (after AuthenticationOk), naming it', async () => {
    const server = await serve((socket) =>
      socket.end(
        Buffer.concat([message('R', int32(0)), errorResponse('3D000', 'database "orders" does not exist')]),
      ),
    )
    expect(await probePostgres(HOST, server.port, PG)).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: PostgreSQL refused the connection: database "orders" does not exist (3D000)`,
    })
  })

  it('reads an answer that arrives a byte at a time', async () => {
    const answer = message('R', Buffer.concat([int32(5), Buffer.from([1, 2, 3, 4])])) // MD5 + salt
    const server = await serve((socket) => {
      const bytes = [...answer]
      const next = (): void => {
        const byte = bytes.shift()
        if (byte !== undefined) socket.write(Buffer.from([byte]), next)
      }
      next()
    })
    expect(await probePostgres(HOST, server.port, PG)).toMatchObject({ ok: true })
  })

  it('is not ready when the connection is accepted and closed without a byte (Docker’s proxy, nothing behind it)', async () => {
    const port = await onConnect((socket) => socket.end())
    expect(await probePostgres(HOST, port, PG)).toEqual({
      ok: false,
      detail: `${HOST}:${port}: the connection was closed without an answer (nothing listens behind the port yet)`,
    })
  })

  it('is not ready when the connection is reset', async () => {
    const port = await onConnect((socket) => socket.resetAndDestroy())
    expect(await probePostgres(HOST, port, PG)).toEqual({
      ok: false,
      detail: `${HOST}:${port}: the connection was closed without an answer (nothing listens behind the port yet)`,
    })
  })

  it('is not ready when nothing listens', async () => {
    const port = await closedPort()
    expect(await probePostgres(HOST, port, PG)).toEqual({
      ok: false,
      detail: `${HOST}:${port}: connection refused`,
    })
  })

  it('gives up at its timeout when the server never answers', async () => {
    const server = await serve(() => undefined)
    expect(await probePostgres(HOST, server.port, { ...PG, timeoutMs: 150 })).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: no answer within 150 ms`,
    })
  })

  it('stops when its signal aborts, and does not connect when it has already aborted', async () => {
    let connections = 0
    const port = await onConnect(() => {
      connections++
    })
    const controller = new AbortController()
    const probing = probePostgres(HOST, port, { ...PG, signal: controller.signal })
    controller.abort()
    expect(await probing).toEqual({ ok: false, detail: 'aborted' })
    expect(await probePostgres(HOST, port, { ...PG, signal: AbortSignal.abort() })).toEqual({
      ok: false,
      detail: 'aborted',
    })
    expect(connections).toBeLessThanOrEqual(1)
  })

  it('is not ready when the port speaks another protocol', async () => {
    const server = await serve((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    expect(await probePostgres(HOST, server.port, PG)).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: the answer is not PostgreSQL protocol 3.0`,
    })
  })

  it('encodes the StartupMessage and reads error fields as the protocol lays them out', () => {
    // Length 16 (itself included), version 3.0, then "user", "a" and the closing NUL.
    const startup = startupMessage({ user: 'a' })
    expect(startup.readInt32BE(0)).toBe(16)
    expect(startup.readInt32BE(4)).toBe(3 << 16)
    expect(startup.subarray(8).toString('latin1')).toBe('user\0a\0\0')
    expect(errorFields(Buffer.from('SFATAL\0C57P03\0Mstarting\0\0'))).toEqual({
      S: 'FATAL',
      C: '57P03',
      M: 'starting',
    })
  })
})

describe('probeRedis', () => {
  const OPTIONS = { timeoutMs: 5_000 }

  it('is ready on +PONG, having sent PING as a RESP array', async () => {
    const server = await serve((socket) => socket.write('+PONG\r\n'))
    expect(await probeRedis(HOST, server.port, OPTIONS)).toEqual({
      ok: true,
      detail: `${HOST}:${server.port}: Redis answers PING with PONG`,
    })
    expect((await server.received).toString()).toBe('*1\r\n$4\r\nPING\r\n')
  })

  it('is not ready while Redis loads its data set (-LOADING), with its words', async () => {
    const server = await serve((socket) =>
      socket.write('-LOADING Redis is loading the dataset in memory\r\n'),
    )
    expect(await probeRedis(HOST, server.port, OPTIONS)).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: Redis is not ready: LOADING Redis is loading the dataset in memory`,
    })
  })

  it('is ready when Redis wants a password first (-NOAUTH): it runs and answers, and says so', async () => {
    const server = await serve((socket) => socket.write('-NOAUTH Authentication required.\r\n'))
    expect(await probeRedis(HOST, server.port, OPTIONS)).toEqual({
      ok: true,
      detail: `${HOST}:${server.port}: Redis runs and answers, but wants a password first: NOAUTH Authentication required.`,
    })
    const legacy = await serve((socket) => socket.write('-ERR operation not permitted, use AUTH first\r\n'))
    expect(await probeRedis(HOST, legacy.port, OPTIONS)).toMatchObject({ ok: true })
  })

  it('is not ready on another error reply (protected mode), with its words', async () => {
    const server = await serve((socket) =>
      socket.end('-DENIED Redis is running in protected mode because protected mode is enabled\r\n'),
    )
    expect(await probeRedis(HOST, server.port, OPTIONS)).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: Redis is not ready: DENIED Redis is running in protected mode because protected mode is enabled`,
    })
  })

  it('is not ready when the connection is accepted and closed without a byte', async () => {
    const port = await onConnect((socket) => socket.end())
    expect(await probeRedis(HOST, port, OPTIONS)).toEqual({
      ok: false,
      detail: `${HOST}:${port}: the connection was closed without an answer (nothing listens behind the port yet)`,
    })
  })

  it('is not ready when the connection is reset, or refused', async () => {
    const port = await onConnect((socket) => socket.resetAndDestroy())
    expect(await probeRedis(HOST, port, OPTIONS)).toMatchObject({ ok: false })
    const closed = await closedPort()
    expect(await probeRedis(HOST, closed, OPTIONS)).toEqual({
      ok: false,
      detail: `${HOST}:${closed}: connection refused`,
    })
  })

  it('gives up at its timeout when the server never answers', async () => {
    const server = await serve(() => undefined)
    expect(await probeRedis(HOST, server.port, { timeoutMs: 150 })).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: no answer within 150 ms`,
    })
  })

  it('is not ready when the port answers something else', async () => {
    const server = await serve((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    expect(await probeRedis(HOST, server.port, OPTIONS)).toEqual({
      ok: false,
      detail: `${HOST}:${server.port}: unexpected answer to PING: "HTTP/1.1 400 Bad Request"`,
    })
  })
})
