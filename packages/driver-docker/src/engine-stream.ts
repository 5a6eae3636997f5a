import type { PrepareProgress } from '@hearth/driver'

/** One message of a pull or build stream (the engine writes one JSON object per line). */
export interface EngineEvent {
  status?: string
  id?: string
  progressDetail?: { current?: number; total?: number }
  /** Build output. */
  stream?: string
  /** Build result: `{ ID: 'sha256:…' }`. */
  aux?: { ID?: string }
  error?: string
  errorDetail?: { message?: string }
}

/**
 * Reads a pull or build stream to its end, handing each JSON message to `onEvent`. Rejects with
 * the engine's message when the stream carries an error (a failed pull or build answers HTTP 200
 * and reports the failure inside the stream), and when `signal` aborts.
 */
export function readEngineStream(
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    let failure: string | null = null
    const handle = (line: string): void => {
      if (line.trim() === '') return
      let event: EngineEvent
      try {
        event = JSON.parse(line) as EngineEvent
      } catch {
        event = { stream: `${line}\n` }
      }
      if (event.error !== undefined || event.errorDetail?.message !== undefined) {
        failure ??= event.errorDetail?.message ?? event.error ?? 'unknown error'
      }
      onEvent(event)
    }
    const onAbort = (): void => {
      ;(stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.()
      finish(signal?.reason ?? new Error('aborted'))
    }
    let done = false
    const finish = (error: unknown): void => {
      if (done) return
      done = true
      signal?.removeEventListener('abort', onAbort)
      if (error !== null) reject(error)
      else if (failure !== null) reject(new Error(failure))
      else resolve()
    }
    if (signal?.aborted) {
      onAbort()
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) handle(line)
    })
    stream.on('end', () => {
      handle(buffered)
      finish(null)
    })
    stream.on('error', (error: unknown) => finish(error))
  })
}

const LAYER_STATUS =
  /^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)/

/**
 * A pull's progress over all its layers: what the engine reports per layer (`Downloading`,
 * `Extracting`, with bytes), summed into one fraction. Layers whose size is not known yet count
 * as not started.
 */
export class PullProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>()

  constructor(private readonly reference: string) {}

  /** Takes one event; returns the progress to show. */
  update(event: EngineEvent): PrepareProgress {
    // `Pulling from library/postgres` carries the tag as its id: only layer messages count.
    if (event.id !== undefined && event.status !== undefined && LAYER_STATUS.test(event.status)) {
      const layer = this.layers.get(event.id) ?? { current: 0, total: 0, done: false }
      const detail = event.progressDetail
      if (/^Downloading/.test(event.status) && detail?.total !== undefined && detail.total > 0) {
        layer.total = detail.total
        layer.current = detail.current ?? layer.current
      } else if (/^(Download complete|Pull complete|Already exists|Verifying Checksum)/.test(event.status)) {
        layer.current = layer.total
        layer.done = true
      }
      this.layers.set(event.id, layer)
    }
    let current = 0
    let total = 0
    let done = 0
    for (const layer of this.layers.values()) {
      current += layer.current
      total += layer.total
      if (layer.done) done += 1
    }
    const layers = this.layers.size
    const message =
      layers === 0
        ? `pulling ${this.reference}`
        : `pulling ${this.reference} (${done}/${layers} layers${total > 0 ? `, ${formatBytes(current)} of ${formatBytes(total)}` : ''})`
    const fraction =
      layers === 0 ? undefined : total > 0 && done < layers ? Math.min(current / total, 0.99) : done / layers
    return fraction === undefined ? { message } : { message, fraction }
  }
}

/**
 * Calls `report` at most once per `intervalMs` (the first call at once); `flush` sends the last
 * held value. A pull reports per layer many times a second: users need a few updates a second.
 */
export function throttleProgress(
  report: ((progress: PrepareProgress) => void) | undefined,
  intervalMs: number,
  now: () => number = Date.now,
): { push(progress: PrepareProgress): void; flush(): void } {
  let last = Number.NEGATIVE_INFINITY
  let held: PrepareProgress | null = null
  return {
    push(progress) {
      if (report === undefined) return
      if (now() - last >= intervalMs) {
        last = now()
        held = null
        report(progress)
      } else {
        held = progress
      }
    },
    flush() {
      if (report === undefined || held === null) return
      report(held)
      held = null
      last = now()
    },
  }
}

/** The build step a build output line announces: `Step 3/7 : RUN make` → `step 3/7`. */
export function buildStep(line: string): { step: number; of: number } | null {
  const match = /^Step (\d+)\/(\d+) :/.exec(line)
  return match === null ? null : { step: Number(match[1]), of: Number(match[2]) }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}
