import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeAtomically } from './compile-config.js'
import type { Snapshot } from './config-snapshot.js'
import type { NormalizedConfig } from './types.js'
import type { ValidateOptions } from './validate.js'

/**
 * The validated config, kept beside the compiled one (`node_modules/.cache/hearth/`), so that a
 * command whose config has not changed never loads the validator (zod and the schema: ~130 ms of
 * every command's start on these machines).
 *
 * The key is the config's snapshot, the plain-data copy validation starts from, written out whole
 * (every value, in order, and the file each environment was defined in), with the validator's own
 * files and the options: the same key is the same input to the same code, so the same result.
 * Only a config that validated is kept.
 *
 * Nothing the config holds is written in clear: a string of the result that is also in the
 * snapshot (a password, a token read from the environment) is kept as the place it is read from,
 * and put back from the snapshot taken on the next run. The key is a hash.
 */

/** Bumped when the kept form changes. */
const FORMAT = 1

export interface ConfigCache {
  /** What is kept for this snapshot (the snapshot written out once, for both). */
  look(snapshot: Snapshot): {
    /** The result kept for it, or null (none kept, another config, unreadable). */
    config: NormalizedConfig | null
    /** Keeps a config validated from it (quietly not, when it cannot be written). */
    keep(config: NormalizedConfig): void
  }
}

/**
 * The cache for the config file `file` (absolute), or null: HEARTH_CONFIG_CACHE=0, no `node_modules`
 * beside the config, or the validator's files not found (nothing to key the validator by).
 */
export function configCache(
  file: string,
  options: ValidateOptions,
  env: NodeJS.ProcessEnv = process.env,
): ConfigCache | null {
  if (env.HEARTH_CONFIG_CACHE === '0') return null
  const modules = path.join(path.dirname(file), 'node_modules')
  if (!statSync(modules, { throwIfNoEntry: false })?.isDirectory()) return null
  const validator = validatorFingerprint()
  if (validator === null) return null
  const dir = path.join(modules, '.cache', 'hearth')
  const kept = path.join(
    dir,
    `validated-${createHash('sha256').update(file).digest('hex').slice(0, 12)}.json`,
  )
  const nothing = { config: null, keep: () => undefined }
  return {
    look(snapshot) {
      // Holds what cannot be written out (a function): validated each time.
      const written = writeSnapshot(snapshot)
      if (written === null) return nothing
      const key = createHash('sha256')
        .update(JSON.stringify([FORMAT, validator, options.root, options.file, options.defaultProject]))
        .update(written.text)
        .digest('hex')
      return {
        config: readKept(kept, key, snapshot),
        keep(config) {
          let encoded: unknown
          try {
            encoded = encode(config, written.places)
          } catch {
            return // holds what plain data cannot (a function): validated each time
          }
          try {
            mkdirSync(dir, { recursive: true })
            // Readable by its owner only: what it holds came from the config.
            writeAtomically(kept, `${JSON.stringify({ format: FORMAT, key, config: encoded })}\n`, 0o600)
          } catch {
            // a read-only or full disk: not worth failing the command for
          }
        },
      }
    },
  }
}

/** The config kept in `file` under `key`, put back from `snapshot`; null when there is none. */
function readKept(file: string, key: string, snapshot: Snapshot): NormalizedConfig | null {
  let entry: unknown
  try {
    entry = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null // none yet, or cut short: validated again and rewritten
  }
  if (!isRecord(entry) || entry.format !== FORMAT || entry.key !== key) return null
  try {
    return decode(entry.config, snapshot.value) as NormalizedConfig
  } catch {
    return null
  }
}

/**
 * The validator's files (this package's modules: the schema, the reference checks, the
 * normalization), by name, size and mtime: a rebuilt or upgraded hearth is another validator.
 */
let fingerprint: string | null | undefined
function validatorFingerprint(): string | null {
  if (fingerprint !== undefined) return fingerprint
  const dir = path.dirname(fileURLToPath(import.meta.url))
  const parts: string[] = []
  try {
    for (const name of readdirSync(dir).sort()) {
      if (!/\.[cm]?[jt]s$/.test(name) || /\.d\.[cm]?ts$|\.test\.[jt]s$/.test(name)) continue
      const stat = statSync(path.join(dir, name))
      parts.push(`${name}:${stat.size}:${stat.mtimeMs}`)
    }
  } catch {
    parts.length = 0
  }
  fingerprint = parts.length === 0 ? null : parts.join('\n')
  return fingerprint
}

type Place = readonly (string | number)[]

/**
 * The snapshot written out as text, exactly (order, types, -0 and NaN, the file of each
 * environment), and the first place each string is found at; null when it holds what cannot be
 * written (a stand-in for a function, a symbol): such a config is validated each time.
 */
function writeSnapshot(snapshot: Snapshot): { text: string; places: Map<string, Place> } | null {
  const parts: string[] = []
  const places = new Map<string, Place>()
  const write = (value: unknown, at: Place): boolean => {
    switch (typeof value) {
      case 'string':
        if (!places.has(value)) places.set(value, at)
        parts.push(JSON.stringify(value))
        return true
      case 'number':
        parts.push(Object.is(value, -0) ? 'n-0' : `n${value}`)
        return true
      case 'boolean':
        parts.push(value ? 't' : 'f')
        return true
      case 'undefined':
        parts.push('u')
        return true
      case 'object': {
        if (value === null) {
          parts.push('z')
          return true
        }
        if (value instanceof RegExp) {
          parts.push(`r${JSON.stringify([value.source, value.flags])}`)
          return true
        }
        const source = snapshot.sourceFiles.get(value)
        if (source !== undefined) parts.push(`@${JSON.stringify(source)}`)
        if (Array.isArray(value)) {
          parts.push('[')
          for (let index = 0; index < value.length; index++) {
            if (!write(value[index], [...at, index])) return false
          }
          parts.push(']')
          return true
        }
        parts.push('{')
        for (const key of Reflect.ownKeys(value)) {
          if (typeof key !== 'string') return false
          parts.push(JSON.stringify(key))
          if (!write((value as Record<string, unknown>)[key], [...at, key])) return false
        }
        parts.push('}')
        return true
      }
      default:
        return false // bigint, symbol, function
    }
  }
  return write(snapshot.value, []) ? { text: parts.join(''), places } : null
}

/**
 * The validated config as JSON: each value tagged with its type, so that it comes back exactly
 * (undefined fields, -0, null-prototype objects), and each string found in the snapshot written as
 * the place it is found at. Throws on what plain data cannot hold.
 */
function encode(value: unknown, places: ReadonlyMap<string, Place>): unknown {
  switch (typeof value) {
    case 'string': {
      const place = places.get(value)
      return place === undefined ? { s: value } : { p: place }
    }
    case 'number':
      if (Object.is(value, -0)) return { n: '-0' } // String(-0) is "0"
      return Number.isFinite(value) ? value : { n: String(value) }
    case 'boolean':
      return value
    case 'undefined':
      return { u: 1 }
    case 'object': {
      if (value === null) return null
      if (value instanceof RegExp) return { r: [value.source, value.flags] }
      if (Array.isArray(value)) return value.map((item) => encode(item, places))
      const prototype = Object.getPrototypeOf(value)
      if (prototype !== null && prototype !== Object.prototype) throw new Error('not plain data')
      const fields: [string, unknown][] = []
      for (const key of Reflect.ownKeys(value)) {
        if (typeof key !== 'string') throw new Error('a symbol key')
        fields.push([key, encode((value as Record<string, unknown>)[key], places)])
      }
      return prototype === null ? { o: fields, bare: 1 } : { o: fields }
    }
    default:
      throw new Error(`${typeof value} is not plain data`)
  }
}

function decode(value: unknown, snapshot: unknown): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value
  if (Array.isArray(value)) return value.map((item) => decode(item, snapshot))
  if (!isRecord(value)) throw new Error('not a kept value')
  if (typeof value.s === 'string') return value.s
  if (Array.isArray(value.p)) {
    let found: unknown = snapshot
    for (const key of value.p as unknown[]) {
      if (typeof found !== 'object' || found === null) throw new Error('no such place')
      if (typeof key !== 'string' && typeof key !== 'number') throw new Error('not a place')
      found = (found as Record<string | number, unknown>)[key]
    }
    if (typeof found !== 'string') throw new Error('no string there')
    return found
  }
  if (typeof value.n === 'string') return Number(value.n)
  if (value.u === 1) return undefined
  if (Array.isArray(value.r)) return new RegExp(String(value.r[0]), String(value.r[1]))
  if (Array.isArray(value.o)) {
    const object: Record<string, unknown> = value.bare === 1 ? Object.create(null) : {}
    for (const field of value.o as unknown[]) {
      if (!Array.isArray(field) || typeof field[0] !== 'string') throw new Error('not a field')
      // Defined, not assigned: a field named `__proto__` stays a field.
      Object.defineProperty(object, field[0], {
        value: decode(field[1], snapshot),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return object
  }
  throw new Error('not a kept value')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
