import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { ProbeResult } from './types.js'

/**
 * Probes that work the same for every runtime, because every runtime publishes on loopback: a TCP
 * connect, and an HTTP GET. Shared by the real drivers so their readiness means the same thing.
 */

export function probeTcp(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  return attempt(
    { timeoutMs, signal, aborted: 'aborted', silent: `no answer on ${host}:${port} within ${timeoutMs} ms` },
    (finish) => {
      const socket = net.connect({ host, port })
      socket.once('connect', () => finish({ ok: true, detail: `${host}:${port} accepts connections` }))
      socket.once('error', (error: NodeJS.ErrnoException) =>
        finish({ ok: false, detail: `${host}:${port}: ${refusal(error)}` }),
      )
      return socket
    },
  )
}

/**
 * One HTTP GET (redirects not followed): ready when the status is accepted (default 2xx/3xx). Over
 * `node:http`, one connection a probe: `fetch` costs ~60 ms on its first call in a process (the
 * first HTTP probe of every command waited for it) and ~10 ms a call after, `node:http` ~1–4 ms.
 */
export function probeHttp(
  url: string,
  accepted: readonly number[] | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  // Said as probeTcp says it: the abort's reason is the caller's, not something the probe saw.
  const aborted = `GET ${url}: aborted`
  return attempt(
    { timeoutMs, signal, aborted, silent: `GET ${url}: no answer within ${timeoutMs} ms` },
    (finish) => {
      const request = (url.startsWith('https:') ? https : http).get(url, { agent: false }, (response) => {
        const status = response.statusCode ?? 0
        const ok = accepted === null ? status >= 200 && status < 400 : accepted.includes(status)
        finish({ ok, detail: `GET ${url} → HTTP ${status}` })
      })
      request.once('error', (error: NodeJS.ErrnoException) =>
        finish({ ok: false, detail: `GET ${url}: ${refusal(error)}` }),
      )
      return request
    },
  )
}

/**
 * One probe attempt: `begin` opens its connection and calls `finish` with what it saw; the first
 * result wins, the connection is destroyed, and the deadline (`silent`) and the signal (`aborted`)
 * finish it too. A listener added to an already aborted signal never fires: then it never begins.
 */
function attempt(
  options: { timeoutMs: number; signal: AbortSignal | undefined; aborted: string; silent: string },
  begin: (finish: (result: ProbeResult) => void) => { destroy(): void },
): Promise<ProbeResult> {
  const { timeoutMs, signal } = options
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ ok: false, detail: options.aborted })
      return
    }
    let settled = false
    let connection: { destroy(): void } | null = null
    const finish = (result: ProbeResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      connection?.destroy()
      resolve(result)
    }
    const onAbort = (): void => finish({ ok: false, detail: options.aborted })
    const timer = setTimeout(() => finish({ ok: false, detail: options.silent }), timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })
    connection = begin(finish)
    // Finished while beginning (an answer cannot come that soon, but a synchronous error could).
    if (settled) connection.destroy()
  })
}

function refusal(error: NodeJS.ErrnoException): string {
  return error.code === 'ECONNREFUSED' ? 'connection refused' : error.message
}

/** Compiles a normalized log pattern once. */
export function compileLogPattern(pattern: { source: string; flags: string }): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
}
