import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  clientMismatches,
  connectClient,
  differences,
  expiryOutcome,
  fragmentedReply,
  tableMismatches,
  tableReplies,
  WIRE_CASES,
  wireOutcome,
} from './checks.js'
import { TABLE } from './conformance-table.js'
import { pipeline, render } from './resp.js'
import { type RunningServer, startRedisContainer, startStandIn } from './servers.js'

/**
 * The stand-in against real Redis (redis-server 7.0 in the offline test image), side by side: the
 * same requests must get the same replies, byte for byte in type and value.
 */
let redis: RunningServer
let standIn: RunningServer

beforeAll(async () => {
  ;[redis, standIn] = await Promise.all([
    startRedisContainer(`dev.hearth.test=env-redis-conformance-${process.pid}`),
    startStandIn(),
  ])
})

afterAll(async () => {
  await Promise.all([redis?.stop(), standIn?.stop()])
})

describe('conformance with redis-server 7', () => {
  it('real Redis gives the replies the table says', async () => {
    expect(tableMismatches(await tableReplies(redis.port))).toEqual([])
  })

  it(`the stand-in gives the same ${TABLE.length} replies as real Redis`, async () => {
    const [real, stand] = await Promise.all([tableReplies(redis.port), tableReplies(standIn.port)])
    expect(differences(real, stand)).toEqual([])
  })

  it('ioredis gets the same values from both, one command at a time and pipelined', async () => {
    const [real, stand] = await Promise.all([tableReplies(redis.port), tableReplies(standIn.port)])
    for (const mode of ['sequential', 'pipeline'] as const) {
      expect(await clientMismatches(redis.port, real, mode)).toEqual([])
      expect(await clientMismatches(standIn.port, stand, mode)).toEqual([])
    }
  })

  it('answers raw and malformed requests alike, and hangs up alike', async () => {
    for (const { name, send, replies, closes } of WIRE_CASES) {
      const [real, stand] = await Promise.all([
        wireOutcome(redis.port, send, replies.length, closes),
        wireOutcome(standIn.port, send, replies.length, closes),
      ])
      expect({ name, ...real }).toEqual({ name, replies, closed: closes })
      expect({ name, ...stand }).toEqual({ name, ...real })
    }
    for (const port of [redis.port, standIn.port]) {
      expect((await pipeline(port, [['EXISTS', 'after-quit']])).map(render)).toEqual([':0'])
    }
  })

  it('reassembles a request that arrives a byte at a time', async () => {
    const [real, stand] = await Promise.all([fragmentedReply(redis.port), fragmentedReply(standIn.port)])
    expect(stand).toBe(real)
  })

  it('expires keys alike', async () => {
    const [real, stand] = await Promise.all([expiryOutcome(redis.port), expiryOutcome(standIn.port)])
    expect(real).toEqual([':1', '["stays"]', '(nil)', ':-2', ':0', ':100'])
    expect(stand).toEqual(real)
  })

  it('describes its commands as Redis does: name, arity and key positions (COMMAND INFO)', async () => {
    const names = (await pipeline(standIn.port, [['COMMAND', 'LIST']]))[0]
    if (names?.type !== 'array') throw new Error('COMMAND LIST did not answer a list')
    const request = [['COMMAND', 'INFO', ...names.items.map((item) => render(item).slice(1, -1))]]
    const shape = async (port: number) => {
      const [reply] = await pipeline(port, request)
      if (reply?.type !== 'array') throw new Error(`COMMAND INFO answered ${reply && render(reply)}`)
      return reply.items.map((info) =>
        info.type === 'array'
          ? render({ type: 'array', items: [0, 1, 3, 4, 5].map((i) => info.items[i]!) })
          : render(info),
      )
    }
    expect(await shape(standIn.port)).toEqual(await shape(redis.port))
  })

  it('says what it is in INFO, in the fields clients read', async () => {
    for (const port of [redis.port, standIn.port]) {
      const client = await connectClient(port)
      const info = await client.info()
      client.disconnect()
      expect(info).toMatch(/^# Server\r\n/)
      expect(info).toMatch(/\r\nredis_version:7\.\d+\.\d+\r\n/)
      expect(info).toMatch(/\r\nredis_mode:standalone\r\n/)
      expect(info).toMatch(/\r\nloading:0\r\n/)
    }
  })
})
