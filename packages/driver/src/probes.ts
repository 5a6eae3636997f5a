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

export async function probeHttp(
  url: string,
  accepted: readonly number[] | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const timeout = AbortSignal.timeout(timeoutMs)
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
  try {
    const response = await fetch(url, { signal: combined, redirect: 'manual' })
    await response.body?.cancel()
    const ok =
      accepted === null ? response.status >= 200 && response.status < 400 : accepted.includes(response.status)
    return { ok, detail: `GET ${url} → HTTP ${response.status}` }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause
    // Said as probeTcp says it: the abort's reason is the caller's, not something the probe saw.
    const detail =
      cause?.code === 'ECONNREFUSED'
        ? 'connection refused'
        : timeout.aborted
          ? `no answer within ${timeoutMs} ms`
          : signal?.aborted
            ? 'aborted'
            : (error as Error).message
    return { ok: false, detail: `GET ${url}: ${detail}` }
  }
}

/** Compiles a normalized log pattern once. */
export function compileLogPattern(pattern: { source: string; flags: string }): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
}
