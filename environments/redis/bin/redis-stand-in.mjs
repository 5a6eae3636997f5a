#!/usr/bin/env node
// An in-memory stand-in for Redis, for tests on machines without Docker. It is NOT Redis: one
// process, no persistence, no replication, no scripting, no pub/sub, and only the commands below.
// It speaks RESP2 and answers those commands with Redis 7's exact replies and error messages
// (environments/redis/test checks it against a real redis-server, reply for reply).
//
//   node redis-stand-in.mjs [--port N]      (default: $PORT, else 6379; listens on 127.0.0.1 only)
//
// Plain JavaScript with no dependencies, so that it runs with Node alone, without a build.
import net from 'node:net'

const NAME = 'redis-stand-in'
const DATABASES = 16
/** Redis's own limits on what one request may declare. */
const MAX_MULTIBULK = 1024 * 1024
const MAX_BULK = 512 * 1024 * 1024
/** Largest inline request (a line without `*`) Redis accepts. */
const MAX_INLINE = 64 * 1024
const ACTIVE_EXPIRE_MS = 100
const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)
const INT32_MAX = 2n ** 31n - 1n
const INT32_MIN = -(2n ** 31n)

// ── replies ─────────────────────────────────────────────────────────────────────────────────────
// A reply is: a string (bulk, bytes as latin1), a bigint or number (integer), null (nil bulk),
// an array (multi-bulk), or one of the tagged objects below.

const simple = (text) => ({ simple: text })
const error = (text) => ({ error: text })
const OK = simple('OK')
const NIL_ARRAY = { nilArray: true }
const WRONGTYPE = error('WRONGTYPE Operation against a key holding the wrong kind of value')
const NOT_INTEGER = error('ERR value is not an integer or out of range')
const SYNTAX = error('ERR syntax error')

function encode(reply, out) {
  if (reply === null) out.push('$-1\r\n')
  else if (typeof reply === 'string') out.push(`$${reply.length}\r\n`, reply, '\r\n')
  else if (typeof reply === 'number' || typeof reply === 'bigint') out.push(`:${reply}\r\n`)
  else if (Array.isArray(reply)) {
    out.push(`*${reply.length}\r\n`)
    for (const item of reply) encode(item, out)
  } else if (reply.nilArray) out.push('*-1\r\n')
  else if (reply.simple !== undefined) out.push(`+${reply.simple}\r\n`)
  else out.push(`-${reply.error.replace(/[\r\n]/g, ' ')}\r\n`)
  return out
}

// ── numbers, as Redis parses them (string2ll: no sign but '-', no leading zeros, no spaces) ────

function parseInteger(text, min = INT64_MIN, max = INT64_MAX) {
  if (text.length === 0 || text.length > 20 || !/^(0|-?[1-9][0-9]*)$/.test(text)) return null
  const value = BigInt(text)
  return value < min || value > max ? null : value
}

// ── the keyspace ────────────────────────────────────────────────────────────────────────────────

class Database {
  /** key → { type: 'string' | 'list' | 'hash' | 'set', value } */
  data = new Map()
  /** key → absolute expiry, epoch ms */
  expires = new Map()

  /** The entry, unless it has expired (then it is deleted: lazy expiry, as Redis does). */
  lookup(key) {
    const at = this.expires.get(key)
    if (at !== undefined && at <= Date.now()) {
      this.delete(key)
      return undefined
    }
    return this.data.get(key)
  }

  /** Sets a value; the key's TTL goes unless `keepTtl`. */
  set(key, entry, keepTtl = false) {
    this.data.set(key, entry)
    if (!keepTtl) this.expires.delete(key)
  }

  delete(key) {
    this.expires.delete(key)
    return this.data.delete(key)
  }

  clear() {
    this.data.clear()
    this.expires.clear()
  }

  purgeExpired(now = Date.now()) {
    for (const [key, at] of this.expires) if (at <= now) this.delete(key)
  }

  size() {
    this.purgeExpired()
    return this.data.size
  }
}

const databases = Array.from({ length: DATABASES }, () => new Database())

/** Reads a key that must hold `type` (or nothing): the entry, undefined, or WRONGTYPE. */
function typed(db, key, type) {
  const entry = db.lookup(key)
  if (entry !== undefined && entry.type !== type) return WRONGTYPE
  return entry
}

const isError = (value) => value !== null && typeof value === 'object' && value.error !== undefined

// ── glob matching, ported from Redis's stringmatchlen (KEYS) ───────────────────────────────────

function globMatch(pattern, string) {
  let p = 0
  let s = 0
  while (p < pattern.length && s < string.length) {
    switch (pattern[p]) {
      case '*': {
        while (pattern[p + 1] === '*') p++
        if (p === pattern.length - 1) return true
        for (; s < string.length; s++) if (globMatch(pattern.slice(p + 1), string.slice(s))) return true
        return false
      }
      case '?':
        s++
        break
      case '[': {
        p++
        const not = pattern[p] === '^'
        if (not) p++
        let match = false
        for (;;) {
          if (pattern[p] === '\\' && pattern.length - p >= 2) {
            p++
            if (pattern[p] === string[s]) match = true
          } else if (pattern[p] === ']') break
          else if (p >= pattern.length) {
            p--
            break
          } else if (pattern.length - p >= 3 && pattern[p + 1] === '-') {
            let start = pattern.charCodeAt(p)
            let end = pattern.charCodeAt(p + 2)
            const c = string.charCodeAt(s)
            if (start > end) [start, end] = [end, start]
            p += 2
            if (c >= start && c <= end) match = true
          } else if (pattern[p] === string[s]) match = true
          p++
        }
        if (not) match = !match
        if (!match) return false
        s++
        break
      }
      default:
        // A backslash escapes the next character, which then matches itself.
        if (pattern[p] === '\\' && pattern.length - p >= 2) p++
        if (pattern[p] !== string[s]) return false
        s++
    }
    p++
    if (s === string.length) {
      while (pattern[p] === '*') p++
      break
    }
  }
  return p >= pattern.length && s === string.length
}

// ── commands ────────────────────────────────────────────────────────────────────────────────────

/**
 * name → { arity, run(ctx, args) }. Arity as in Redis's command table: n means exactly n words
 * (the name included), -n at least n. Commands with subcommands have `subcommands` instead.
 */
const commands = new Map()

function command(name, arity, run, extra = {}) {
  commands.set(name, { name, arity, run, ...extra })
}

function arityError(fullName) {
  return error(`ERR wrong number of arguments for '${fullName}' command`)
}

const expireTimeError = (name) => error(`ERR invalid expire time in '${name}' command`)

// connection

command('ping', -1, (_ctx, args) => {
  if (args.length > 1) return arityError('ping')
  return args.length === 0 ? simple('PONG') : args[0]
})
command('echo', 2, (_ctx, [message]) => message)
command('select', 2, (ctx, [index]) => {
  const id = parseInteger(index)
  if (id === null) return NOT_INTEGER
  if (id < INT32_MIN || id > INT32_MAX) {
    return error(`ERR value is out of range, value must between ${INT32_MIN} and ${INT32_MAX}`)
  }
  if (id < 0n || id >= BigInt(DATABASES)) return error('ERR DB index is out of range')
  ctx.db = Number(id)
  return OK
})
command('quit', -1, (ctx) => {
  ctx.closing = true
  return OK
})

// strings

command('get', 2, (ctx, [key]) => {
  const entry = typed(ctx.database(), key, 'string')
  if (isError(entry)) return entry
  return entry === undefined ? null : entry.value
})

/** SET's options, parsed the way Redis's parseExtendedStringArgumentsOrReply does. */
function parseSetOptions(args) {
  const flags = new Set()
  let expire = null
  for (let i = 0; i < args.length; i++) {
    const option = args[i].toLowerCase()
    const next = i === args.length - 1 ? undefined : args[i + 1]
    const timed = ['ex', 'px', 'exat', 'pxat'].filter((name) => flags.has(name))
    if (option === 'nx' && !flags.has('xx')) flags.add('nx')
    else if (option === 'xx' && !flags.has('nx')) flags.add('xx')
    else if (option === 'get') flags.add('get')
    else if (option === 'keepttl' && timed.length === 0) flags.add('keepttl')
    else if (
      ['ex', 'px', 'exat', 'pxat'].includes(option) &&
      !flags.has('keepttl') &&
      timed.every((name) => name === option) &&
      next !== undefined
    ) {
      flags.add(option)
      expire = { unit: option, value: next }
      i++
    } else return SYNTAX
  }
  return { flags, expire }
}

/** The absolute expiry (epoch ms) of an EX/PX/EXAT/PXAT value, or the error Redis gives. */
function expiryOf(expire, commandName) {
  const value = parseInteger(expire.value)
  if (value === null) return NOT_INTEGER
  const seconds = expire.unit === 'ex' || expire.unit === 'exat'
  if (value <= 0n || (seconds && value > INT64_MAX / 1000n)) return expireTimeError(commandName)
  let ms = seconds ? value * 1000n : value
  if (expire.unit === 'ex' || expire.unit === 'px') ms += BigInt(Date.now())
  if (ms <= 0n || ms > INT64_MAX) return expireTimeError(commandName)
  return Number(ms)
}

/**
 * SET and the commands built on it (SETEX, PSETEX, SETNX): Redis's setGenericCommand. `replies`
 * overrides what a successful / aborted set answers (SETNX answers 1 / 0).
 */
function setGeneric(ctx, commandName, key, value, { flags, expire }, replies = { ok: OK, aborted: null }) {
  let expiresAt = null
  if (expire !== null) {
    expiresAt = expiryOf(expire, commandName)
    if (isError(expiresAt)) return expiresAt
  }
  const db = ctx.database()
  let previous = null
  if (flags.has('get')) {
    const entry = typed(db, key, 'string')
    if (isError(entry)) return entry
    previous = entry === undefined ? null : entry.value
  }
  const found = db.lookup(key) !== undefined
  if ((flags.has('nx') && found) || (flags.has('xx') && !found)) {
    return flags.has('get') ? previous : replies.aborted
  }
  db.set(key, { type: 'string', value }, flags.has('keepttl'))
  if (expiresAt !== null) db.expires.set(key, expiresAt)
  return flags.has('get') ? previous : replies.ok
}

command('set', -3, (ctx, [key, value, ...rest]) => {
  const options = parseSetOptions(rest)
  if (isError(options)) return options
  return setGeneric(ctx, 'set', key, value, options)
})
command('setex', 4, (ctx, [key, seconds, value]) =>
  setGeneric(ctx, 'setex', key, value, { flags: new Set(), expire: { unit: 'ex', value: seconds } }),
)
command('psetex', 4, (ctx, [key, ms, value]) =>
  setGeneric(ctx, 'psetex', key, value, { flags: new Set(), expire: { unit: 'px', value: ms } }),
)
command('setnx', 3, (ctx, [key, value]) =>
  setGeneric(ctx, 'setnx', key, value, { flags: new Set(['nx']), expire: null }, { ok: 1, aborted: 0 }),
)
command('mget', -2, (ctx, keys) => {
  const db = ctx.database()
  return keys.map((key) => {
    const entry = db.lookup(key)
    return entry?.type === 'string' ? entry.value : null
  })
})
command('mset', -3, (ctx, args) => {
  if (args.length % 2 !== 0) return arityError('mset')
  const db = ctx.database()
  for (let i = 0; i < args.length; i += 2) db.set(args[i], { type: 'string', value: args[i + 1] })
  return OK
})

/** INCR, DECR, INCRBY, DECRBY: Redis's incrDecrCommand, 64-bit signed with overflow checks. */
function incrBy(ctx, key, increment) {
  const db = ctx.database()
  const entry = typed(db, key, 'string')
  if (isError(entry)) return entry
  const current = entry === undefined ? 0n : parseInteger(entry.value)
  if (current === null) return NOT_INTEGER
  const result = current + increment
  if (result > INT64_MAX || result < INT64_MIN) return error('ERR increment or decrement would overflow')
  db.set(key, { type: 'string', value: String(result) }, true)
  return result
}

command('incr', 2, (ctx, [key]) => incrBy(ctx, key, 1n))
command('decr', 2, (ctx, [key]) => incrBy(ctx, key, -1n))
command('incrby', 3, (ctx, [key, by]) => {
  const increment = parseInteger(by)
  return increment === null ? NOT_INTEGER : incrBy(ctx, key, increment)
})
command('decrby', 3, (ctx, [key, by]) => {
  const decrement = parseInteger(by)
  if (decrement === null) return NOT_INTEGER
  if (decrement === INT64_MIN) return error('ERR decrement would overflow')
  return incrBy(ctx, key, -decrement)
})

// keys

const del = (ctx, keys) => {
  const db = ctx.database()
  let removed = 0
  for (const key of keys) if (db.lookup(key) !== undefined && db.delete(key)) removed++
  return removed
}
command('del', -2, del)
command('unlink', -2, del)
command('exists', -2, (ctx, keys) => {
  const db = ctx.database()
  return keys.filter((key) => db.lookup(key) !== undefined).length
})
command('type', 2, (ctx, [key]) => simple(ctx.database().lookup(key)?.type ?? 'none'))
command('keys', 2, (ctx, [pattern]) => {
  const db = ctx.database()
  db.purgeExpired()
  const all = pattern === '*'
  return [...db.data.keys()].filter((key) => all || globMatch(pattern, key))
})
command('dbsize', 1, (ctx) => ctx.database().size())

/** EXPIRE and PEXPIRE (with NX | XX | GT | LT): Redis's expireGenericCommand. */
function expireGeneric(ctx, name, [key, amount, ...options], unitMs) {
  const flags = new Set()
  for (const option of options) {
    const lower = option.toLowerCase()
    if (['nx', 'xx', 'gt', 'lt'].includes(lower)) flags.add(lower)
    else return error(`ERR Unsupported option ${option}`)
  }
  if (flags.has('nx') && (flags.has('xx') || flags.has('gt') || flags.has('lt'))) {
    return error('ERR NX and XX, GT or LT options at the same time are not compatible')
  }
  if (flags.has('gt') && flags.has('lt'))
    return error('ERR GT and LT options at the same time are not compatible')
  const value = parseInteger(amount)
  if (value === null) return NOT_INTEGER
  if (unitMs === 1000n && (value > INT64_MAX / 1000n || value < INT64_MIN / 1000n))
    return expireTimeError(name)
  const now = BigInt(Date.now())
  const delta = value * unitMs
  if (delta > INT64_MAX - now) return expireTimeError(name)
  const when = delta + now
  const db = ctx.database()
  if (db.lookup(key) === undefined) return 0
  const current = db.expires.has(key) ? BigInt(db.expires.get(key)) : null
  if (flags.has('nx') && current !== null) return 0
  if (flags.has('xx') && current === null) return 0
  if (flags.has('gt') && (current === null || when <= current)) return 0
  if (flags.has('lt') && current !== null && when >= current) return 0
  if (when <= now) db.delete(key)
  else db.expires.set(key, Number(when))
  return 1
}

command('expire', -3, (ctx, args) => expireGeneric(ctx, 'expire', args, 1000n))
command('pexpire', -3, (ctx, args) => expireGeneric(ctx, 'pexpire', args, 1n))
command('persist', 2, (ctx, [key]) => {
  const db = ctx.database()
  if (db.lookup(key) === undefined) return 0
  return db.expires.delete(key) ? 1 : 0
})

function ttlOf(ctx, key) {
  const db = ctx.database()
  if (db.lookup(key) === undefined) return -2
  const at = db.expires.get(key)
  return at === undefined ? -1 : Math.max(0, at - Date.now())
}
command('ttl', 2, (ctx, [key]) => {
  const ms = ttlOf(ctx, key)
  return ms < 0 ? ms : Math.floor((ms + 500) / 1000)
})
command('pttl', 2, (ctx, [key]) => ttlOf(ctx, key))

// hashes

command('hset', -4, (ctx, [key, ...pairs]) => {
  if (pairs.length % 2 !== 0) return arityError('hset')
  const db = ctx.database()
  const entry = typed(db, key, 'hash')
  if (isError(entry)) return entry
  const hash = entry?.value ?? new Map()
  let added = 0
  for (let i = 0; i < pairs.length; i += 2) {
    if (!hash.has(pairs[i])) added++
    hash.set(pairs[i], pairs[i + 1])
  }
  if (entry === undefined) db.set(key, { type: 'hash', value: hash })
  return added
})
command('hget', 3, (ctx, [key, field]) => {
  const entry = typed(ctx.database(), key, 'hash')
  if (isError(entry)) return entry
  return entry?.value.get(field) ?? null
})
command('hmget', -3, (ctx, [key, ...fields]) => {
  const entry = typed(ctx.database(), key, 'hash')
  if (isError(entry)) return entry
  return fields.map((field) => entry?.value.get(field) ?? null)
})
command('hgetall', 2, (ctx, [key]) => {
  const entry = typed(ctx.database(), key, 'hash')
  if (isError(entry)) return entry
  return entry === undefined ? [] : [...entry.value].flat()
})
command('hdel', -3, (ctx, [key, ...fields]) => {
  const db = ctx.database()
  const entry = typed(db, key, 'hash')
  if (isError(entry)) return entry
  if (entry === undefined) return 0
  let removed = 0
  for (const field of fields) if (entry.value.delete(field)) removed++
  if (entry.value.size === 0) db.delete(key)
  return removed
})
command('hexists', 3, (ctx, [key, field]) => {
  const entry = typed(ctx.database(), key, 'hash')
  if (isError(entry)) return entry
  return entry?.value.has(field) ? 1 : 0
})
command('hlen', 2, (ctx, [key]) => {
  const entry = typed(ctx.database(), key, 'hash')
  if (isError(entry)) return entry
  return entry?.value.size ?? 0
})

// lists

function push(ctx, [key, ...values], left) {
  const db = ctx.database()
  const entry = typed(db, key, 'list')
  if (isError(entry)) return entry
  const list = entry?.value ?? []
  for (const value of values) {
    if (left) list.unshift(value)
    else list.push(value)
  }
  if (entry === undefined) db.set(key, { type: 'list', value: list })
  return list.length
}
command('lpush', -3, (ctx, args) => push(ctx, args, true))
command('rpush', -3, (ctx, args) => push(ctx, args, false))

/** LPOP and RPOP, with the optional count: Redis 7's popGenericCommand. */
function pop(ctx, name, [key, ...rest], left) {
  if (rest.length > 1) return arityError(name)
  let count = null
  if (rest.length === 1) {
    // Redis gives one message for "not a number" and "negative" here.
    count = parseInteger(rest[0])
    if (count === null || count < 0n) return error('ERR value is out of range, must be positive')
  }
  const db = ctx.database()
  const entry = typed(db, key, 'list')
  if (isError(entry)) return entry
  if (entry === undefined) return count === null ? null : NIL_ARRAY
  if (count === 0n) return []
  const list = entry.value
  const n = count === null ? 1 : Number(count > BigInt(list.length) ? BigInt(list.length) : count)
  const taken = left ? list.splice(0, n) : list.splice(list.length - n, n).reverse()
  if (list.length === 0) db.delete(key)
  return count === null ? taken[0] : taken
}
command('lpop', -2, (ctx, args) => pop(ctx, 'lpop', args, true))
command('rpop', -2, (ctx, args) => pop(ctx, 'rpop', args, false))
command('lrange', 4, (ctx, [key, from, to]) => {
  let start = parseInteger(from)
  let end = parseInteger(to)
  if (start === null || end === null) return NOT_INTEGER
  const entry = typed(ctx.database(), key, 'list')
  if (isError(entry)) return entry
  if (entry === undefined) return []
  const length = BigInt(entry.value.length)
  if (start < 0n) start += length
  if (end < 0n) end += length
  if (start < 0n) start = 0n
  if (start > end || start >= length) return []
  if (end >= length) end = length - 1n
  return entry.value.slice(Number(start), Number(end) + 1)
})
command('llen', 2, (ctx, [key]) => {
  const entry = typed(ctx.database(), key, 'list')
  if (isError(entry)) return entry
  return entry?.value.length ?? 0
})

// sets

command('sadd', -3, (ctx, [key, ...members]) => {
  const db = ctx.database()
  const entry = typed(db, key, 'set')
  if (isError(entry)) return entry
  const set = entry?.value ?? new Set()
  let added = 0
  for (const member of members) {
    if (!set.has(member)) {
      set.add(member)
      added++
    }
  }
  if (entry === undefined) db.set(key, { type: 'set', value: set })
  return added
})
command('srem', -3, (ctx, [key, ...members]) => {
  const db = ctx.database()
  const entry = typed(db, key, 'set')
  if (isError(entry)) return entry
  if (entry === undefined) return 0
  let removed = 0
  for (const member of members) if (entry.value.delete(member)) removed++
  if (entry.value.size === 0) db.delete(key)
  return removed
})
command('smembers', 2, (ctx, [key]) => {
  const entry = typed(ctx.database(), key, 'set')
  if (isError(entry)) return entry
  return entry === undefined ? [] : [...entry.value]
})
command('sismember', 3, (ctx, [key, member]) => {
  const entry = typed(ctx.database(), key, 'set')
  if (isError(entry)) return entry
  return entry?.value.has(member) ? 1 : 0
})
command('scard', 2, (ctx, [key]) => {
  const entry = typed(ctx.database(), key, 'set')
  if (isError(entry)) return entry
  return entry?.value.size ?? 0
})

// server

function flushMode(args) {
  if (args.length === 0) return true
  if (args.length === 1 && ['sync', 'async'].includes(args[0].toLowerCase())) return true
  return false
}
command('flushall', -1, (_ctx, args) => {
  if (!flushMode(args)) return SYNTAX
  for (const db of databases) db.clear()
  return OK
})
command('flushdb', -1, (ctx, args) => {
  if (!flushMode(args)) return SYNTAX
  ctx.database().clear()
  return OK
})

const startedAt = Date.now()
const clients = new Set()
let port = 0

command('info', -1, (_ctx, args) => {
  const sections = {
    server: [
      'redis_version:7.0.0',
      'redis_mode:standalone',
      `hearth_stand_in:${NAME} (an in-memory stand-in for tests, not Redis)`,
      `os:${process.platform}`,
      'arch_bits:64',
      `process_id:${process.pid}`,
      `tcp_port:${port}`,
      `uptime_in_seconds:${Math.floor((Date.now() - startedAt) / 1000)}`,
      `executable:${process.argv[1] ?? ''}`,
    ],
    clients: [`connected_clients:${clients.size}`],
    persistence: ['loading:0', 'async_loading:0', 'rdb_changes_since_last_save:0', 'aof_enabled:0'],
    keyspace: databases.flatMap((db, index) => {
      const keys = db.size()
      return keys === 0 ? [] : [`db${index}:keys=${keys},expires=${db.expires.size},avg_ttl=0`]
    }),
  }
  const wanted = args.map((arg) => arg.toLowerCase())
  const all = wanted.length === 0 || wanted.some((name) => ['all', 'everything', 'default'].includes(name))
  const text = Object.entries(sections)
    .filter(([name]) => all || wanted.includes(name))
    .map(([name, lines]) => [`# ${name[0].toUpperCase()}${name.slice(1)}`, ...lines].join('\r\n'))
    .join('\r\n\r\n')
  return text === '' ? '' : `${text}\r\n`
})

// CLIENT and COMMAND have subcommands; an unknown one is answered as Redis does.

commands.set('client', {
  name: 'client',
  arity: -2,
  subcommands: new Map([
    [
      'setname',
      {
        arity: 3,
        run: (ctx, [name]) => {
          if ([...name].some((char) => char < '!' || char > '~')) {
            return error('ERR Client names cannot contain spaces, newlines or special characters.')
          }
          ctx.name = name === '' ? null : name
          return OK
        },
      },
    ],
    ['getname', { arity: 2, run: (ctx) => ctx.name }],
    ['id', { arity: 2, run: (ctx) => ctx.id }],
    // Redis 7.2+ (clients send it on connect and ignore an error from older servers).
    ['setinfo', { arity: 4, run: () => OK }],
  ]),
})

const KEYLESS = new Set([
  'ping',
  'echo',
  'select',
  'quit',
  'info',
  'dbsize',
  'flushall',
  'flushdb',
  'keys',
  'client',
  'command',
  'multi',
  'exec',
  'discard',
])

/** COMMAND's reply for one command, in Redis 7's shape (name, arity, flags, keys, categories…). */
function commandInfo(spec) {
  const keyed = !KEYLESS.has(spec.name)
  const lastKey = ['del', 'unlink', 'exists', 'mget'].includes(spec.name) ? -1 : 1
  const step = spec.name === 'mset' ? 2 : 1
  return [
    spec.name,
    spec.arity,
    [],
    keyed ? 1 : 0,
    keyed ? (spec.name === 'mset' ? -1 : lastKey) : 0,
    keyed ? step : 0,
    [],
    [],
    [],
    [],
  ]
}

commands.set('command', {
  name: 'command',
  arity: -1,
  run: () => [...commands.values()].map(commandInfo),
  subcommands: new Map([
    ['count', { arity: 2, run: () => commands.size }],
    ['list', { arity: -2, run: () => [...commands.keys()] }],
    [
      'info',
      {
        arity: -2,
        run: (_ctx, names) =>
          names.map((name) => {
            const spec = commands.get(name.toLowerCase())
            return spec === undefined ? null : commandInfo(spec)
          }),
      },
    ],
    // Documentation is for humans: redis-cli asks for it and copes with none.
    ['docs', { arity: -2, run: () => [] }],
  ]),
})

// ── dispatch ────────────────────────────────────────────────────────────────────────────────────

/** What Redis checks before running a command: that it exists, and its number of arguments. */
function resolve(argv) {
  const name = argv[0].toLowerCase()
  const spec = commands.get(name)
  if (spec === undefined) {
    let args = ''
    for (let i = 1; i < argv.length && args.length < 128; i++)
      args += `'${argv[i].slice(0, 128 - args.length)}' `
    return {
      error: error(`ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`),
    }
  }
  if (spec.subcommands !== undefined && argv.length >= 2) {
    const sub = spec.subcommands.get(argv[1].toLowerCase())
    if (sub === undefined) {
      return {
        error: error(`ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${name.toUpperCase()} HELP.`),
      }
    }
    if (!arityOk(sub.arity, argv.length)) return { error: arityError(`${name}|${argv[1].toLowerCase()}`) }
    return { run: (ctx) => sub.run(ctx, argv.slice(2)), name }
  }
  if (!arityOk(spec.arity, argv.length)) return { error: arityError(name) }
  return { run: (ctx) => spec.run(ctx, argv.slice(1)), name }
}

function arityOk(arity, count) {
  return arity >= 0 ? count === arity : count >= -arity
}

/** Runs one request for a client, MULTI/EXEC included, and returns its reply. */
function execute(ctx, argv) {
  const resolved = resolve(argv)
  const name = argv[0].toLowerCase()
  if (ctx.multi !== null) {
    if (resolved.error !== undefined) {
      ctx.dirty = true
      return resolved.error
    }
    if (name === 'exec') {
      const queued = ctx.multi
      const dirty = ctx.dirty
      ctx.multi = null
      ctx.dirty = false
      if (dirty) return error('EXECABORT Transaction discarded because of previous errors.')
      return queued.map((run) => run(ctx))
    }
    if (name === 'discard') {
      ctx.multi = null
      ctx.dirty = false
      return OK
    }
    if (name === 'multi') return error('ERR MULTI calls can not be nested')
    if (name === 'quit') return resolved.run(ctx)
    ctx.multi.push(resolved.run)
    return simple('QUEUED')
  }
  if (resolved.error !== undefined) return resolved.error
  return resolved.run(ctx)
}

/** A bug in a command must not take every client down with it: answer it as an error. */
function executeSafely(ctx, argv) {
  try {
    return execute(ctx, argv)
  } catch (caught) {
    console.error(`${NAME}: ${argv[0]} failed: ${caught?.stack ?? caught}`)
    return error(`ERR ${NAME} failed on '${argv[0]}': ${caught?.message ?? caught}`)
  }
}

command('multi', 1, (ctx) => {
  ctx.multi = []
  ctx.dirty = false
  return OK
})
command('exec', 1, () => error('ERR EXEC without MULTI'))
command('discard', 1, () => error('ERR DISCARD without MULTI'))

// ── the protocol: RESP2 requests (multi-bulk, or inline like telnet sends) ─────────────────────

class ProtocolError extends Error {}

/** The request at `offset`: its words and the offset after it, or null while it is incomplete. */
function parseRequest(buffer, offset) {
  return buffer[offset] === 0x2a /* '*' */ ? parseMultibulk(buffer, offset) : parseInline(buffer, offset)
}

function readLine(buffer, offset) {
  const end = buffer.indexOf('\r\n', offset, 'latin1')
  return end === -1 ? null : { line: buffer.toString('latin1', offset, end), next: end + 2 }
}

function parseMultibulk(buffer, offset) {
  const header = readLine(buffer, offset)
  if (header === null) {
    if (buffer.length - offset > MAX_INLINE) throw new ProtocolError('too big mbulk count string')
    return null
  }
  const count = Number.parseInt(header.line.slice(1), 10)
  if (!/^\*-?\d+$/.test(header.line) || count > MAX_MULTIBULK)
    throw new ProtocolError('invalid multibulk length')
  let next = header.next
  const argv = []
  for (let i = 0; i < count; i++) {
    if (next >= buffer.length) return null
    if (buffer[next] !== 0x24 /* '$' */) {
      throw new ProtocolError(`expected '$', got '${String.fromCharCode(buffer[next])}'`)
    }
    const size = readLine(buffer, next)
    if (size === null) {
      if (buffer.length - next > MAX_INLINE) throw new ProtocolError('too big bulk count string')
      return null
    }
    const length = Number.parseInt(size.line.slice(1), 10)
    if (!/^\$\d+$/.test(size.line) || length > MAX_BULK) throw new ProtocolError('invalid bulk length')
    if (size.next + length + 2 > buffer.length) return null
    argv.push(buffer.toString('latin1', size.next, size.next + length))
    next = size.next + length + 2
  }
  return { argv, next }
}

function parseInline(buffer, offset) {
  const end = buffer.indexOf('\n', offset)
  if (end === -1) {
    if (buffer.length - offset > MAX_INLINE) throw new ProtocolError('too big inline request')
    return null
  }
  let line = buffer.toString('latin1', offset, end)
  if (line.endsWith('\r')) line = line.slice(0, -1)
  return { argv: splitArgs(line), next: end + 1 }
}

/** Splits an inline request like Redis's sdssplitargs: spaces, "double" and 'single' quotes. */
function splitArgs(line) {
  const args = []
  let i = 0
  const hex = (c) => /^[0-9a-fA-F]$/.test(c ?? '')
  for (;;) {
    while (i < line.length && /\s/.test(line[i])) i++
    if (i >= line.length) return args
    let current = ''
    let quote = null
    for (;;) {
      const c = line[i]
      if (quote === '"') {
        if (c === '\\' && line[i + 1] === 'x' && hex(line[i + 2]) && hex(line[i + 3])) {
          current += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16))
          i += 3
        } else if (c === '\\' && i + 1 < line.length) {
          i++
          const escapes = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' }
          current += escapes[line[i]] ?? line[i]
        } else if (c === '"') {
          if (i + 1 < line.length && !/\s/.test(line[i + 1]))
            throw new ProtocolError('unbalanced quotes in request')
          quote = null
          i++
          break
        } else if (c === undefined) throw new ProtocolError('unbalanced quotes in request')
        else current += c
      } else if (quote === "'") {
        if (c === '\\' && line[i + 1] === "'") {
          i++
          current += "'"
        } else if (c === "'") {
          if (i + 1 < line.length && !/\s/.test(line[i + 1]))
            throw new ProtocolError('unbalanced quotes in request')
          quote = null
          i++
          break
        } else if (c === undefined) throw new ProtocolError('unbalanced quotes in request')
        else current += c
      } else if (c === undefined || /\s/.test(c)) break
      else if (c === '"' || c === "'") quote = c
      else current += c
      i++
    }
    args.push(current)
  }
}

// ── the server ──────────────────────────────────────────────────────────────────────────────────

let nextClientId = 1

function serve(socket) {
  socket.setNoDelay(true)
  const ctx = {
    id: nextClientId++,
    db: 0,
    name: null,
    multi: null,
    dirty: false,
    closing: false,
    database() {
      return databases[this.db]
    },
  }
  clients.add(socket)
  let pending = Buffer.alloc(0)
  socket.on('data', (chunk) => {
    if (ctx.closing) return
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    const out = []
    let offset = 0
    try {
      // Each request runs as soon as it is parsed: a malformed one later in a pipeline does not
      // cancel the ones before it (Redis answers those, then the protocol error).
      while (offset < pending.length && !ctx.closing) {
        const request = parseRequest(pending, offset)
        if (request === null) break
        offset = request.next
        if (request.argv.length > 0) encode(executeSafely(ctx, request.argv), out)
      }
    } catch (caught) {
      if (!(caught instanceof ProtocolError)) throw caught
      // Redis answers a malformed request and closes the connection.
      encode(error(`ERR Protocol error: ${caught.message}`), out)
      ctx.closing = true
    }
    pending = pending.subarray(offset)
    // One write per batch: pipelined requests get their replies in one go.
    if (out.length > 0) socket.write(Buffer.from(out.join(''), 'latin1'))
    if (ctx.closing) socket.end()
  })
  socket.on('error', () => socket.destroy())
  socket.on('close', () => clients.delete(socket))
}

function portFromArgs() {
  const argv = process.argv.slice(2)
  const flag = argv.indexOf('--port')
  const text = flag === -1 ? process.env.PORT : argv[flag + 1]
  if (text === undefined || text === '') return 6379
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(
      `${NAME}: invalid port ${JSON.stringify(text)}: give --port or $PORT a number from 0 to 65535`,
    )
    process.exit(2)
  }
  return value
}

const server = net.createServer(serve)
server.on('error', (caught) => {
  console.error(`${NAME}: cannot listen on 127.0.0.1:${portFromArgs()}: ${caught.message}`)
  process.exit(1)
})
server.listen({ host: '127.0.0.1', port: portFromArgs() }, () => {
  port = server.address().port
  console.log(
    `${NAME}: ready to accept connections on 127.0.0.1:${port} (an in-memory stand-in for tests, not Redis)`,
  )
})

// Timed expiry, besides the lazy one on access: keys go away even if nobody reads them.
setInterval(() => {
  const now = Date.now()
  for (const db of databases) db.purgeExpired(now)
}, ACTIVE_EXPIRE_MS).unref()

function shutdown(signal) {
  console.log(`${NAME}: ${signal} received, exiting`)
  server.close()
  for (const socket of clients) socket.destroy()
  process.exit(0)
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
