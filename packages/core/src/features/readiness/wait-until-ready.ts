import type { AtomicReadiness, Driver, Instance } from '@hearth/driver'
import type { NormalizedReadiness } from '@hearth/environments'
import type { Clock } from '../../clock.js'

/**
 * The first wait between probes; it grows by half each time up to the check's `intervalMs`
 * (10, 15, 22, 34, 51, 76, 114 ms …). Short, because the probes that matter are cheap: a protocol
 * probe from the host answers in about a millisecond, and a Postgres or Redis container is up in
 * ~0.45 s, so a coarse first step is time spent waiting on a service that is already there.
 */
export const FIRST_PROBE_INTERVAL_MS = 10
const BACKOFF = 1.5
/** One probe attempt never waits longer than this, whatever time is left. */
const MAX_ATTEMPT_MS = 5_000

export type ReadinessOutcome =
  | { ready: true; attempts: number }
  | { ready: false; attempts: number; detail: string }

/**
 * Probes until the readiness check passes or its timeout passes: fast at first (a service that is
 * ready in 80 ms is seen by ~80–115 ms, not after a fixed 1 s interval), then backing off. For `all`,
 * a check that passed is not probed again; a probe that throws counts as a failed attempt. Rejects
 * only when `signal` aborts.
 */
export async function waitUntilReady(
  driver: Driver,
  instance: Instance,
  readiness: NormalizedReadiness,
  options: {
    clock: Clock
    signal: AbortSignal
    /** Called after every failed attempt, with the attempt count and what the probe saw. */
    onAttempt?: (attempts: number, detail: string) => void
  },
): Promise<ReadinessOutcome> {
  if (readiness.type === 'none') return { ready: true, attempts: 0 }
  const { clock, signal } = options
  const checks = flatten(readiness)
  const passed = new Set<number>()
  const deadline = clock.now() + readiness.timeoutMs
  let interval = FIRST_PROBE_INTERVAL_MS
  let attempts = 0
  let detail = 'not probed yet'
  for (;;) {
    signal.throwIfAborted()
    attempts++
    const remaining = Math.max(0, deadline - clock.now())
    const timeoutMs = Math.max(100, Math.min(remaining, MAX_ATTEMPT_MS))
    const results = await Promise.all(
      checks.map(async (check, index) => {
        if (passed.has(index)) return { ok: true, detail: '' }
        const result = await driver.probe(instance, check, { timeoutMs, signal }).catch((error: unknown) => {
          signal.throwIfAborted()
          // A probe that could not even be attempted is a failed attempt, not the end of waiting.
          return { ok: false, detail: (error as Error).message }
        })
        if (result.ok) passed.add(index)
        return result
      }),
    )
    const failing = results.find((result) => !result.ok)
    if (failing === undefined) return { ready: true, attempts }
    detail = failing.detail
    options.onAttempt?.(attempts, detail)
    // The last attempt falls on the deadline itself, so "not ready after 60 s" means what it says.
    const left = deadline - clock.now()
    if (left <= 0) return { ready: false, attempts, detail }
    await clock.sleep(Math.min(interval, left), signal)
    interval = Math.min(interval * BACKOFF, readiness.intervalMs)
  }
}

function flatten(readiness: NormalizedReadiness): AtomicReadiness[] {
  if (readiness.type === 'none') return []
  if (readiness.type === 'all') return readiness.checks.flatMap(flatten)
  return [readiness]
}
