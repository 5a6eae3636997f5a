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
  return new Promise((resolve) => {
    // A listener added to an already aborted signal never fires: without this, the attempt would go on.
    if (signal?.aborted) {
      resolve({ ok: false, detail: 'aborted' })
      return
    }
    const socket = net.connect({ host, port })
    let settled = false
    const finish = (result: ProbeResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const onAbort = (): void => finish({ ok: false, detail: 'aborted' })
    const timer = setTimeout(
      () => finish({ ok: false, detail: `no answer on ${host}:${port} within ${timeoutMs} ms` }),
      timeoutMs,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => finish({ ok: true, detail: `${host}:${port} accepts connections` }))
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        detail: `${host}:${port}: ${error.code === 'ECONNREFUSED' ? 'connection refused' : error.message}`,
      }),
    )
  })
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
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ ok: false, detail: `GET ${url}: aborted` })
      return
    }
    let settled = false
    const finish = (result: ProbeResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      request.destroy()
      resolve(result)
    }
    const request = (url.startsWith('https:') ? https : http).get(url, { agent: false }, (response) => {
      const status = response.statusCode ?? 0
      const ok = accepted === null ? status >= 200 && status < 400 : accepted.includes(status)
      finish({ ok, detail: `GET ${url} → HTTP ${status}` })
    })
    // Said as probeTcp says it: the abort's reason is the caller's, not something the probe saw.
    const onAbort = (): void => finish({ ok: false, detail: `GET ${url}: aborted` })
    const timer = setTimeout(
      () => finish({ ok: false, detail: `GET ${url}: no answer within ${timeoutMs} ms` }),
      timeoutMs,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    request.once('error', (error: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        detail: `GET ${url}: ${error.code === 'ECONNREFUSED' ? 'connection refused' : error.message}`,
      }),
    )
  })
}

/** Compiles a normalized log pattern once. */
export function compileLogPattern(pattern: { source: string; flags: string }): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
}
