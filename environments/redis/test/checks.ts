import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import {
  comparable,
  expectedClientValue,
  matches,
  type Step,
  sortValues,
  TABLE,
} from './conformance-table.js'
import {
  type ClientValue,
  encodeCommand,
  exchange,
  fromClient,
  pipeline,
  type Reply,
  render,
} from './resp.js'

/**
 * The checks the conformance tests run against a server on 127.0.0.1:`port`, whichever it is (the
 * stand-in, or redis-server in the test image). Each returns what differed from the table, so a
 * failure lists every wrong reply at once.
 */

export interface Mismatch {
  step: number
  command: string
  expected: string | ClientValue
  actual: string | ClientValue
}

/** Every reply of the table, pipelined on one connection from an empty server. */
export async function tableReplies(port: number): Promise<Reply[]> {
  await pipeline(port, [['FLUSHALL']])
  return pipeline(
    port,
    TABLE.map(([args]) => args),
  )
}

/** Where the wire replies differ from the table. */
export function tableMismatches(replies: readonly Reply[]): Mismatch[] {
  return TABLE.flatMap((step, index) => {
    const reply = replies[index]
    if (reply !== undefined && matches(reply, step)) return []
    return [
      {
        step: index,
        command: step[0].join(' '),
        expected: step[1],
        actual: reply === undefined ? '(no reply)' : comparable(reply, step),
      },
    ]
  })
}

/** Where two servers' wire replies differ (PTTLs: within a second). */
export function differences(a: readonly Reply[], b: readonly Reply[]): Mismatch[] {
  return TABLE.flatMap((step, index) => {
    const left = a[index]
    const right = b[index]
    if (left === undefined || right === undefined) {
      return [{ step: index, command: step[0].join(' '), expected: String(left), actual: String(right) }]
    }
    const same =
      step[2]?.approx === true && left.type === 'integer' && right.type === 'integer'
        ? Math.abs(Number(left.value - right.value)) < 1000
        : comparable(left, step) === comparable(right, step)
    return same
      ? []
      : [
          {
            step: index,
            command: step[0].join(' '),
            expected: comparable(left, step),
            actual: comparable(right, step),
          },
        ]
  })
}

/** A connected ioredis client; it runs its own handshake (INFO for its ready check) first. */
export async function connectClient(port: number): Promise<Redis> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 })
  await client.connect()
  return client
}

/**
 * The table through ioredis, one command at a time (`mode: 'sequential'`) or as one ioredis
 * pipeline, compared with what the wire replies say a client should get.
 */
export async function clientMismatches(
  port: number,
  wire: readonly Reply[],
  mode: 'sequential' | 'pipeline',
): Promise<Mismatch[]> {
  const client = await connectClient(port)
  try {
    await client.flushall()
    let values: ClientValue[]
    if (mode === 'sequential') {
      values = []
      for (const [[name, ...args]] of TABLE) {
        values.push(fromClient(await client.call(name as string, ...args).catch((error: unknown) => error)))
      }
    } else {
      const batch = client.pipeline()
      for (const [[name, ...args]] of TABLE) batch.call(name as string, ...args)
      const results = (await batch.exec()) ?? []
      values = results.map(([error, value]) => fromClient(error ?? value))
    }
    return TABLE.flatMap((step: Step, index) => {
      const reply = wire[index] as Reply
      const expected = expectedClientValue(reply, step)
      const raw = values[index] as ClientValue
      const actual = step[2]?.unordered === true && Array.isArray(raw) ? sortValues(raw) : raw
      const same =
        step[2]?.approx === true && typeof expected === 'number' && typeof actual === 'number'
          ? Math.abs(expected - actual) < 1000
          : JSON.stringify(actual) === JSON.stringify(expected)
      return same ? [] : [{ step: index, command: step[0].join(' '), expected, actual }]
    })
  } finally {
    client.disconnect()
  }
}

/**
 * Requests written as raw bytes, as telnet or a broken client would send them: inline commands,
 * malformed multi-bulks (Redis answers and hangs up), QUIT in a pipeline. The replies, rendered, and
 * whether the server closed the connection.
 */
export const WIRE_CASES: ReadonlyArray<{ name: string; send: string; replies: string[]; closes: boolean }> = [
  {
    name: 'inline commands, quoted and escaped, CRLF or LF',
    send: 'PING\r\nSET greeting "hello world"\r\nGET greeting\r\n  ECHO   spaced  \r\nECHO "a\\x41\\n"\r\nECHO \'b c\' extra\r\nDEL greeting\n',
    replies: [
      '+PONG',
      '+OK',
      '"hello world"',
      '"spaced"',
      '"aA\\n"',
      "-ERR wrong number of arguments for 'echo' command",
      ':1',
    ],
    closes: false,
  },
  {
    name: 'empty requests are skipped',
    send: '\r\n*0\r\n*-1\r\nPING\r\n',
    replies: ['+PONG'],
    closes: false,
  },
  {
    name: 'QUIT answers, then closes, and what follows it is not run',
    send: 'PING\r\nQUIT\r\nSET after-quit 1\r\n',
    replies: ['+PONG', '+OK'],
    closes: true,
  },
  {
    name: 'a multi-bulk with a status instead of a bulk',
    send: 'PING\r\n*1\r\n+PING\r\n',
    replies: ['+PONG', "-ERR Protocol error: expected '$', got '+'"],
    closes: true,
  },
  {
    name: 'a multi-bulk count that is not a number',
    send: '*x\r\n',
    replies: ['-ERR Protocol error: invalid multibulk length'],
    closes: true,
  },
  {
    name: 'a negative bulk length',
    send: '*1\r\n$-5\r\n',
    replies: ['-ERR Protocol error: invalid bulk length'],
    closes: true,
  },
  {
    name: 'unbalanced quotes in an inline command',
    send: 'ECHO "unbalanced\r\n',
    replies: ['-ERR Protocol error: unbalanced quotes in request'],
    closes: true,
  },
]

export async function wireOutcome(
  port: number,
  send: string,
  count: number,
  closes: boolean,
): Promise<{ replies: string[]; closed: boolean }> {
  const outcome = await exchange(port, Buffer.from(send, 'latin1'), count, {
    awaitClose: closes,
    timeoutMs: 5_000,
  })
  return { replies: outcome.replies.map(render), closed: outcome.closed }
}

/** One request split into single bytes, each its own write: the server must reassemble it. */
export async function fragmentedReply(port: number): Promise<string> {
  const socket = new net.Socket()
  const request = encodeCommand(['ECHO', 'in pieces'])
  const received: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    socket.connect({ host: '127.0.0.1', port }, async () => {
      for (const byte of request) {
        socket.write(Buffer.from([byte]))
        await sleep(1)
      }
    })
    socket.on('data', (chunk) => {
      received.push(chunk)
      if (Buffer.concat(received).toString().endsWith('in pieces\r\n')) resolve()
    })
    socket.on('error', reject)
  })
  socket.destroy()
  return Buffer.concat(received).toString()
}

/** Keys with a TTL go, whether read (lazily) or not: every view of the keyspace agrees. */
export async function expiryOutcome(port: number): Promise<string[]> {
  await pipeline(port, [
    ['FLUSHALL'],
    ['SET', 'read-later', 'v', 'PX', '100'],
    ['SET', 'never-read', 'v', 'PX', '100'],
    ['SET', 'stays', 'v', 'EX', '100'],
    ['HSET', 'hash', 'f', 'v'],
    ['PEXPIRE', 'hash', '100'],
  ])
  await sleep(300)
  const replies = await pipeline(port, [
    ['DBSIZE'],
    ['KEYS', '*'],
    ['GET', 'read-later'],
    ['TTL', 'read-later'],
    ['EXISTS', 'never-read', 'hash'],
    ['TTL', 'stays'],
  ])
  return replies.map(render)
}
