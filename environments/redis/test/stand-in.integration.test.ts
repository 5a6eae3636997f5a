import { execFile, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STAND_IN_CLI, STAND_IN_SERVER } from '../src/index.js'
import {
  clientMismatches,
  connectClient,
  expiryOutcome,
  fragmentedReply,
  tableMismatches,
  tableReplies,
  WIRE_CASES,
  wireOutcome,
} from './checks.js'
import { TABLE } from './conformance-table.js'
import { pipeline, render } from './resp.js'
import { startStandIn } from './servers.js'

/**
 * The stand-in on its own (no Docker): the conformance table, whose replies
 * `conformance.docker.test.ts` checks against real Redis, through the wire and through ioredis.
 */
let server: Awaited<ReturnType<typeof startStandIn>>

beforeAll(async () => {
  server = await startStandIn()
})

afterAll(async () => {
  await server?.stop()
})

const run = promisify(execFile)

describe('the stand-in answers as Redis 7 does', () => {
  it(`gives the ${TABLE.length} replies of the conformance table, pipelined`, async () => {
    expect(tableMismatches(await tableReplies(server.port))).toEqual([])
  })

  it('works with ioredis, one command at a time and pipelined', async () => {
    const wire = await tableReplies(server.port)
    expect(await clientMismatches(server.port, wire, 'sequential')).toEqual([])
    expect(await clientMismatches(server.port, wire, 'pipeline')).toEqual([])
  })

  it('answers raw and malformed requests as Redis does, and hangs up where Redis does', async () => {
    for (const { name, send, replies, closes } of WIRE_CASES) {
      expect({ name, ...(await wireOutcome(server.port, send, replies.length, closes)) }).toEqual({
        name,
        replies,
        closed: closes,
      })
    }
    expect((await pipeline(server.port, [['EXISTS', 'after-quit']])).map(render)).toEqual([':0'])
  })

  it('reassembles a request that arrives a byte at a time', async () => {
    expect(await fragmentedReply(server.port)).toBe('$9\r\nin pieces\r\n')
  })

  it('expires keys on time, read or not', async () => {
    expect(await expiryOutcome(server.port)).toEqual([':1', '["stays"]', '(nil)', ':-2', ':0', ':100'])
  })

  it('keeps bytes as bytes, large values included', async () => {
    const client = await connectClient(server.port)
    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a, 0x80])
    const large = Buffer.alloc(3 * 1024 * 1024, 'hearth ')
    await client.set('binary', binary)
    await client.set('large', large)
    expect(await client.getBuffer('binary')).toEqual(binary)
    expect((await client.getBuffer('large'))?.equals(large)).toBe(true)
    await client.hset('h', binary, binary)
    expect(await client.hgetallBuffer('h')).toEqual({ [binary.toString()]: binary })
    client.disconnect()
  })

  it('serves many clients at once, each with its own database and name', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => connectClient(server.port)))
    await clients[0]?.flushall()
    await Promise.all(
      clients.map(async (client) => Promise.all(Array.from({ length: 50 }, () => client.incr('hits')))),
    )
    expect(await clients[0]?.get('hits')).toBe('1000')
    await clients[1]?.select(5)
    await clients[1]?.set('only-in-5', 'yes')
    await clients[1]?.client('SETNAME', 'one')
    expect(await clients[2]?.exists('only-in-5')).toBe(0)
    expect(await clients[1]?.exists('only-in-5')).toBe(1)
    expect([await clients[1]?.client('GETNAME'), await clients[2]?.client('GETNAME')]).toEqual(['one', null])
    for (const client of clients) client.disconnect()
  })

  it('selects the database a url names', async () => {
    const client = new Redis(`redis://127.0.0.1:${server.port}/4`)
    await client.set('in-4', 'x')
    const [reply] = await pipeline(server.port, [
      ['SELECT', '4'],
      ['GET', 'in-4'],
    ]).then((replies) => replies.slice(1))
    expect(reply && render(reply)).toBe('"x"')
    client.disconnect()
  })

  it('answers INFO with the fields clients read, and says it is a stand-in', async () => {
    const client = await connectClient(server.port)
    await client.flushall()
    await client.set('a', '1', 'EX', 100)
    const info = (await client.info())
      .replace(/process_id:\d+/, 'process_id:<pid>')
      .replace(/tcp_port:\d+/, 'tcp_port:<port>')
      .replace(/uptime_in_seconds:\d+/, 'uptime_in_seconds:<s>')
      .replace(/executable:.*\r/, 'executable:<file>\r')
      .replace(/connected_clients:\d+/, 'connected_clients:<n>')
      .replace(/os:\w+/, 'os:<os>')
    expect(info.split('\r\n')).toMatchInlineSnapshot(`
      [
        "# Server",
        "redis_version:7.0.0",
        "redis_mode:standalone",
        "hearth_stand_in:redis-stand-in (an in-memory stand-in for tests, not Redis)",
        "os:<os>",
        "arch_bits:64",
        "process_id:<pid>",
        "tcp_port:<port>",
        "uptime_in_seconds:<s>",
        "executable:<file>",
        "",
        "# Clients",
        "connected_clients:<n>",
        "",
        "# Persistence",
        "loading:0",
        "async_loading:0",
        "rdb_changes_since_last_save:0",
        "aof_enabled:0",
        "",
        "# Keyspace",
        "db0:keys=1,expires=1,avg_ttl=0",
        "",
      ]
    `)
    expect(await client.info('keyspace')).toBe('# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=0\r\n')
    expect(await client.info('nosuchsection')).toBe('')
    client.disconnect()
  })

  it('answers COMMAND, so that clients which probe it work', async () => {
    const replies = await pipeline(server.port, [
      ['COMMAND', 'COUNT'],
      ['COMMAND', 'LIST'],
      ['COMMAND', 'INFO', 'get', 'nosuch'],
      ['COMMAND', 'DOCS'],
      ['COMMAND'],
      ['CLIENT', 'SETINFO', 'LIB-NAME', 'test'],
      ['CLIENT', 'ID'],
    ])
    const [count, list, info, docs, all, setinfo, id] = replies
    if (list?.type !== 'array' || all?.type !== 'array') throw new Error('COMMAND did not answer lists')
    expect(count).toEqual({ type: 'integer', value: BigInt(list.items.length) })
    expect(all.items.length).toBe(list.items.length)
    expect(info && render(info)).toBe('[["get", :2, [], :1, :1, :1, [], [], [], []], (nil)]')
    expect([docs, setinfo].map((reply) => reply && render(reply))).toEqual(['[]', '+OK'])
    expect(id?.type).toBe('integer')
  })
})

describe('the stand-in process', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.output()).toMatch(/^redis-stand-in: ready to accept connections on 127\.0\.0\.1:\d+ /)
    // The kernel's own list of listening sockets (no traffic sent anywhere): bound to loopback only.
    expect(listeners(server.port)).toEqual(['127.0.0.1'])
  })

  it('takes its port from $PORT, and exits 0 on SIGTERM', async () => {
    const port = await freePort()
    const child = spawn(process.execPath, [STAND_IN_SERVER], { env: { ...process.env, PORT: String(port) } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    await until(() => output.includes('ready'))
    expect(output).toBe(
      `redis-stand-in: ready to accept connections on 127.0.0.1:${port} (an in-memory stand-in for tests, not Redis)\n`,
    )
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output).toContain('SIGTERM received, exiting')
  })

  it('says why when its port is taken, and exits 1', async () => {
    const result = await run(process.execPath, [STAND_IN_SERVER, '--port', String(server.port)]).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect(result).toMatchObject({ code: 1 })
    expect((result as { stderr: string }).stderr).toContain(
      `cannot listen on 127.0.0.1:${server.port}: listen EADDRINUSE`,
    )
  })
})

describe('redis-stand-in-cli (the reset)', () => {
  it('runs FLUSHALL: prints OK, exits 0, and the keys are gone', async () => {
    await pipeline(server.port, [
      ['SET', 'before-reset', '1'],
      ['SELECT', '9'],
      ['SET', 'in-9', '1'],
    ])
    const { stdout } = await run(process.execPath, [STAND_IN_CLI, '-p', String(server.port), 'FLUSHALL'])
    expect(stdout).toBe('OK\n')
    const replies = await pipeline(server.port, [['DBSIZE'], ['SELECT', '9'], ['DBSIZE']])
    expect(replies.map(render)).toEqual([':0', '+OK', ':0'])
  })

  it('exits 1 on an error reply, and when nothing answers', async () => {
    const failed = await run(process.execPath, [
      STAND_IN_CLI,
      '-p',
      String(server.port),
      'FLUSHALL',
      'NOW',
    ]).catch((error: { code: number; stdout: string }) => error)
    expect(failed).toMatchObject({ code: 1, stdout: 'ERR syntax error\n' })
    const port = await freePort()
    const nobody = await run(process.execPath, [STAND_IN_CLI, '-p', String(port), 'PING']).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect(nobody).toMatchObject({ code: 1 })
    expect((nobody as { stderr: string }).stderr).toContain(`Could not connect to 127.0.0.1:${port}`)
  })
})

/** The local addresses listening on `port` over IPv4 and IPv6, from /proc/net/tcp{,6}. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const found: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      if (state !== '0A' || local?.endsWith(`:${hexPort}`) !== true) continue
      const address = local.slice(0, -5)
      found.push(
        address.length === 8
          ? (address.match(/../g) ?? [])
              .reverse()
              .map((byte) => Number.parseInt(byte, 16))
              .join('.')
          : address,
      )
    }
  }
  return found
}

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
