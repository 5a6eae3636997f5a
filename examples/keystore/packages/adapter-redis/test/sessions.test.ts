import { readFileSync } from 'node:fs'
import { json } from '@keystore/serialize/json'
import { randomId, sleep } from '@keystore/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../src/index.ts'
import { redisUrl } from './redis-url.ts'

// Sessions as an app would write them. Read relative to the package: run this from its folder.
const sessions = JSON.parse(readFileSync('test/fixtures/sessions.json', 'utf8')) as {
  id: string
  user: string
  ttl: '1h' | '100ms'
}[]

describe('sessions with TTLs', () => {
  const store = createRedisStore({ url: redisUrl(), base: `sessions-test:${randomId()}`, serializer: json })

  beforeAll(async () => {
    for (const session of sessions) {
      await store.set(
        `session:${session.id}`,
        { user: session.user, seen: new Date(0) },
        { ttl: session.ttl },
      )
    }
  })
  afterAll(async () => {
    await store.clear()
    await store.dispose()
  })

  it('keeps what the serializer tags', async () => {
    const first = await store.get<{ user: string; seen: Date }>(`session:${sessions[0]!.id}`)
    expect(first?.seen).toBeInstanceOf(Date)
  })

  it('lets short-lived sessions expire', async () => {
    await sleep(300)
    const longLived = sessions
      .filter((session) => session.ttl === '1h')
      .map((session) => `session:${session.id}`)
    expect(await store.keys('session')).toEqual(longLived.sort())
  })
})
