import { stripVTControlCharacters } from 'node:util'
import type { Driver, Instance, LogLine } from '@hearth/driver'
import type { Clock } from '../../clock.js'
import type { ChangeSummary, Controller } from '../../store/controller.js'
import type { HearthStore } from '../../store/create-store.js'
import type { HearthState, ServiceKey, ServiceStatus } from '../../store/state.js'
import type { LogEntry } from './state.js'

/** A batch this long is dispatched at once, without waiting for the flush interval. */
export const LOG_BATCH_LINES = 500
/** Longer lines are cut to this many characters, the last one an ellipsis. */
export const LOG_LINE_MAX = 4000
const DEFAULT_FLUSH_MS = 50
/** How long a follow may go on after its instance left state, to read what it printed last. */
const FINAL_READ_MS = 2000

/**
 * The statuses in which a service's instance is followed. `stopping` too: what a service prints
 * while it shuts down (a database's checkpoint, a server's last error) is often what explains a
 * stop that hangs. The follow ends when the instance exits, or when `stopped` takes it out of state.
 */
const FOLLOWED: ReadonlySet<ServiceStatus> = new Set<ServiceStatus>([
  'starting',
  'probing',
  'ready',
  'completed',
  'failed',
  'stopping',
])

export interface LogFollowerOptions {
  store: HearthStore
  clock: Clock
  /**
   * The runtime handle of a service's current instance (the environment controller's `handleOf`),
   * or null when it has none. A query: the follower never starts or stops anything.
   */
  handleOf(key: ServiceKey): { driver: Driver; instance: Instance } | null
  /** How long lines may wait to be dispatched; at most one `service/log` per service per interval. Default 50. */
  flushMs?: number
}

interface Follow {
  instanceId: string
  controller: AbortController
  /** Its instance left state: it reads to the end of the output, for FINAL_READ_MS at most. */
  ending: boolean
  /** Settles when the follow has ended (it never rejects). */
  done: Promise<void>
}

/**
 * Follows the output of every service instance in state into the store, as `service/log` actions:
 * each instance once, from its start, from `service/started` until it exits, is replaced (a
 * restart: a marker line first, so views see the boundary) or leaves state (stopped, idle).
 * Lines are cleaned (ANSI and other VT control sequences stripped, long ones cut) and batched per
 * service: one action per service per `flushMs`, or at once when a batch reaches
 * `LOG_BATCH_LINES`.
 *
 * Contract: `onChange` only compares state with the follows it runs and starts or aborts them; the
 * reading happens in tasks that dispatch. A follow that fails (the driver lost its runtime, the
 * instance vanished) ends quietly: the output is a courtesy, the environment controller reports
 * what went wrong with the service.
 */
export class LogFollower implements Controller {
  readonly name = 'logs'
  private readonly store: HearthStore
  private readonly clock: Clock
  private readonly handleOf: LogFollowerOptions['handleOf']
  private readonly flushMs: number
  /**
   * The follow of each service's latest instance: kept after it ended, so that its instance is
   * never read from the start a second time.
   */
  private readonly follows = new Map<ServiceKey, Follow>()
  /** Lines read and not yet dispatched, per service, oldest first. */
  private readonly batches = new Map<ServiceKey, LogEntry[]>()
  /** The pending flush: its timer (to cancel it) and when it has run. */
  private flushTimer: { controller: AbortController; flushed: Promise<void> } | null = null
  private stopped = false

  constructor(options: LogFollowerOptions) {
    this.store = options.store
    this.clock = options.clock
    this.handleOf = options.handleOf
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS
  }

  onChange(state: HearthState, change: ChangeSummary): void {
    if (this.stopped) return
    // Our own output changes no instance: skip the scan.
    if (change.actions.every((action) => action.type === 'service/log')) return

    for (const [key, follow] of this.follows) {
      if (state.services[key] === undefined) follow.controller.abort()
    }
    for (const service of Object.values(state.services)) {
      const current = this.follows.get(service.key)
      // Followed when this session wants it running (not what `status` or `down` only observe),
      // and on until it is gone once followed (its shutdown lines).
      const followed =
        service.instance !== null &&
        FOLLOWED.has(service.status) &&
        (service.desired === 'running' || current?.instanceId === service.instance.id)
      const wanted = followed ? (service.instance?.id ?? null) : null
      if (wanted === null) {
        if (current !== undefined && !current.ending) {
          // Out of state (stopped): its last lines may not have been read yet. The driver ends
          // the follow when the output ends; the grace period bounds a driver that does not.
          current.ending = true
          this.clock.sleep(FINAL_READ_MS, current.controller.signal).then(
            () => current.controller.abort(),
            () => undefined,
          )
        }
        continue
      }
      if (current?.instanceId === wanted) continue
      // The controller records the handle before it dispatches `service/started`, so they agree;
      // if not (yet), a later change tries again.
      const handle = this.handleOf(service.key)
      if (handle === null || handle.instance.id !== wanted) continue
      current?.controller.abort()
      const log = state.logs[service.key]
      if ((log !== undefined && log.end > 0) || (this.batches.get(service.key)?.length ?? 0) > 0) {
        this.add(service.key, {
          text: `── restarted (instance ${shortId(wanted)}) ──`,
          stream: 'output',
          at: this.clock.now(),
        })
      }
      const controller = new AbortController()
      const done = this.follow(service.key, handle.driver, handle.instance, controller.signal)
      this.follows.set(service.key, { instanceId: wanted, controller, done, ending: false })
    }
  }

  /** No line waits to be dispatched. */
  isIdle(): boolean {
    return this.batches.size === 0
  }

  /**
   * Resolves once the lines read so far have been dispatched (at the next flush). Follows go on
   * while their instances run: this does not wait for them.
   */
  async idle(): Promise<void> {
    await this.flushTimer?.flushed
  }

  /**
   * Aborts every follow, waits for them to end, and dispatches what was read. Later changes start
   * nothing. For the session's close; safe to call twice.
   */
  async stop(): Promise<void> {
    this.stopped = true
    for (const follow of this.follows.values()) follow.controller.abort()
    await Promise.all([...this.follows.values()].map((follow) => follow.done))
    this.flushTimer?.controller.abort()
    this.flushTimer = null
    this.flush()
  }

  private async follow(
    key: ServiceKey,
    driver: Driver,
    instance: Instance,
    signal: AbortSignal,
  ): Promise<void> {
    let iterator: AsyncIterator<LogLine>
    try {
      iterator = driver.logs(instance, { follow: true, signal })[Symbol.asyncIterator]()
    } catch {
      return
    }
    for (;;) {
      let result: IteratorResult<LogLine> | 'aborted'
      try {
        result = await nextOrAbort(iterator, signal)
      } catch {
        // The driver lost the instance or its runtime: the follow ends, the service's state says why.
        return
      }
      // Aborted after the line came but before we got to it: the line belongs before what was
      // added since (a restart's marker), so it is dropped.
      if (result === 'aborted' || signal.aborted) {
        // Let the driver release what it holds (a file, a stream) once its pending read settles.
        iterator.return?.()?.catch(() => undefined)
        return
      }
      if (result.done === true) return
      const { text, stream } = result.value
      this.add(key, { text: cleanLogText(text), stream, at: this.clock.now() })
    }
  }

  private add(key: ServiceKey, entry: LogEntry): void {
    let batch = this.batches.get(key)
    if (batch === undefined) {
      batch = []
      this.batches.set(key, batch)
    }
    batch.push(entry)
    if (batch.length >= LOG_BATCH_LINES) this.flushService(key)
    else this.scheduleFlush()
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null || this.stopped) return
    const controller = new AbortController()
    const flushed = this.clock.sleep(this.flushMs, controller.signal).then(
      () => {
        this.flushTimer = null
        this.flush()
      },
      // Cancelled by `stop`, which flushes itself.
      () => undefined,
    )
    this.flushTimer = { controller, flushed }
  }

  private flush(): void {
    for (const key of [...this.batches.keys()]) this.flushService(key)
  }

  private flushService(key: ServiceKey): void {
    const lines = this.batches.get(key)
    if (lines === undefined || lines.length === 0) return
    // Taken out before the dispatch: listeners run synchronously and may add lines.
    this.batches.delete(key)
    this.store.dispatch({ type: 'service/log', at: this.clock.now(), key, lines })
  }
}

/**
 * A line as views can show it: VT control sequences (colours, cursor moves) stripped; a carriage
 * return keeps what a terminal would show, the text after the last one (progress bars redraw a line
 * that way); cut to `LOG_LINE_MAX` characters with an ellipsis.
 */
export function cleanLogText(text: string): string {
  let clean = stripVTControlCharacters(text).replace(/\r+$/, '')
  const cr = clean.lastIndexOf('\r')
  if (cr !== -1) clean = clean.slice(cr + 1)
  if (clean.length <= LOG_LINE_MAX) return clean
  let cut = LOG_LINE_MAX - 1
  // Do not split a surrogate pair (an emoji) in two.
  const last = clean.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut--
  return `${clean.slice(0, cut)}…`
}

/**
 * The iterator's next line, or `aborted` as soon as the signal aborts: a driver may not notice the
 * abort before its next line, and the follow must end on the abort itself. (A listener per read,
 * removed after: racing one long-lived promise would keep a reaction per line until the abort.)
 */
function nextOrAbort<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted')
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve('aborted')
    signal.addEventListener('abort', onAbort, { once: true })
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort)
        resolve(result)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        // Once aborted nobody awaits this any more, and the rejection is dropped.
        reject(error)
      },
    )
  })
}

/** A container id as `docker ps` shows it (12 hex digits); other ids (processes) as they are. */
function shortId(id: string): string {
  return /^[0-9a-f]{16,}$/.test(id) ? id.slice(0, 12) : id
}
