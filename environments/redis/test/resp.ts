import net from 'node:net'

/**
 * A raw RESP2 client for the conformance tests: it sends bytes exactly as given (pipelined, in one
 * write) and reads replies with their wire type, which a client library would blur (a status reply
 * and a bulk string are both strings to ioredis).
 */
export type Reply =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: Buffer }
  | { type: 'nil' }
  | { type: 'nil-array' }
  | { type: 'array'; items: Reply[] }

/** A request as a client library sends it: a multi-bulk of UTF-8 arguments. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8')
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

/** One reply at `offset`, or null while the buffer holds only part of it. */
function parseReply(buffer: Buffer, offset: number): { reply: Reply; next: number } | null {
  const end = buffer.indexOf('\r\n', offset)
  if (end === -1) return null
  const type = String.fromCharCode(buffer[offset] as number)
  const line = buffer.toString('latin1', offset + 1, end)
  const next = end + 2
  switch (type) {
    case '+':
      return { reply: { type: 'simple', value: line }, next }
    case '-':
      return { reply: { type: 'error', value: line }, next }
    case ':':
      return { reply: { type: 'integer', value: BigInt(line) }, next }
    case '$': {
      const length = Number(line)
      if (length < 0) return { reply: { type: 'nil' }, next }
      if (buffer.length < next + length + 2) return null
      return { reply: { type: 'bulk', value: buffer.subarray(next, next + length) }, next: next + length + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { reply: { type: 'nil-array' }, next }
      const items: Reply[] = []
      let at = next
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at)
        if (item === null) return null
        items.push(item.reply)
        at = item.next
      }
      return { reply: { type: 'array', items }, next: at }
    }
    default:
      throw new Error(`not a RESP2 reply: ${JSON.stringify(buffer.toString('latin1', offset, end))}`)
  }
}

export interface Exchange {
  replies: Reply[]
  /** The server closed the connection (after QUIT, or a protocol error). */
  closed: boolean
}

/**
 * Connects to 127.0.0.1:`port`, writes `request` in one go, and reads until `count` replies have
 * arrived or the server closes the connection (then waits `settleMs` more for a close after the
 * last reply, when `awaitClose`).
 */
export function exchange(
  port: number,
  request: Buffer,
  count: number,
  options: { timeoutMs?: number; awaitClose?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    let received = Buffer.alloc(0)
    const replies: Reply[] = []
    let offset = 0
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`timed out with ${replies.length} of ${count} replies`))
    }, options.timeoutMs ?? 10_000)
    const finish = (closed: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ replies, closed })
    }
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      for (;;) {
        const parsed = parseReply(received, offset)
        if (parsed === null) break
        replies.push(parsed.reply)
        offset = parsed.next
      }
      if (replies.length >= count && options.awaitClose !== true) finish(false)
    })
    socket.on('end', () => finish(true))
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

/** Sends each command (pipelined, in one write) and resolves with their replies, in order. */
export async function pipeline(port: number, commands: readonly (readonly string[])[]): Promise<Reply[]> {
  const { replies } = await exchange(port, Buffer.concat(commands.map(encodeCommand)), commands.length, {
    timeoutMs: 20_000,
  })
  return replies
}

/**
 * A reply as one line of text, its wire type visible: `+OK`, `-ERR …`, `:1`, `"bulk"`, `(nil)`,
 * `(nil array)`, `[…]`. Bulk strings that are not UTF-8 show as `hex:…`.
 */
export function render(reply: Reply): string {
  switch (reply.type) {
    case 'simple':
      return `+${reply.value}`
    case 'error':
      return `-${reply.value}`
    case 'integer':
      return `:${reply.value}`
    case 'bulk': {
      const text = reply.value.toString('utf8')
      return Buffer.from(text, 'utf8').equals(reply.value)
        ? JSON.stringify(text)
        : `hex:${reply.value.toString('hex')}`
    }
    case 'nil':
      return '(nil)'
    case 'nil-array':
      return '(nil array)'
    case 'array':
      return `[${reply.items.map(render).join(', ')}]`
  }
}

/** The same reply as a client library hands it over (ioredis: strings, numbers, null, errors). */
export type ClientValue = string | number | null | { error: string } | ClientValue[]

export function clientView(reply: Reply): ClientValue {
  switch (reply.type) {
    case 'simple':
      return reply.value
    case 'error':
      return { error: reply.value }
    case 'integer':
      return Number(reply.value)
    case 'bulk':
      return reply.value.toString('utf8')
    case 'nil':
    case 'nil-array':
      return null
    case 'array':
      return reply.items.map(clientView)
  }
}

/** What ioredis resolved or rejected with, in the shape of `clientView`. */
export function fromClient(value: unknown): ClientValue {
  if (value instanceof Error) return { error: value.message }
  if (Array.isArray(value)) return value.map(fromClient)
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return value as ClientValue
}
