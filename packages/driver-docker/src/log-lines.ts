import { Writable } from 'node:stream'
import type { LogLine } from '@hearth/driver'

/** Splits one stream's chunks into lines, holding back a last line until its newline (or the end) arrives. */
export class LineSplitter {
  private partial = ''

  /** The complete lines in `chunk` (with what was held before it). */
  push(chunk: string): string[] {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    return lines.map((line) => line.replace(/\r$/, ''))
  }

  /** The held last line, if any: the stream ended without a final newline. */
  end(): string[] {
    const rest = this.partial
    this.partial = ''
    return rest === '' ? [] : [rest.replace(/\r$/, '')]
  }
}

type Demux = (
  stream: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
) => void

/**
 * The lines of a multiplexed engine stream (container logs, exec output without a TTY), stdout
 * and stderr told apart by `demux` (dockerode's `modem.demuxStream`), in the order the engine sent
 * them. Ends with the stream; on `signal` it destroys the stream and ends quietly. A last line
 * without its newline is given out at the end, unless `keepPartial` is false.
 */
export async function* demuxedLines(
  stream: NodeJS.ReadableStream,
  demux: Demux,
  signal?: AbortSignal,
  options: { keepPartial?: boolean } = {},
): AsyncGenerator<LogLine> {
  const queue: LogLine[] = []
  let finished = false
  let failure: unknown = null
  let wake: (() => void) | null = null
  const notify = (): void => {
    const resume = wake
    wake = null
    resume?.()
  }
  const sink = (name: 'stdout' | 'stderr', splitter: LineSplitter): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const text of splitter.push(chunk.toString('utf8'))) queue.push({ text, stream: name })
        notify()
        callback()
      },
    })
  const out = new LineSplitter()
  const err = new LineSplitter()
  const end = (): void => {
    if (finished) return
    if (options.keepPartial !== false) {
      for (const text of out.end()) queue.push({ text, stream: 'stdout' })
      for (const text of err.end()) queue.push({ text, stream: 'stderr' })
    }
    finished = true
    notify()
  }
  const onAbort = (): void => {
    ;(stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.()
    end()
  }
  demux(stream, sink('stdout', out), sink('stderr', err))
  stream.on('end', end)
  stream.on('close', end)
  stream.on('error', (error: unknown) => {
    failure = error
    end()
  })
  if (signal?.aborted) onAbort()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      const line = queue.shift()
      if (line !== undefined) {
        yield line
        continue
      }
      if (finished) break
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
    // An aborted follow ends quietly; a connection that broke on its own is an error.
    if (failure !== null && signal?.aborted !== true) throw failure
  } finally {
    signal?.removeEventListener('abort', onAbort)
    ;(stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.()
  }
}
