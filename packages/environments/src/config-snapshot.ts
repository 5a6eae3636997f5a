/**
 * The first step of validation: a copy of the user's config as plain data, read defensively.
 *
 * A config is a module's default export, so it can hold anything JavaScript can: getters that
 * throw, proxies, arrays whose prototype was replaced, objects that contain themselves, symbol
 * keys. Reading it is the only step that runs user code, so it happens once, here, one own
 * property at a time, each read guarded. What cannot be read becomes a problem at its path and
 * `UNREADABLE` in the copy; everything after (the schema, the reference checks, normalization)
 * works on the copy, which holds only primitives, arrays, null-prototype objects, fresh RegExps and
 * stand-ins for functions and built-in objects such as a Date or a Promise.
 */

import { types } from 'node:util'
import { printable, quote, standIn } from './config-words.js'
import { SOURCE_FILE } from './define.js'
import { ConfigError } from './issues.js'

/** A place in the config: object keys and array indices. A symbol names a field keyed by one. */
export type ConfigPath = readonly PropertyKey[]

/** A problem at a place in the config, before it is attributed to a file and its path written out. */
export interface Problem {
  at: ConfigPath
  message: string
  fix: string
}

/** Stands where a value could not be read (a problem says why); nothing else is said about it. */
export const UNREADABLE: unique symbol = Symbol('hearth.unreadable')

/**
 * What a function or a built-in object with internal state (a Date, a Map, a Promise…) becomes:
 * none is config data, and their properties are never read. A Map's entries, say, are no fields.
 */
const STAND_INS = new Map<string, () => void>()
function standInFor(what: string): () => void {
  let value = STAND_INS.get(what)
  if (value === undefined) {
    value = standIn(what)
    STAND_INS.set(what, value)
  }
  return value
}

/** What a built-in object is, if it is one that holds its data in internal slots (proxies are not). */
function builtIn(value: object): string | null {
  if (types.isPromise(value)) return 'a Promise'
  if (types.isDate(value)) return 'a Date'
  if (types.isMap(value) || types.isWeakMap(value)) return 'a Map'
  if (types.isSet(value) || types.isWeakSet(value)) return 'a Set'
  if (types.isBoxedPrimitive(value)) return 'a boxed primitive'
  if (types.isAnyArrayBuffer(value) || types.isArrayBufferView(value)) return 'binary data'
  if (types.isNativeError(value)) return 'an Error'
  return null
}

export const SNAPSHOT_LIMITS = {
  /** Configs are a few levels deep; this is far past any real one, short of the stack's limit. */
  depth: 64,
  /**
   * Values read in all (shared objects count each time they are reached). The demo's config has
   * about 200; a config with more than this is runaway data, and reading it would only be slow.
   */
  values: 10_000,
} as const

export interface Snapshot {
  value: unknown
  problems: Problem[]
  /** The file `defineEnvironment` recorded for an object of the copy. */
  sourceFiles: WeakMap<object, string>
  /** The order in which places were read (a preorder), for places up to `orderDepth` keys deep. */
  order: Map<string, number>
}

const THROWS_FIX =
  'compute the value before exporting the config, or fix what throws (getters and proxies run when hearth reads the config)'

/** How deep the snapshot records the order places were read in (problems are grouped by part). */
export const PLACE_DEPTH = 4

/** A key for `Snapshot.order`. */
export function placeKey(at: ConfigPath): string {
  return at.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')
}

export function snapshotConfig(input: unknown, orderDepth: number): Snapshot {
  const problems: Problem[] = []
  const sourceFiles = new WeakMap<object, string>()
  const order = new Map<string, number>()
  /** The objects being read, from the root down: meeting one again is a cycle. */
  const reading = new Set<object>()
  let left: number = SNAPSHOT_LIMITS.values
  let overflowed = false

  const unreadable = (at: ConfigPath, message: string, fix: string): typeof UNREADABLE => {
    problems.push({ at, message, fix })
    return UNREADABLE
  }

  /** Said once, where the budget ran out; nothing after it is read. */
  const overflow = (at: ConfigPath): typeof UNREADABLE => {
    if (overflowed) return UNREADABLE
    overflowed = true
    return unreadable(
      at,
      `the config holds more than ${SNAPSHOT_LIMITS.values} values; hearth stopped reading here`,
      'look for a value built in a runaway loop, or an object reachable many times over',
    )
  }

  const read = (value: unknown, at: ConfigPath): unknown => {
    if (at.length <= orderDepth) order.set(placeKey(at), order.size)
    if (left === 0) return overflow(at)
    left--
    if (typeof value === 'function') return standInFor('a function')
    if (typeof value !== 'object' || value === null) return value
    const kind = builtIn(value)
    if (kind !== null) return standInFor(kind)
    if (reading.has(value)) {
      return unreadable(
        at,
        'this value contains itself: it refers back to an object it is part of',
        'write the value out instead of referring back to the object that holds it',
      )
    }
    if (at.length > SNAPSHOT_LIMITS.depth) {
      return unreadable(
        at,
        `nested more than ${SNAPSHOT_LIMITS.depth} levels deep`,
        'a config is a few levels deep: look for a value that nests itself',
      )
    }
    reading.add(value)
    try {
      let isArray: boolean
      try {
        isArray = Array.isArray(value)
      } catch (error) {
        // A revoked proxy.
        return unreadable(at, `reading it threw ${describeThrown(error)}`, THROWS_FIX)
      }
      if (isArray) return readArray(value as object, at)
      if (types.isRegExp(value)) return readRegExp(value, at)
      return readObject(value, at)
    } finally {
      reading.delete(value)
    }
  }

  /** Reads `key` of `holder`; a throw is a problem at the key's place. */
  const readKey = (holder: object, key: string | number, at: ConfigPath): unknown => {
    const place = [...at, key]
    let value: unknown
    try {
      value = Reflect.get(holder, key)
    } catch (error) {
      return unreadable(place, `reading it threw ${describeThrown(error)}`, THROWS_FIX)
    }
    return read(value, place)
  }

  // By length and index, never through the array's own methods: its prototype may be anything.
  const readArray = (array: object, at: ConfigPath): unknown => {
    let length: unknown
    try {
      length = Reflect.get(array, 'length')
    } catch (error) {
      return unreadable(at, `reading its length threw ${describeThrown(error)}`, THROWS_FIX)
    }
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
      return unreadable(at, `an array whose length is ${quote(length)}`, 'write it as a plain array [ … ]')
    }
    const copy: unknown[] = []
    for (let index = 0; index < length; index++) {
      if (left === 0) {
        overflow([...at, index])
        break
      }
      copy.push(readKey(array, index, at))
    }
    return copy
  }

  const readObject = (object: object, at: ConfigPath): unknown => {
    let keys: (string | symbol)[]
    try {
      keys = Reflect.ownKeys(object)
    } catch (error) {
      return unreadable(at, `listing its fields threw ${describeThrown(error)}`, THROWS_FIX)
    }
    const copy: Record<string, unknown> = Object.create(null)
    for (const key of keys) {
      let descriptor: PropertyDescriptor | undefined
      try {
        descriptor = Reflect.getOwnPropertyDescriptor(object, key)
      } catch (error) {
        unreadable([...at, key], `reading it threw ${describeThrown(error)}`, THROWS_FIX)
        continue
      }
      if (key === SOURCE_FILE) {
        if (typeof descriptor?.value === 'string') sourceFiles.set(copy, descriptor.value)
        continue
      }
      // Like Object.keys and JSON: a non-enumerable field is not part of the value.
      if (descriptor === undefined || descriptor.enumerable !== true) continue
      if (typeof key === 'symbol') {
        unreadable([...at, key], 'a field keyed by a symbol', 'remove it: config fields are named by strings')
        continue
      }
      if (key === '__proto__') {
        unreadable(
          [...at, key],
          'a field named "__proto__"',
          'rename it: the name means the prototype in JavaScript',
        )
        continue
      }
      if (left === 0) {
        overflow([...at, key])
        break
      }
      copy[key] = readKey(object, key, at)
    }
    return copy
  }

  /** A fresh RegExp from the original's source and flags, which `new RegExp` reads from its internals. */
  const readRegExp = (regexp: object, at: ConfigPath): unknown => {
    try {
      return new RegExp(regexp as RegExp)
    } catch (error) {
      return unreadable(at, `reading the regular expression threw ${describeThrown(error)}`, THROWS_FIX)
    }
  }

  const value = read(input, [])
  return { value, problems, sourceFiles, order }
}

/** What was thrown, for a message: `TypeError: boom`, never running more of the thrower's code than reading it. */
export function describeThrown(error: unknown): string {
  try {
    if (types.isNativeError(error)) {
      const name = Reflect.get(error, 'name')
      const message = Reflect.get(error, 'message')
      const label = typeof name === 'string' ? name : 'Error'
      if (typeof message === 'string') return printable(message === '' ? label : `${label}: ${message}`)
    }
    if (typeof error === 'string') return quote(error)
    if (typeof error === 'number' || typeof error === 'boolean' || typeof error === 'bigint')
      return String(error)
  } catch {
    // The error itself throws when read: say what kind of value it is, below.
  }
  if (error === null || error === undefined) return String(error)
  return typeof error === 'object' ? 'an object' : `a ${typeof error}`
}

/**
 * The config a loaded module exports, read through guarded reads only: a getter or a proxy that
 * throws is a problem in the config (`ConfigError`), not a crash.
 */
export function defaultExport(namespace: unknown, file: string): unknown {
  let value: unknown
  try {
    value = Reflect.get(Object(namespace), 'default')
    // Outside a `"type": "module"` package tsx compiles the file to CommonJS: the namespace's
    // default is then `module.exports`, marked `__esModule`, and the file's own default export is
    // inside it.
    if (typeof value === 'object' && value !== null && Reflect.get(value, '__esModule') === true) {
      value = Reflect.get(value, 'default')
    }
  } catch (error) {
    throw new ConfigError([
      {
        file,
        path: '(default export)',
        message: `reading the default export threw ${describeThrown(error)}`,
        fix: 'export the config object itself: `export default defineConfig({ … })`',
      },
    ])
  }
  if (value === undefined) {
    throw new ConfigError([
      {
        file,
        path: '(default export)',
        message: 'the file has no default export',
        fix: 'end it with `export default defineConfig({ environments: [...] })`',
      },
    ])
  }
  return value
}
