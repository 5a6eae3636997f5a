/**
 * Masking secrets in what hearth shows and writes: one redactor, used by every view (the lines,
 * `status` and `status --json`, NDJSON events, JUnit, the GitHub summary, the TUI, error messages
 * and the service output hearth shows). The values themselves stay in the store: tests get them
 * through their environment.
 *
 * Three rules:
 * 1. A URL's password is always masked, known or not: `postgres://app:***@127.0.0.1:5432/app`,
 *    also where a message cut it short (`postgres://app:hunt…`, as Vitest's assertion messages do).
 * 2. A whole value that is secret is masked whole, or, when it is a URL with a password, only that
 *    password. A value is secret when its name says so (`isSecretName`: `password`,
 *    `POSTGRES_PASSWORD`, `apiToken`) or when it is exactly one of the known secret values (which
 *    is how outputs and env the config marks are found: by value, since a name like `url` is
 *    secret in one service and not in the next). This covers values of any length.
 * 3. In free text (log lines, error messages, anything else), every known secret value is masked
 *    wherever it occurs, and its URL-encoded form too. Except values shorter than
 *    {@link MIN_FREE_TEXT_SECRET}, which would mask every `a` of a log, and values that hearth shows
 *    openly anyway (the default password `postgres` is also the user name and the image's name):
 *    those are masked by rules 1 and 2 only. A secret that is an ordinary word (`test`) is masked
 *    wherever the word occurs: pick distinctive secrets. The start of a secret cut short by a `…`
 *    (at least {@link MIN_FREE_TEXT_SECRET} characters of it) is masked too.
 */

import { isSecretName } from './secrets.js'

/** What a masked value reads as. */
export const MASK = '***'

/** Shorter secret values are masked by rules 1 and 2 only, not wherever they occur in free text. */
export const MIN_FREE_TEXT_SECRET = 4

export interface RedactorInput {
  /** Secret values (passwords, tokens, URLs that hold one). */
  secrets?: Iterable<string>
  /**
   * Values hearth shows openly (a user name, a database name, the words of an image reference): a
   * secret equal to one is masked by rules 1 and 2 only (where its name or place says it is secret).
   */
  publicValues?: Iterable<string>
}

export interface Redactor {
  /** Free text with every secret masked (rules 1 to 3). */
  text(text: string): string
  /** A value under `name`: masked whole when the name says it is secret (rule 2), else as text. */
  entry(name: string, value: string): string
  /**
   * Any JSON-like value with every string in it redacted: entries of plain objects through `entry`,
   * other strings through `text`. Objects that need no change come back as they are (the same
   * object), so unchanged parts of a large state are cheap to redact again.
   */
  value<T>(value: T): T
  /** Whether a name's values are secret here. */
  isSecret(name: string): boolean
  /** The values hunted for in free text (for tests and diagnostics: never print it). */
  readonly hunted: readonly string[]
}

/**
 * `scheme://user:password@`: the password is what is masked. Userinfo and password stop at
 * characters a URL's userinfo cannot hold unencoded (whitespace, quotes, `/ ? # @`).
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"<>`]*):([^\s/?#@'"<>`…]+)(@|…)/gi

/** Rule 1 alone: every URL's password masked, a cut one (`postgres://u:hunt…`) too. */
export function maskUrlPasswords(text: string): string {
  if (!text.includes('://')) return text
  return text.replace(URL_PASSWORD, (match, before: string, password: string, end: string) =>
    password === MASK ? match : `${before}:${MASK}${end}`,
  )
}

/** A secret value masked whole, or, for a URL with a password, only that password. */
export function maskValue(value: string): string {
  if (value === '') return value
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    // Masked again, it stays as it was: `postgres://app:***@…` is not masked whole the second time.
    const masked = maskUrlPasswords(value)
    if (masked.includes(`:${MASK}@`)) return masked
  }
  return MASK
}

/** The password of a URL (decoded), or null. */
export function urlPassword(value: string): string | null {
  if (!value.includes('://')) return null
  try {
    const url = new URL(value)
    return url.password === '' ? null : decodeURIComponent(url.password)
  } catch {
    return null
  }
}

export function createRedactor(input: RedactorInput = {}): Redactor {
  const isSecret = isSecretName
  const publicValues = new Set(input.publicValues ?? [])
  /** Rule 2: whole values that are secret. */
  const whole = new Set<string>()
  /** Rule 3: values hunted for in free text. */
  const hunted = new Set<string>()
  const add = (secret: string): void => {
    // Shown openly elsewhere (the user `postgres`, the image `postgres:16-alpine`): masking it
    // wherever it occurs would hide nothing and garble everything.
    if (secret === '' || publicValues.has(secret)) return
    whole.add(secret)
    if (secret.length < MIN_FREE_TEXT_SECRET) return
    hunted.add(secret)
    const encoded = encodeURIComponent(secret)
    if (encoded !== secret) hunted.add(encoded)
  }
  for (const secret of input.secrets ?? []) {
    add(secret)
    const password = urlPassword(secret)
    if (password !== null) add(password)
  }
  // Longest first: a secret that holds another is masked whole.
  const list = [...hunted].sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
  const pattern =
    list.length === 0
      ? null
      : new RegExp(list.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')

  /** The start of a hunted secret right before a `…` (a message cut it short). */
  const maskCut = (value: string): string =>
    value.replace(/[^\s'"`]+…/g, (token) => {
      const before = token.slice(0, -1)
      for (const secret of list) {
        for (
          let length = Math.min(secret.length - 1, before.length);
          length >= MIN_FREE_TEXT_SECRET;
          length--
        ) {
          if (before.endsWith(secret.slice(0, length)))
            return `${before.slice(0, before.length - length)}${MASK}…`
        }
      }
      return token
    })
  const text = (value: string): string => {
    if (whole.has(value)) return maskValue(value)
    let masked = maskUrlPasswords(value)
    if (pattern !== null) masked = masked.replace(pattern, MASK)
    return list.length > 0 && masked.includes('…') ? maskCut(masked) : masked
  }
  const entry = (name: string, value: string): string => (isSecret(name) ? maskValue(value) : text(value))

  const done = new WeakMap<object, unknown>()
  const walk = (value: unknown, name: string | null): unknown => {
    if (typeof value === 'string') return name === null ? text(value) : entry(name, value)
    if (typeof value !== 'object' || value === null) return value
    const cached = done.get(value)
    if (cached !== undefined) return cached
    let result: unknown = value
    if (Array.isArray(value)) {
      const items = value.map((item) => walk(item, null))
      if (items.some((item, index) => item !== value[index])) result = items
    } else {
      const prototype = Object.getPrototypeOf(value)
      // Maps, class instances, RegExps: not data a view prints.
      if (prototype === Object.prototype || prototype === null) {
        let changed = false
        const copy: Record<string, unknown> = prototype === null ? Object.create(null) : {}
        for (const [key, member] of Object.entries(value)) {
          const redacted = walk(member, key)
          if (redacted !== member) changed = true
          copy[key] = redacted
        }
        if (changed) result = copy
      }
    }
    done.set(value, result)
    return result
  }

  return {
    text,
    entry,
    value: <T>(value: T): T => walk(value, null) as T,
    isSecret,
    hunted: list,
  }
}
