import type { Serializer } from './types.js'

/** `JSON.stringify` / `JSON.parse`: what most stores use, and what every client can read. */
export const plain: Serializer = {
  name: 'plain',
  stringify: (value) => {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`${typeof value} has no JSON form`)
    return text
  },
  parse: (text) => JSON.parse(text),
}

export function isSerializer(value: unknown): value is Serializer {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Serializer>
  return typeof candidate.stringify === 'function' && typeof candidate.parse === 'function'
}
