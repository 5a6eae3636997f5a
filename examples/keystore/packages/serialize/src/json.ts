import type { Serializer } from './types.js'

/**
 * JSON with tags for what plain JSON loses: `{"$date": iso}`, `{"$bigint": digits}`,
 * `{"$map": entries}`, `{"$set": values}`, `{"$bytes": base64}`. A tagged object has exactly one
 * key, so ordinary objects (even ones with a `$date` key beside others) come back unchanged.
 */
export const json: Serializer = {
  name: 'json',
  stringify: (value) => stringify(value),
  parse: (text) => parse(text),
}

export function stringify(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, current: unknown) {
    // `current` has been through toJSON already (a Date arrives as a string): look at the original.
    const raw = this[key]
    if (raw instanceof Date) return { $date: raw.toISOString() }
    if (typeof raw === 'bigint') return { $bigint: raw.toString() }
    if (raw instanceof Map) return { $map: [...raw.entries()] }
    if (raw instanceof Set) return { $set: [...raw.values()] }
    if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('base64') }
    return current
  })
  if (text === undefined) throw new TypeError(`${typeof value} has no JSON form`)
  return text
}

export function parse(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
    const keys = Object.keys(value)
    if (keys.length !== 1) return value
    const tagged = value as Record<string, unknown>
    switch (keys[0]) {
      case '$date':
        return typeof tagged.$date === 'string' ? new Date(tagged.$date) : value
      case '$bigint':
        return typeof tagged.$bigint === 'string' ? BigInt(tagged.$bigint) : value
      case '$map':
        return Array.isArray(tagged.$map) ? new Map(tagged.$map as [unknown, unknown][]) : value
      case '$set':
        return Array.isArray(tagged.$set) ? new Set(tagged.$set) : value
      case '$bytes':
        return typeof tagged.$bytes === 'string'
          ? new Uint8Array(Buffer.from(tagged.$bytes, 'base64'))
          : value
      default:
        return value
    }
  })
}

export type { Serializer } from './types.js'
