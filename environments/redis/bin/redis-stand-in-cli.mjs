#!/usr/bin/env node
// A tiny `redis-cli -e` for the stand-in's reset (and for poking at it by hand): sends one command
// and prints the reply as redis-cli does when its output is not a terminal. Exits 1 on an error
// reply or when nothing answers, so that hearth sees a failed reset.
//
//   node redis-stand-in-cli.mjs [-h host] [-p port] COMMAND [arg …]     (default: $PORT, 127.0.0.1)
//
// Plain JavaScript with no dependencies, like the stand-in itself.
import net from 'node:net'

const TIMEOUT_MS = 5_000
const argv = process.argv.slice(2)
let host = '127.0.0.1'
let port = process.env.PORT ?? '6379'
while (argv[0] === '-h' || argv[0] === '-p') {
  const [flag, value] = argv.splice(0, 2)
  if (flag === '-h') host = value
  else port = value
}
if (argv.length === 0 || !/^\d+$/.test(port ?? '')) {
  console.error('usage: redis-stand-in-cli.mjs [-h host] [-p port] COMMAND [arg …]')
  process.exit(2)
}

const request = [
  `*${argv.length}\r\n`,
  ...argv.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`),
].join('')

/** One RESP2 reply from `buffer` at `offset`: { value, next }, or null while incomplete. */
function parse(buffer, offset) {
  const end = buffer.indexOf('\r\n', offset)
  if (end === -1) return null
  const type = String.fromCharCode(buffer[offset])
  const line = buffer.toString('utf8', offset + 1, end)
  const next = end + 2
  if (type === '+') return { value: line, next }
  if (type === '-') return { value: { error: line }, next }
  if (type === ':') return { value: line, next }
  if (type === '$') {
    const length = Number(line)
    if (length < 0) return { value: '', next }
    if (buffer.length < next + length + 2) return null
    return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 }
  }
  if (type === '*') {
    const count = Number(line)
    const items = []
    let at = next
    for (let i = 0; i < count; i++) {
      const item = parse(buffer, at)
      if (item === null) return null
      items.push(item.value)
      at = item.next
    }
    return { value: items, next: at }
  }
  throw new Error(`unexpected reply type ${JSON.stringify(type)}`)
}

const lines = (value) => (Array.isArray(value) ? value.flatMap(lines) : [value])

const socket = net.connect({ host, port: Number(port) })
const timer = setTimeout(() => {
  console.error(`Could not connect to ${host}:${port}: timed out`)
  process.exit(1)
}, TIMEOUT_MS)
let received = Buffer.alloc(0)
socket.on('connect', () => socket.write(request))
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk])
  const reply = parse(received, 0)
  if (reply === null) return
  clearTimeout(timer)
  socket.destroy()
  const failed = lines(reply.value).some((line) => typeof line === 'object')
  for (const line of lines(reply.value)) console.log(typeof line === 'object' ? line.error : line)
  process.exit(failed ? 1 : 0)
})
socket.on('error', (caught) => {
  console.error(`Could not connect to ${host}:${port}: ${caught.message}`)
  process.exit(1)
})
