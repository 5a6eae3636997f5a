import http from 'node:http'
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileLogPattern, probeHttp, probeTcp } from './probes.js'

const HOST = '127.0.0.1'

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port))
  })
}

function close(server: net.Server): Promise<void> {
  if (server instanceof http.Server) server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

/** A loopback port that nothing listens on (it did a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  const port = await listen(server)
  await close(server)
  return port
}

describe('probeTcp', () => {
  const server = net.createServer((socket) => socket.destroy())
  let port = 0
  beforeAll(async () => {
    port = await listen(server)
  })
  afterAll(() => close(server))

  it('passes when the port accepts connections', async () => {
    expect(await probeTcp(HOST, port, 2000)).toEqual({
      ok: true,
      detail: `${HOST}:${port} accepts connections`,
    })
  })

  it('fails with "connection refused" when nothing listens', async () => {
    const closed = await closedPort()
    expect(await probeTcp(HOST, closed, 2000)).toEqual({
      ok: false,
      detail: `${HOST}:${closed}: connection refused`,
    })
  })

  it('fails as aborted when its signal aborts mid-attempt', async () => {
    const controller = new AbortController()
    const probing = probeTcp(HOST, port, 2000, controller.signal)
    controller.abort()
    expect(await probing).toEqual({ ok: false, detail: 'aborted' })
  })

  it('fails as aborted, without connecting, when its signal is already aborted', async () => {
    let connections = 0
    const counting = net.createServer((socket) => {
      connections++
      socket.destroy()
    })
    const countingPort = await listen(counting)
    try {
      expect(await probeTcp(HOST, countingPort, 2000, AbortSignal.abort())).toEqual({
        ok: false,
        detail: 'aborted',
      })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(connections).toBe(0)
    } finally {
      await close(counting)
    }
  })
})

describe('probeHttp', () => {
  const server = http.createServer((request, response) => {
    if (request.url === '/hang') return // never answers
    const status = Number(request.url?.slice(1)) || 200
    response.writeHead(status, status === 302 ? { location: '/200' } : {}).end('body')
  })
  let base = ''
  beforeAll(async () => {
    base = `http://${HOST}:${await listen(server)}`
  })
  afterAll(() => close(server))

  it('passes on 2xx and 3xx by default, without following redirects', async () => {
    expect(await probeHttp(`${base}/200`, null, 2000)).toEqual({
      ok: true,
      detail: `GET ${base}/200 → HTTP 200`,
    })
    expect(await probeHttp(`${base}/204`, null, 2000)).toEqual({
      ok: true,
      detail: `GET ${base}/204 → HTTP 204`,
    })
    expect(await probeHttp(`${base}/302`, null, 2000)).toEqual({
      ok: true,
      detail: `GET ${base}/302 → HTTP 302`,
    })
  })

  it('fails on 4xx and 5xx by default', async () => {
    expect(await probeHttp(`${base}/503`, null, 2000)).toEqual({
      ok: false,
      detail: `GET ${base}/503 → HTTP 503`,
    })
    expect(await probeHttp(`${base}/404`, null, 2000)).toEqual({
      ok: false,
      detail: `GET ${base}/404 → HTTP 404`,
    })
  })

  it('passes only on the listed statuses when given a list', async () => {
    expect(await probeHttp(`${base}/401`, [401, 403], 2000)).toEqual({
      ok: true,
      detail: `GET ${base}/401 → HTTP 401`,
    })
    expect(await probeHttp(`${base}/200`, [401, 403], 2000)).toEqual({
      ok: false,
      detail: `GET ${base}/200 → HTTP 200`,
    })
    expect(await probeHttp(`${base}/204`, [200], 2000)).toEqual({
      ok: false,
      detail: `GET ${base}/204 → HTTP 204`,
    })
  })

  it('fails with "connection refused" when nothing listens', async () => {
    const url = `http://${HOST}:${await closedPort()}/`
    expect(await probeHttp(url, null, 2000)).toEqual({ ok: false, detail: `GET ${url}: connection refused` })
  })

  it('fails when no answer comes within the timeout', async () => {
    // The server never answers: only the probe's own timeout ends this.
    expect(await probeHttp(`${base}/hang`, null, 200)).toEqual({
      ok: false,
      detail: `GET ${base}/hang: no answer within 200 ms`,
    })
  })

  it('fails as aborted when its signal aborts', async () => {
    const controller = new AbortController()
    const probing = probeHttp(`${base}/hang`, null, 5000, controller.signal)
    setTimeout(() => controller.abort(new Error('shutting down')), 20)
    expect(await probing).toEqual({ ok: false, detail: `GET ${base}/hang: aborted` })
  })
})

describe('compileLogPattern', () => {
  it('keeps the source and the other flags', () => {
    const pattern = compileLogPattern({ source: '^listening on (\\d+)$', flags: 'imsu' })
    expect(pattern.source).toBe('^listening on (\\d+)$')
    expect(pattern.flags).toBe('imsu')
  })

  it('strips g and y, so that test() does not depend on the last match', () => {
    const pattern = compileLogPattern({ source: 'ready', flags: 'gyi' })
    expect(pattern.flags).toBe('i')
    expect(pattern.test('READY')).toBe(true)
    expect(pattern.test('READY')).toBe(true)
    expect(pattern.test('   ready')).toBe(true)
    expect(pattern.lastIndex).toBe(0)
  })
})
