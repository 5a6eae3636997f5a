import net from 'node:net'
import type { ProbeResult } from '@hearth/driver'

/** How long a connection must stay open (or be spoken to) to count as reaching the service. */
export const PROXY_HOLD_MS = 100

/**
 * A TCP probe that sees through Docker's port proxy. The proxy accepts every connection on a
 * published port at once, then dials the container; when nothing listens inside yet, it closes the
 * connection straight away. So a connect alone means only "the container is up": this probe
 * connects, then holds the connection for `holdMs`. Closed by the other side within that time,
 * without a byte, it is the proxy's refusal (not ready); still open, or spoken to, is a listener.
 */
export function probeTcpThroughProxy(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
  holdMs = PROXY_HOLD_MS,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ ok: false, detail: 'aborted' })
      return
    }
    const where = `${host}:${port}`
    const socket = net.connect({ host, port })
    let settled = false
    let hold: NodeJS.Timeout | null = null
    const finish = (result: ProbeResult): void => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      if (hold !== null) clearTimeout(hold)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const onAbort = (): void => finish({ ok: false, detail: 'aborted' })
    const deadline = setTimeout(
      () => finish({ ok: false, detail: `no answer on ${where} within ${timeoutMs} ms` }),
      timeoutMs,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      hold = setTimeout(
        () => finish({ ok: true, detail: `${where} accepts connections` }),
        Math.max(0, Math.min(holdMs, timeoutMs)),
      )
    })
    socket.once('data', () => finish({ ok: true, detail: `${where} accepts connections` }))
    const refused = (): void =>
      finish({
        ok: false,
        detail: `${where}: the port is published, but nothing listens inside the container yet`,
      })
    socket.once('end', refused)
    socket.once('close', refused)
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (hold !== null && error.code === 'ECONNRESET') {
        refused()
        return
      }
      finish({
        ok: false,
        detail: `${where}: ${error.code === 'ECONNREFUSED' ? 'connection refused' : error.message}`,
      })
    })
  })
}
