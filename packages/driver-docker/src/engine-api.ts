import http from 'node:http'
import type { DockerEndpoint } from './docker-host.js'

/**
 * What hearth asks of the Engine API (ping, list, inspect, create, start, a log follow, a wait, an
 * exec), straight over `node:http` on the engine's unix socket or plain-HTTP TCP port: importing
 * dockerode costs ~0.3–0.5 s, `node:http` ~6 ms. Pull and build still go through dockerode,
 * loaded when first needed.
 *
 * Paths are unversioned, as dockerode sends them: the engine answers in its own API version.
 * A failed request rejects as dockerode's do (an Error with `statusCode` and the engine's `json`),
 * so the same error readers serve both; a broken connection rejects with Node's error (`ECONNREFUSED`,
 * `ENOENT`, `EACCES`), as dockerode's does.
 */
export interface EngineApi {
  /** GET `path`; resolves with the parsed JSON body (or the text, when it is not JSON). */
  get<T>(path: string, options?: { signal?: AbortSignal }): Promise<T>
  /** POST `path` with `body` as JSON (or none); resolves with the parsed JSON answer (null when empty). */
  post<T>(path: string, options?: { body?: unknown; signal?: AbortSignal }): Promise<T>
  /** DELETE `path`. */
  delete(path: string, options?: { signal?: AbortSignal }): Promise<void>
  /**
   * `path` as a stream (a log follow; with POST and a body, an exec's output): resolves with the
   * response once the engine accepted the request, rejects with its error otherwise. `signal`
   * destroys the stream.
   */
  stream(
    path: string,
    options?: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal },
  ): Promise<NodeJS.ReadableStream>
  /** Closes the connections it keeps between calls. */
  close(): void
}

type Method = 'GET' | 'POST' | 'DELETE'

/** The engine's API over `endpoint`, or null where only dockerode can reach it (TLS, ssh, npipe). */
export function createEngineApi(endpoint: DockerEndpoint): EngineApi | null {
  let target: http.RequestOptions
  if (endpoint.kind === 'unix') target = { socketPath: endpoint.socketPath }
  else if (endpoint.kind === 'tcp' && endpoint.protocol === 'http')
    target = { host: endpoint.host, port: endpoint.port }
  else return null
  // One connection kept for the calls of a command (a list and an inspect per container).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
  const send = (
    method: Method,
    path: string,
    { body, signal }: { body?: unknown; signal?: AbortSignal | undefined },
    onAnswer: (response: http.IncomingMessage) => void,
    reject: (error: unknown) => void,
  ): void => {
    // A follow or a wait holds its connection for the whole session, one or two per container: on
    // its own connection, or a handful of them would take the pool and every later read would queue.
    // An exec's output too: the engine takes its connection over and closes it when the command ends.
    const lasting =
      path.includes('follow=1') || /\/wait(\?|$)/.test(path) || /^\/exec\/[^/]+\/start$/.test(path)
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body))
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' }
    if (payload !== null) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = payload.length
    }
    const request = http.request(
      { ...target, agent: lasting ? false : agent, path, method, headers },
      onAnswer,
    )
    request.on('error', reject)
    if (signal !== undefined) {
      const abort = () =>
        request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
      if (signal.aborted) abort()
      else signal.addEventListener('abort', abort, { once: true })
      request.on('close', () => signal.removeEventListener('abort', abort))
    }
    request.end(payload ?? undefined)
  }
  const json = <T>(
    method: Method,
    path: string,
    options: { body?: unknown; signal?: AbortSignal },
  ): Promise<T> =>
    new Promise<T>((resolve, reject) =>
      send(
        method,
        path,
        options,
        (response) =>
          readBody(response).then((body) => {
            const status = response.statusCode ?? 0
            if (status >= 200 && status < 300) resolve(body as T)
            else reject(engineError(status, response.statusMessage ?? '', body))
          }, reject),
        reject,
      ),
    )
  return {
    get: <T>(path: string, options: { signal?: AbortSignal } = {}) => json<T>('GET', path, options),
    post: <T>(path: string, options: { body?: unknown; signal?: AbortSignal } = {}) =>
      json<T>('POST', path, options),
    delete: async (path: string, options: { signal?: AbortSignal } = {}) => {
      await json('DELETE', path, options)
    },
    stream(path, { method = 'GET', ...options } = {}) {
      return new Promise((resolve, reject) =>
        send(
          method,
          path,
          options,
          (response) => {
            const status = response.statusCode ?? 0
            if (status >= 200 && status < 300) return resolve(response)
            readBody(response).then(
              (body) => reject(engineError(status, response.statusMessage ?? '', body)),
              reject,
            )
          },
          reject,
        ),
      )
    },
    close() {
      agent.destroy()
    },
  }
}

/** The whole answer, parsed as JSON when it is JSON (`/_ping` answers `OK`). */
function readBody(response: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    response.on('data', (chunk: Buffer) => chunks.push(chunk))
    response.on('error', reject)
    response.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve(text === '' ? null : JSON.parse(text))
      } catch {
        resolve(text)
      }
    })
  })
}

/**
 * Splits the engine's multiplexed stream (logs or exec output of a container without a TTY) into
 * its stdout and stderr: each frame is an 8-byte header (stream 1 or 2 in the first byte, the
 * payload's length big-endian in the last four) and its payload. Frames may span chunks.
 */
export function demuxStream(
  source: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): void {
  let buffered: Buffer = Buffer.alloc(0)
  source.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    while (buffered.length >= 8) {
      const size = buffered.readUInt32BE(4)
      if (buffered.length < 8 + size) break
      const payload = buffered.subarray(8, 8 + size)
      ;(buffered[0] === 2 ? stderr : stdout).write(payload)
      buffered = buffered.subarray(8 + size)
    }
  })
}

/** An engine's refusal, shaped as dockerode's: `(HTTP code 404) no such container - No such container: x`. */
function engineError(status: number, reason: string, body: unknown): Error {
  const said =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : typeof body === 'string'
        ? body.trim()
        : ''
  const error = new Error(`(HTTP code ${status}) ${reason.toLowerCase()}${said === '' ? '' : ` - ${said}`}`)
  return Object.assign(error, { statusCode: status, reason, json: body })
}

/** `?all=1&filters=…` for a container list with these label filters. */
export function listQuery(labels: readonly string[]): string {
  return `all=1&filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`
}
