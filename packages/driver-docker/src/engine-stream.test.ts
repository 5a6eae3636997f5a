import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  buildStep,
  type EngineEvent,
  PullProgress,
  readEngineStream,
  throttleProgress,
} from './engine-stream.js'

function streamOf(...chunks: string[]): PassThrough {
  const stream = new PassThrough()
  queueMicrotask(() => {
    for (const chunk of chunks) stream.write(chunk)
    stream.end()
  })
  return stream
}

describe('readEngineStream', () => {
  it('hands over one message per JSON line, across chunk boundaries', async () => {
    const events: EngineEvent[] = []
    await readEngineStream(
      streamOf('{"status":"Pulling fs layer","id":"a"}\n{"stat', 'us":"Done"}\n{"stream":"x"}'),
      (e) => events.push(e),
    )
    expect(events).toEqual([{ status: 'Pulling fs layer', id: 'a' }, { status: 'Done' }, { stream: 'x' }])
  })

  it('rejects with the error the engine reports inside the stream', async () => {
    const events: EngineEvent[] = []
    const reading = readEngineStream(
      streamOf(
        '{"stream":"Step 2/2 : RUN exit 3"}\n',
        '{"errorDetail":{"message":"returned a non-zero code: 3"},"error":"x"}\n',
      ),
      (e) => events.push(e),
    )
    await expect(reading).rejects.toThrow('returned a non-zero code: 3')
    expect(events).toHaveLength(2)
  })

  it('stops on abort with the abort’s reason', async () => {
    const stream = new PassThrough()
    const controller = new AbortController()
    const reading = readEngineStream(stream, () => undefined, controller.signal)
    controller.abort(new Error('enough'))
    await expect(reading).rejects.toThrow('enough')
    expect(stream.destroyed).toBe(true)
  })
})

describe('PullProgress', () => {
  it('sums the layers into one fraction and says how many are done', () => {
    const progress = new PullProgress('postgres:16-alpine')
    expect(progress.update({ status: 'Pulling from library/postgres', id: '16-alpine' })).toEqual({
      message: 'pulling postgres:16-alpine',
    })
    const layered = new PullProgress('postgres:16-alpine')
    layered.update({ status: 'Pulling fs layer', id: 'a' })
    layered.update({ status: 'Pulling fs layer', id: 'b' })
    expect(
      layered.update({
        status: 'Downloading',
        id: 'a',
        progressDetail: { current: 1024 * 1024, total: 4 * 1024 * 1024 },
      }),
    ).toEqual({
      message: 'pulling postgres:16-alpine (0/2 layers, 1.0 MB of 4.0 MB)',
      fraction: 0.25,
    })
    layered.update({ status: 'Pull complete', id: 'a' })
    layered.update({ status: 'Digest: sha256:abc' })
    expect(layered.update({ status: 'Already exists', id: 'b' })).toEqual({
      message: 'pulling postgres:16-alpine (2/2 layers, 4.0 MB of 4.0 MB)',
      fraction: 1,
    })
  })
})

describe('throttleProgress', () => {
  it('reports at most once per interval, and flushes the last held report', () => {
    let now = 0
    const seen: string[] = []
    const throttle = throttleProgress(
      (p) => seen.push(p.message),
      250,
      () => now,
    )
    throttle.push({ message: 'a' })
    now = 100
    throttle.push({ message: 'b' })
    throttle.push({ message: 'c' })
    now = 260
    throttle.push({ message: 'd' })
    now = 300
    throttle.push({ message: 'e' })
    throttle.flush()
    throttle.flush()
    expect(seen).toEqual(['a', 'd', 'e'])
  })
})

describe('buildStep', () => {
  it('reads the step a build line announces', () => {
    expect(buildStep('Step 3/7 : RUN make')).toEqual({ step: 3, of: 7 })
    expect(buildStep(' ---> Running in 1234')).toBeNull()
  })
})
