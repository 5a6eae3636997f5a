import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createEngineApi, type EngineApi, listQuery } from './engine-api.js'
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
})
