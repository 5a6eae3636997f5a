import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { demuxedLines, LineSplitter } from './log-lines.js'

/** One frame of the engine's multiplexed stream: stream type, three zero bytes, length, payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(8)
  header.writeUInt8(stream, 0)
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

/** A stand-in for dockerode's demuxStream, reading the same frames. */
function demux(
  source: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): void {
  let buffer = Buffer.alloc(0)
  source.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk])
    while (buffer.length >= 8) {
      const length = buffer.readUInt32BE(4)
      if (buffer.length < 8 + length) break
      const payload = buffer.subarray(8, 8 + length)
      ;(buffer[0] === 2 ? stderr : stdout).write(payload)
      buffer = buffer.subarray(8 + length)
    }
  })
}

async function collect(iterable: AsyncIterable<{ stream: string; text: string }>): Promise<string[]> {
  const out: string[] = []
  for await (const line of iterable) out.push(`${line.stream}: ${line.text}`)
  return out
}

describe('LineSplitter', () => {
  it('holds a partial line until its newline, and strips carriage returns', () => {
    const splitter = new LineSplitter()
    expect(splitter.push('one\ntw')).toEqual(['one'])
    expect(splitter.push('o\r\nthr')).toEqual(['two'])
    expect(splitter.end()).toEqual(['thr'])
    expect(splitter.end()).toEqual([])
  })
})

describe('demuxedLines', () => {
  it('tells stdout from stderr, in order, lines split across frames', async () => {
    const source = new PassThrough()
    const lines = collect(demuxedLines(source, demux))
    source.write(frame(1, 'out-1\nout-'))
    source.write(frame(2, 'err-1\n'))
    source.write(Buffer.concat([frame(1, '2\n'), frame(2, 'last')]).subarray(0, 5))
    source.end(Buffer.concat([frame(1, '2\n'), frame(2, 'last')]).subarray(5))
    expect(await lines).toEqual(['stdout: out-1', 'stderr: err-1', 'stdout: out-2', 'stderr: last'])
  })

  it('drops the partial last line when asked (a follow that a full read completes)', async () => {
    const source = new PassThrough()
    const lines = collect(demuxedLines(source, demux, undefined, { keepPartial: false }))
    source.end(Buffer.concat([frame(1, 'whole\n'), frame(1, 'part')]))
    expect(await lines).toEqual(['stdout: whole'])
  })

  it('ends quietly on abort and destroys the stream', async () => {
    const source = new PassThrough()
    const controller = new AbortController()
    const seen: string[] = []
    source.write(frame(1, 'first\n'))
    for await (const line of demuxedLines(source, demux, controller.signal)) {
      seen.push(line.text)
      controller.abort()
    }
    expect(seen).toEqual(['first'])
    expect(source.destroyed).toBe(true)
  })

  it('rethrows a stream that broke by itself', async () => {
    const source = new PassThrough()
    const lines = collect(demuxedLines(source, demux))
    source.destroy(new Error('connection reset'))
    await expect(lines).rejects.toThrow('connection reset')
  })
})
