import http from 'node:http'
import type { DockerEndpoint } from './docker-host.js'

/**
 * The few reads of the Engine API that a warm `hearth up` or `hearth status` makes (ping, list,
 * inspect), straight over `node:http` on the engine's unix socket or plain-HTTP TCP port: importing
 * dockerode costs ~0.3–0.5 s, `node:http` ~6 ms. Everything else (pull, build, create, exec, logs)
 * still goes through dockerode, loaded when first needed.
 *
 * Paths are unversioned, as dockerode sends them: the engine answers in its own API version.
 * A failed request rejects as dockerode's do (an Error with `statusCode` and the engine's `json`),
 * so the same error readers serve both; a broken connection rejects with Node's error (`ECONNREFUSED`,
 * `ENOENT`, `EACCES`), as dockerode's does.
 */
export interface EngineApi {
  /** GET `path`; resolves with the parsed JSON body (or the text, when it is not JSON). */
  get<T>(path: string, options?: { signal?: AbortSignal }): Promise<T>
  /** Closes the connections it keeps between calls. */
  close(): void
}

/** The engine's API over `endpoint`, or null where only dockerode can reach it (TLS, ssh, npipe). */
export function createEngineApi(endpoint: DockerEndpoint): EngineApi | null {
  let target: http.RequestOptions
  if (endpoint.kind === 'unix') target = { socketPath: endpoint.socketPath }
  else if (endpoint.kind === 'tcp' && endpoint.protocol === 'http')
    target = { host: endpoint.host, port: endpoint.port }
  else return null
  // One connection kept for the calls of a command (a list and an inspect per container).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
  return {
    get<T>(path: string, options: { signal?: AbortSignal } = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const request = http.request(
          { ...target, agent, path, method: 'GET', headers: { accept: 'application/json' } },
          (response) => {
            const chunks: Buffer[] = []
            response.on('data', (chunk: Buffer) => chunks.push(chunk))
            response.on('error', reject)
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8')
              let body: unknown = text
              try {
                body = text === '' ? null : JSON.parse(text)
              } catch {
                // not JSON (`/_ping` answers OK): the text it is
              }
              const status = response.statusCode ?? 0
              if (status >= 200 && status < 300) return resolve(body as T)
              reject(engineError(status, response.statusMessage ?? '', body))
            })
          },
        )
        request.on('error', reject)
        if (options.signal !== undefined) {
          const { signal } = options
          const abort = () =>
            request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
          if (signal.aborted) abort()
          else signal.addEventListener('abort', abort, { once: true })
          request.on('close', () => signal.removeEventListener('abort', abort))
        }
        request.end()
      })
    },
    close() {
      agent.destroy()
    },
  }
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
