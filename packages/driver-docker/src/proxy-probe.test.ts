import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { probeTcpThroughProxy } from './proxy-probe.js'

const HOST = '127.0.0.1'
const servers: net.Server[] = []

async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  return (server.address() as net.AddressInfo).port
}

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

describe('probeTcpThroughProxy', () => {
  it('passes when the connection stays open (a listener behind the proxy)', async () => {
    const open: net.Socket[] = []
    const port = await listen((socket) => open.push(socket))
    expect(await probeTcpThroughProxy(HOST, port, 1000, undefined, 50)).toEqual({
      ok: true,
      detail: `${HOST}:${port} accepts connections`,
    })
    for (const socket of open) socket.destroy()
  })

  it('passes at once when the service speaks first', async () => {
    const port = await listen((socket) => socket.end('220 ready\r\n'))
    // Held for ten minutes otherwise: only the greeting ends the probe within the test's limit.
    expect((await probeTcpThroughProxy(HOST, port, 600_000, undefined, 600_000)).ok).toBe(true)
  })

  it('fails when the other side closes at once without a word (the proxy found no listener)', async () => {
    const port = await listen((socket) => socket.destroy())
    expect(await probeTcpThroughProxy(HOST, port, 1000, undefined, 200)).toEqual({
      ok: false,
      detail: `${HOST}:${port}: the port is published, but nothing listens inside the container yet`,
    })
  })

  it('fails with "connection refused" when nothing listens at all', async () => {
    const port = await listen(() => undefined)
    await new Promise((resolve) => (servers.pop() as net.Server).close(resolve))
    expect(await probeTcpThroughProxy(HOST, port, 1000)).toEqual({
      ok: false,
      detail: `${HOST}:${port}: connection refused`,
    })
  })

  it('gives up on abort', async () => {
    const port = await listen(() => undefined)
    const controller = new AbortController()
    const probing = probeTcpThroughProxy(HOST, port, 5000, controller.signal, 5000)
    controller.abort()
    expect(await probing).toEqual({ ok: false, detail: 'aborted' })
  })
})
