import { KeystoreError } from './errors.ts'

/**
 * The one spelling of a key: `users/42`, `users:42` and `:users::42:` are the same key,
 * `users:42`. Drivers only ever see normalised keys, so every backend agrees on them.
 */
export function normalizeKey(key: string): string {
  if (typeof key !== 'string')
    throw new KeystoreError('INVALID_KEY', `a key must be a string, got ${typeof key}`)
  const normalized = key
    .split(/[:/\\]+/)
    .filter((part) => part !== '')
    .join(':')
  if (normalized === '')
    throw new KeystoreError('INVALID_KEY', `"${key}" has no characters besides separators`)
  return normalized
}

/** A base (a key prefix) in the form drivers compare against: empty, or normalised with a trailing `:`. */
export function normalizeBase(base: string | undefined): string {
  if (base === undefined || base.replace(/[:/\\]/g, '') === '') return ''
  return `${normalizeKey(base)}:`
}

/** Joins key segments with the separator, normalising the result. */
export function joinKeys(...parts: readonly string[]): string {
  return normalizeKey(parts.join(':'))
}

/** The key below `base`, or undefined when the key lies outside it. */
export function relativeKey(key: string, base: string): string | undefined {
  if (base === '') return key
  return key.startsWith(base) ? key.slice(base.length) : undefined
}
