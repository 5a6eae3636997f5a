import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createEngineApi, demuxStream, type EngineApi, listQuery } from './engine-api.js'
import { engineMessage, isNotFound, statusOf } from './engine-errors.js'

/** The plain reads against a small HTTP server that answers as the engine does, on a socket and on TCP. */
const dir = mkdtempSync(path.join(tmpdir(), 'hearth-engine-api-'))
const servers: http.Server[] = []
const clients: EngineApi[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What the fake engine was asked, and its answers by path. */
async function engine(
  where: 'unix' | 'tcp',
  answer: (path: string) => { status: number; body: string } | null,
): Promise<{ api: EngineApi; asked: string[] }> {
  const asked: string[] = []
  const server = http.createServer((request, response) => {
    asked.push(`${request.method} ${request.url}`)
    const reply = answer(request.url ?? '')
    if (reply === null) return // never answers
    response.writeHead(reply.status, { 'content-type': 'application/json' })
    response.end(reply.body)
  })
  servers.push(server)
  let api: EngineApi | null
  if (where === 'unix') {
    const socketPath = path.join(dir, `engine-${servers.length}.sock`)
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    api = createEngineApi({ kind: 'unix', socketPath })
  } else {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    api = createEngineApi({ kind: 'tcp', host: '127.0.0.1', port, protocol: 'http' })
  }
  if (api === null) throw new Error('no client for a socket or plain TCP')
  clients.push(api)
  return { api, asked }
}

describe('createEngineApi', () => {
  it.each(['unix', 'tcp'] as const)('reads JSON and text over %s', async (where) => {
    const { api, asked } = await engine(where, (url) =>
      url === '/_ping' ? { status: 200, body: 'OK' } : { status: 200, body: '[{"Id":"abc"}]' },
    )
    expect(await api.get('/_ping')).toBe('OK')
    const query = listQuery(['dev.hearth.managed=true', 'dev.hearth.project-id=p1'])
    expect(await api.get(`/containers/json?${query}`)).toEqual([{ Id: 'abc' }])
    expect(asked).toEqual([
      'GET /_ping',
      `GET /containers/json?all=1&filters=${encodeURIComponent('{"label":["dev.hearth.managed=true","dev.hearth.project-id=p1"]}')}`,
    ])
  })

  it("rejects a refusal as dockerode does: status, the engine's words", async () => {
    const { api } = await engine('unix', () => ({
      status: 404,
      body: '{"message":"No such container: gone"}',
    }))
    const error = await api.get('/containers/gone/json').catch((caught: unknown) => caught)
    expect(isNotFound(error)).toBe(true)
    expect(statusOf(error)).toBe(404)
    expect(engineMessage(error)).toBe('No such container: gone')
    expect((error as Error).message).toBe('(HTTP code 404) not found - No such container: gone')
  })

  it("rejects with Node's own error when nothing listens", async () => {
    const api = createEngineApi({ kind: 'unix', socketPath: path.join(dir, 'nothing.sock') })
    clients.push(api as EngineApi)
    await expect(api?.get('/_ping')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('stops waiting when the signal aborts', async () => {
    const { api } = await engine('tcp', () => null)
    const controller = new AbortController()
    const asking = api.get('/_ping', { signal: controller.signal })
    controller.abort(new Error('given up'))
    await expect(asking).rejects.toThrow('given up')
  })

  it('leaves TLS, ssh and named pipes to dockerode', () => {
    expect(createEngineApi({ kind: 'tcp', host: 'engine', port: 2376, protocol: 'https' })).toBeNull()
    expect(createEngineApi({ kind: 'ssh', url: 'ssh://me@engine' })).toBeNull()
    expect(createEngineApi({ kind: 'npipe', path: '//./pipe/docker_engine' })).toBeNull()
  })

  it('streams an answer (a log follow) and posts (a wait), each on its own connection', async () => {
    const { api, asked } = await engine('unix', (url) =>
      url.startsWith('/containers/c1/wait')
        ? { status: 200, body: '{"StatusCode":3}' }
        : url.startsWith('/containers/c1/logs')
          ? { status: 200, body: 'line one\nline two\n' }
          : { status: 404, body: '{"message":"No such container: c2"}' },
    )
    const chunks: Buffer[] = []
    for await (const chunk of await api.stream('/containers/c1/logs?follow=1&stdout=1&stderr=1'))
      chunks.push(chunk as Buffer)
    expect(Buffer.concat(chunks).toString()).toBe('line one\nline two\n')
    expect(await api.post('/containers/c1/wait?condition=not-running')).toEqual({ StatusCode: 3 })
    const refused = await api.stream('/containers/c2/logs?follow=1').catch((caught: unknown) => caught)
    expect(isNotFound(refused)).toBe(true)
    expect(asked).toContain('POST /containers/c1/wait?condition=not-running')
  })

  it('keeps reading while follows hold more connections than the pool has', async () => {
    // Never answered: ten follows open at once, as ten containers' logs in a session.
    const { api } = await engine('tcp', (url) =>
      url.includes('follow=1') ? null : { status: 200, body: '"OK"' },
    )
    const stop = new AbortController()
    const follows = Array.from({ length: 10 }, (_, index) =>
      api.stream(`/containers/c${index}/logs?follow=1`, { signal: stop.signal }).catch(() => undefined),
    )
    expect(await api.get('/_ping')).toBe('OK')
    stop.abort()
    await Promise.all(follows)
  })
})

describe('demuxStream', () => {
  const frame = (stream: 1 | 2, text: string): Buffer => {
    const payload = Buffer.from(text)
    const header = Buffer.alloc(8)
    header[0] = stream
    header.writeUInt32BE(payload.length, 4)
    return Buffer.concat([header, payload])
  }

  it('splits stdout from stderr, frames cut anywhere across chunks', () => {
    const whole = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err one\n'), frame(1, 'out two\n')])
    for (const cut of [1, 5, 8, 9, 17, 20, whole.length - 1]) {
      const source = new PassThrough()
      const stdout: string[] = []
      const stderr: string[] = []
      const sink = (into: string[]) => {
        const sinkStream = new PassThrough()
        sinkStream.on('data', (chunk: Buffer) => into.push(chunk.toString()))
        return sinkStream
      }
      demuxStream(source, sink(stdout), sink(stderr))
      source.write(whole.subarray(0, cut))
      source.write(whole.subarray(cut))
      expect(stdout.join('')).toBe('out one\nout two\n')
      expect(stderr.join('')).toBe('err one\n')
    }
  })
})
