import { KeystoreError } from './errors.ts'
import type { Ttl } from './types.ts'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** A TTL in milliseconds. Throws on a negative, non-finite or unparseable TTL. */
export function parseTtl(ttl: Ttl): number {
  let ms: number
  if (typeof ttl === 'number') {
    ms = ttl
  } else {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(ttl)
    if (!match)
      throw new KeystoreError('INVALID_TTL', `"${ttl}" is not a duration (use e.g. 500ms, 30s, 5m, 1h, 7d)`)
    ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
  }
  if (!Number.isFinite(ms) || ms <= 0)
    throw new KeystoreError('INVALID_TTL', `a TTL must be positive, got ${ttl}`)
  return Math.round(ms)
}

/** When an item written now with this TTL expires (null: never). */
export function expiresAt(ttl: Ttl | undefined, now: number = Date.now()): number | null {
  return ttl === undefined ? null : now + parseTtl(ttl)
}

export function isExpired(expiresAtMs: number | null, now: number = Date.now()): boolean {
  return expiresAtMs !== null && expiresAtMs <= now
}
