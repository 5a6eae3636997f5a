/**
 * How config problems speak about values: their type, a value quoted, a did-you-mean. Every user
 * value a message shows goes through `quote` or `typeName`, so a message never holds a raw control
 * character nor a megabyte of someone's string.
 */

import { types } from 'node:util'

const LONGEST_QUOTE = 80

/**
 * `a string`, `an array`, `null`: what a value is, for "expected …, got …". For snapshot values
 * (plain data): `Array.isArray` throws on a revoked proxy.
 */
export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  const type = typeof value
  if (type === 'function') return standIns.get(value as object) ?? 'a function'
  if (type !== 'object') return `a ${type}`
  if (Array.isArray(value)) return 'an array'
  return types.isRegExp(value) ? 'a RegExp' : 'an object'
}

const standIns = new WeakMap<object, string>()

/**
 * A stand-in for a value that is no config data (a function, a Date, a Promise…), which `typeName`
 * names. A function, so that a schema takes it for nothing else.
 */
export function standIn(what: string): () => void {
  const value = (): void => {}
  standIns.set(value, what)
  return value
}

/** A value as it would be written: strings in JSON quotes (cut short when long), others by type. */
export function quote(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > LONGEST_QUOTE
      ? `${JSON.stringify(value.slice(0, LONGEST_QUOTE))}… (${value.length} characters)`
      : JSON.stringify(value)
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  if (typeof value === 'symbol') return printable(String(value))
  return value === undefined || value === null ? String(value) : typeName(value)
}

/** Text from elsewhere (an error message) on one line, without control characters, not too long. */
export function printable(text: string): string {
  const line = text.split('\n', 1)[0] ?? ''
  const clean = line.replace(/\p{Cc}/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean
}

/** The closest candidate within a small edit distance (or equal ignoring case), else null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  // A long word is no typo of a field name, and comparing it costs its length times theirs.
  if (word.length > 64) return null
  let best: string | null = null
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === word.toLowerCase()) return candidate
    if (candidate.length > 64) continue
    const distance = editDistance(word, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  // Short words get one edit, but never all of them: "x" is no typo of "c".
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)))
  return bestDistance <= limit && bestDistance < word.length ? best : null
}

/**
 * Edit distance counting a swap of two neighbours as one edit (optimal string alignment), because
 * `paht`, `evn` and `hots` are the typos people make, and plain Levenshtein scores them 2.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let distance = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (before[j - 2] as number) + 1)
      }
      current.push(distance)
    }
    before = previous
    previous = current
  }
  return previous[b.length] as number
}
