import { open } from 'node:fs/promises'
import type { LogLine } from '@hearth/driver'

const CHUNK = 64 * 1024

export interface ReadLinesOptions {
  /** Keep reading as the file grows. */
  follow: boolean
  signal?: AbortSignal
  /** With `follow`: true once nothing more will be written (the process exited). */
  finished?: () => boolean
  /** How often to look for new output while following. */
  pollMs?: number
}

/**
 * The lines of a log file that a process appends to, from the start. A last line without its
 * newline is held back while the writer may still finish it, and given out once it cannot.
 */
export async function* readLogLines(file: string, options: ReadLinesOptions): AsyncGenerator<LogLine> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const buffer = Buffer.alloc(CHUNK)
  let position = 0
  let partial = ''
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position)
      if (bytesRead > 0) {
        position += bytesRead
        const lines = (partial + buffer.toString('utf8', 0, bytesRead)).split('\n')
        partial = lines.pop() ?? ''
        for (const text of lines) yield { text: text.replace(/\r$/, ''), stream: 'output' }
        continue
      }
      const done = !options.follow || options.signal?.aborted === true || options.finished?.() === true
      if (done) {
        // One more read: the writer may have finished between our read and its exit.
        const { bytesRead: last } = await handle.read(buffer, 0, CHUNK, position)
        if (last > 0) {
          position += last
          const lines = (partial + buffer.toString('utf8', 0, last)).split('\n')
          partial = lines.pop() ?? ''
          for (const text of lines) yield { text: text.replace(/\r$/, ''), stream: 'output' }
          continue
        }
        if (partial !== '') yield { text: partial, stream: 'output' }
        return
      }
      await delay(options.pollMs ?? 50, options.signal)
    }
  } finally {
    await handle.close()
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
