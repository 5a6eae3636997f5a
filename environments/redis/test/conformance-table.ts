import { type ClientValue, clientView, type Reply, render } from './resp.js'

/**
 * The conformance table: requests in order, on one connection, from an empty server, each with the
 * reply real Redis 7 gives (checked against `redis-server` 7.0 in `conformance.docker.test.ts`, and
 * against the stand-in in `stand-in.integration.test.ts`). Replies are written as `render` shows
 * them, with the wire type visible: `+OK` is a status, `"OK"` a bulk string.
 *
 * Options: `unordered` for replies whose order Redis does not define (KEYS, SMEMBERS): compared
 * sorted. `approx` for a PTTL: the integer may be up to a second below the one written.
 */
export type Step = readonly [
  args: readonly string[],
  reply: string,
  options?: { unordered?: true; approx?: true },
]

const UNORDERED = { unordered: true } as const
const APPROX = { approx: true } as const
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value'
const NOT_INTEGER = '-ERR value is not an integer or out of range'
const SYNTAX = '-ERR syntax error'
const arity = (name: string) => `-ERR wrong number of arguments for '${name}' command`

export const TABLE: readonly Step[] = [
  // connection
  [['PING'], '+PONG'],
  [['ping'], '+PONG'],
  [['PING', 'hello'], '"hello"'],
  [['PING', 'a', 'b'], arity('ping')],
  [['ECHO', 'hi there'], '"hi there"'],
  [['ECHO'], arity('echo')],
  [['ECHO', 'a', 'b'], arity('echo')],
  [['NOSUCH'], "-ERR unknown command 'NOSUCH', with args beginning with: "],
  [['nosuch', 'a', 'b c'], "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b c' "],
  // Redis quotes at most 128 characters of the name and of the arguments, and no line breaks.
  [['x'.repeat(200)], `-ERR unknown command '${'x'.repeat(128)}', with args beginning with: `],
  [
    ['nosuch', 'y'.repeat(100), 'z'.repeat(100), 'more'],
    `-ERR unknown command 'nosuch', with args beginning with: '${'y'.repeat(100)}' '${'z'.repeat(25)}' `,
  ],
  [['NO\r\nSUCH', 'a\nb'], "-ERR unknown command 'NO  SUCH', with args beginning with: 'a b' "],
  [['GET'], arity('get')],
  [['EXISTS'], arity('exists')],
  [['DEL'], arity('del')],
  [['SELECT', '1'], '+OK'],
  [['SET', 'k', 'in db 1'], '+OK'],
  [['DBSIZE'], ':1'],
  [['SELECT', '0'], '+OK'],
  [['GET', 'k'], '(nil)'],
  [['SELECT', '1'], '+OK'],
  [['GET', 'k'], '"in db 1"'],
  [['FLUSHDB'], '+OK'],
  [['DBSIZE'], ':0'],
  [['SELECT', '0'], '+OK'],
  [['SELECT', '16'], '-ERR DB index is out of range'],
  [['SELECT', '-1'], '-ERR DB index is out of range'],
  [['SELECT', 'one'], NOT_INTEGER],
  [['SELECT', '99999999999'], '-ERR value is out of range, value must between -2147483648 and 2147483647'],

  // strings
  [['GET', 's'], '(nil)'],
  [['SET', 's', 'v', 'XX', 'GET'], '(nil)'],
  [['SET', 's', 'hello', 'GET'], '(nil)'],
  [['SET', 's', 'hello'], '+OK'],
  [['GET', 's'], '"hello"'],
  [['SET', 's', 'world', 'GET'], '"hello"'],
  [['GET', 's'], '"world"'],
  [['SET', 's', 'x', 'NX'], '(nil)'],
  [['SET', 's', 'x', 'XX'], '+OK'],
  [['SET', 'fresh', 'v', 'XX'], '(nil)'],
  [['SET', 'fresh', 'v', 'nx'], '+OK'],
  [['SET', 'fresh', 'v2', 'NX', 'GET'], '"v"'],
  [['SET', 'fresh2', 'v', 'NX', 'GET'], '(nil)'],
  [['GET', 'fresh2'], '"v"'],
  [['SET', 's', 'v', 'NX', 'XX'], SYNTAX],
  [['SET', 's', 'v', 'EX'], SYNTAX],
  [['SET', 's', 'v', 'EX', '0'], "-ERR invalid expire time in 'set' command"],
  [['SET', 's', 'v', 'PX', '-5'], "-ERR invalid expire time in 'set' command"],
  [['SET', 's', 'v', 'EX', 'soon'], NOT_INTEGER],
  [['SET', 's', 'v', 'EX', '10', 'PX', '100'], SYNTAX],
  [['SET', 's', 'v', 'KEEPTTL', 'EX', '10'], SYNTAX],
  [['SET', 's', 'v', 'BOGUS'], SYNTAX],
  [['SET', 's'], arity('set')],
  [['GET', 's'], '"x"'],
  [['SET', 't', 'v', 'EX', '100'], '+OK'],
  [['TTL', 't'], ':100'],
  [['PTTL', 't'], ':100000', APPROX],
  [['SET', 't', 'v2', 'KEEPTTL'], '+OK'],
  [['TTL', 't'], ':100'],
  [['SET', 't', 'v3'], '+OK'],
  [['TTL', 't'], ':-1'],
  [['SET', 't', 'v', 'px', '100000'], '+OK'],
  [['TTL', 't'], ':100'],
  [['SET', 't', 'v', 'EX', '50', 'EX', '60'], '+OK'],
  [['TTL', 't'], ':60'],
  [['SET', 't', 'v', 'EXAT', '99999999999'], '+OK'],
  [['SET', 't', 'v', 'PXAT', '1'], '+OK'],
  [['GET', 't'], '(nil)'],
  [['SETEX', 'se', '100', 'v'], '+OK'],
  [['TTL', 'se'], ':100'],
  [['SETEX', 'se', '0', 'v'], "-ERR invalid expire time in 'setex' command"],
  [['SETEX', 'se', 'x', 'v'], NOT_INTEGER],
  [['PSETEX', 'pe', '100000', 'v'], '+OK'],
  [['TTL', 'pe'], ':100'],
  [['PSETEX', 'pe', '-1', 'v'], "-ERR invalid expire time in 'psetex' command"],
  [['SETNX', 'sn', 'a'], ':1'],
  [['SETNX', 'sn', 'b'], ':0'],
  [['GET', 'sn'], '"a"'],
  [['MSET', 'm1', 'a', 'm2', 'b'], '+OK'],
  [['MSET', 'm1', 'a', 'm2'], arity('mset')],
  [['MGET', 'm1', 'm2', 'nope'], '["a", "b", (nil)]'],
  [['SET', 'empty', ''], '+OK'],
  [['GET', 'empty'], '""'],
  [['SET', 'bytes', 'a\u0000b\r\nc\u007f'], '+OK'],
  [['GET', 'bytes'], '"a\\u0000b\\r\\nc\u007f"'],
  [['SET', 'utf8', 'héllo wörld ✓'], '+OK'],
  [['GET', 'utf8'], '"héllo wörld ✓"'],

  // counters
  [['INCR', 'c'], ':1'],
  [['INCR', 'c'], ':2'],
  [['INCRBY', 'c', '10'], ':12'],
  [['DECR', 'c'], ':11'],
  [['DECRBY', 'c', '5'], ':6'],
  [['INCRBY', 'c', '-10'], ':-4'],
  [['GET', 'c'], '"-4"'],
  [['INCRBY', 'c', 'ten'], NOT_INTEGER],
  [['INCRBY', 'c', '1', '2'], arity('incrby')],
  [['INCR', 'c', '1'], arity('incr')],
  [['INCRBY', 'c', '9223372036854775808'], NOT_INTEGER],
  [['INCR', 's'], NOT_INTEGER],
  [['SET', 'max', '9223372036854775807'], '+OK'],
  [['INCR', 'max'], '-ERR increment or decrement would overflow'],
  [['SET', 'min', '-9223372036854775808'], '+OK'],
  [['DECR', 'min'], '-ERR increment or decrement would overflow'],
  [['DECRBY', 'c', '-9223372036854775808'], '-ERR decrement would overflow'],
  [['SET', 'zeros', '007'], '+OK'],
  [['INCR', 'zeros'], NOT_INTEGER],
  [['SET', 'spaced', ' 1'], '+OK'],
  [['INCR', 'spaced'], NOT_INTEGER],
  [['SET', 'float', '1.5'], '+OK'],
  [['INCR', 'float'], NOT_INTEGER],
  [['SET', 'counter', '41', 'EX', '100'], '+OK'],
  [['INCR', 'counter'], ':42'],
  [['TTL', 'counter'], ':100'],

  // keys
  [['EXISTS', 's', 's', 'nope'], ':2'],
  [['DEL', 's', 'nope'], ':1'],
  [['DEL', 's'], ':0'],
  [['UNLINK', 'fresh', 'fresh2'], ':2'],
  [['TYPE', 'm1'], '+string'],
  [['TYPE', 'nope'], '+none'],
  [['KEYS', 'm*'], '["m1", "m2", "max", "min"]', UNORDERED],
  [['KEYS', 'm?'], '["m1", "m2"]', UNORDERED],
  [['KEYS', 'm[1]'], '["m1"]'],
  [['KEYS', 'm[^1]'], '["m2"]'],
  [['KEYS', 'm[0-1]'], '["m1"]'],
  [['KEYS', 'm[2-0]'], '["m1", "m2"]', UNORDERED],
  [['KEYS', 'm\\1'], '["m1"]'],
  [['KEYS', '*tf*'], '["utf8"]'],
  [['KEYS', 'nothing*'], '[]'],
  [
    ['KEYS', '*'],
    '["bytes", "c", "counter", "empty", "float", "m1", "m2", "max", "min", "pe", "se", "sn", "spaced", "utf8", "zeros"]',
    UNORDERED,
  ],
  [['DBSIZE'], ':15'],
  [['KEYS'], arity('keys')],

  // expiry
  [['EXPIRE', 'nope', '10'], ':0'],
  [['SET', 'e', 'v'], '+OK'],
  [['EXPIRE', 'e', '100'], ':1'],
  [['TTL', 'e'], ':100'],
  [['EXPIRE', 'e', '200', 'NX'], ':0'],
  [['EXPIRE', 'e', '200', 'XX'], ':1'],
  [['EXPIRE', 'e', '100', 'GT'], ':0'],
  [['EXPIRE', 'e', '300', 'gt'], ':1'],
  [['EXPIRE', 'e', '50', 'LT'], ':1'],
  [['TTL', 'e'], ':50'],
  [['EXPIRE', 'e', '10', 'NX', 'XX'], '-ERR NX and XX, GT or LT options at the same time are not compatible'],
  [['EXPIRE', 'e', '10', 'GT', 'LT'], '-ERR GT and LT options at the same time are not compatible'],
  [['EXPIRE', 'e', '10', 'Sometimes'], '-ERR Unsupported option Sometimes'],
  [['EXPIRE', 'e', 'soon'], NOT_INTEGER],
  [['EXPIRE', 'e'], arity('expire')],
  [['EXPIRE', 'e', '9223372036854775807'], "-ERR invalid expire time in 'expire' command"],
  [['PEXPIRE', 'e', '9223372036854775807'], "-ERR invalid expire time in 'pexpire' command"],
  [['PERSIST', 'e'], ':1'],
  [['TTL', 'e'], ':-1'],
  [['PTTL', 'e'], ':-1'],
  [['PERSIST', 'e'], ':0'],
  [['PERSIST', 'nope'], ':0'],
  [['EXPIRE', 'e', '100', 'GT'], ':0'],
  [['EXPIRE', 'e', '100', 'LT'], ':1'],
  [['PEXPIRE', 'e', '200000'], ':1'],
  [['PTTL', 'e'], ':200000', APPROX],
  [['TTL', 'e'], ':200'],
  [['EXPIRE', 'e', '-1'], ':1'],
  [['EXISTS', 'e'], ':0'],
  [['EXPIRE', 'e', '10'], ':0'],
  [['TTL', 'nope'], ':-2'],
  [['PTTL', 'nope'], ':-2'],

  // hashes
  [['HSET', 'h', 'f1', 'v1', 'f2', 'v2'], ':2'],
  [['HSET', 'h', 'f1', 'x', 'f3', 'v3'], ':1'],
  [['HGET', 'h', 'f1'], '"x"'],
  [['HGET', 'h', 'nope'], '(nil)'],
  [['HGET', 'nope', 'f'], '(nil)'],
  [['HMGET', 'h', 'f1', 'nope', 'f3'], '["x", (nil), "v3"]'],
  [['HGETALL', 'h'], '["f1", "x", "f2", "v2", "f3", "v3"]'],
  [['HGETALL', 'nope'], '[]'],
  [['HSET', 'h', 'f'], arity('hset')],
  [['HSET', 'h', 'f', 'v', 'g'], arity('hset')],
  [['HEXISTS', 'h', 'f1'], ':1'],
  [['HEXISTS', 'h', 'zz'], ':0'],
  [['HLEN', 'h'], ':3'],
  [['HLEN', 'nope'], ':0'],
  [['TYPE', 'h'], '+hash'],
  [['HDEL', 'h', 'f1', 'nope'], ':1'],
  [['HDEL', 'h', 'f2', 'f3'], ':2'],
  [['EXISTS', 'h'], ':0'],
  [['HDEL', 'h', 'f1'], ':0'],
  [['HGET', 'm1', 'f'], WRONGTYPE],
  [['HSET', 'm1', 'f', 'v'], WRONGTYPE],
  [['HGETALL', 'm1'], WRONGTYPE],

  // lists
  [['RPUSH', 'l', 'a', 'b', 'c'], ':3'],
  [['LPUSH', 'l', 'z', 'y'], ':5'],
  [['LRANGE', 'l', '0', '-1'], '["y", "z", "a", "b", "c"]'],
  [['LRANGE', 'l', '1', '2'], '["z", "a"]'],
  [['LRANGE', 'l', '-2', '-1'], '["b", "c"]'],
  [['LRANGE', 'l', '5', '10'], '[]'],
  [['LRANGE', 'l', '-100', '100'], '["y", "z", "a", "b", "c"]'],
  [['LRANGE', 'l', '2', '1'], '[]'],
  [['LRANGE', 'l', 'x', '1'], NOT_INTEGER],
  [['LRANGE', 'l', '0', '99999999999999999999'], NOT_INTEGER],
  [['LRANGE', 'l', '0', '9223372036854775807'], '["y", "z", "a", "b", "c"]'],
  [['LRANGE', 'nope', '0', '-1'], '[]'],
  [['LLEN', 'l'], ':5'],
  [['LLEN', 'nope'], ':0'],
  [['TYPE', 'l'], '+list'],
  [['LPOP', 'l'], '"y"'],
  [['RPOP', 'l'], '"c"'],
  [['LPOP', 'l', '2'], '["z", "a"]'],
  [['RPOP', 'l', '5'], '["b"]'],
  [['EXISTS', 'l'], ':0'],
  [['LPOP', 'nope'], '(nil)'],
  [['LPOP', 'nope', '2'], '(nil array)'],
  [['RPUSH', 'l2', 'a', 'b'], ':2'],
  [['LPOP', 'l2', '0'], '[]'],
  [['LPOP', 'l2', '-1'], '-ERR value is out of range, must be positive'],
  [['LPOP', 'l2', 'x'], '-ERR value is out of range, must be positive'],
  [['LPOP', 'l2', '1', '2'], arity('lpop')],
  [['RPOP', 'l2', '3'], '["b", "a"]'],
  [['LPUSH', 'm1', 'x'], WRONGTYPE],
  [['LRANGE', 'm1', '0', '1'], WRONGTYPE],
  [['LPOP', 'm1'], WRONGTYPE],
  [['LLEN', 'm1'], WRONGTYPE],

  // sets
  [['SADD', 'st', 'a', 'b', 'c'], ':3'],
  [['SADD', 'st', 'a', 'd'], ':1'],
  [['SISMEMBER', 'st', 'a'], ':1'],
  [['SISMEMBER', 'st', 'z'], ':0'],
  [['SISMEMBER', 'nope', 'a'], ':0'],
  [['SCARD', 'st'], ':4'],
  [['SMEMBERS', 'st'], '["a", "b", "c", "d"]', UNORDERED],
  [['TYPE', 'st'], '+set'],
  [['SREM', 'st', 'a', 'z'], ':1'],
  [['SREM', 'st', 'b', 'c', 'd'], ':3'],
  [['EXISTS', 'st'], ':0'],
  [['SMEMBERS', 'nope'], '[]'],
  [['SADD', 'ints', '3', '1', '2'], ':3'],
  [['SMEMBERS', 'ints'], '["1", "2", "3"]', UNORDERED],
  [['SADD', 'm1', 'a'], WRONGTYPE],
  [['SMEMBERS', 'm1'], WRONGTYPE],
  [['SISMEMBER', 'm1', 'a'], WRONGTYPE],

  // strings meet other types
  [['RPUSH', 'l3', 'a'], ':1'],
  [['GET', 'l3'], WRONGTYPE],
  [['SET', 'l3', 'v', 'GET'], WRONGTYPE],
  [['MGET', 'm1', 'l3'], '["a", (nil)]'],
  [['INCR', 'l3'], WRONGTYPE],
  [['SET', 'l3', 'now a string'], '+OK'],
  [['TYPE', 'l3'], '+string'],

  // CLIENT
  [['CLIENT', 'SETNAME', 'hearth'], '+OK'],
  [['CLIENT', 'GETNAME'], '"hearth"'],
  [
    ['CLIENT', 'SETNAME', 'with space'],
    '-ERR Client names cannot contain spaces, newlines or special characters.',
  ],
  [['CLIENT', 'SETNAME', ''], '+OK'],
  [['CLIENT', 'GETNAME'], '(nil)'],
  [['CLIENT', 'NOSUCH'], "-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP."],
  [['CLIENT', 'SETNAME'], arity('client|setname')],
  [['CLIENT'], arity('client')],

  // transactions
  [['MULTI'], '+OK'],
  [['SET', 'tx', '1'], '+QUEUED'],
  [['INCR', 'tx'], '+QUEUED'],
  [['LPUSH', 'm1', 'x'], '+QUEUED'],
  [['GET', 'tx'], '+QUEUED'],
  [['EXEC'], `[+OK, :2, ${WRONGTYPE}, "2"]`],
  [['MULTI'], '+OK'],
  [['SET', 'tx'], arity('set')],
  [['INCR', 'tx'], '+QUEUED'],
  [['EXEC'], '-EXECABORT Transaction discarded because of previous errors.'],
  [['GET', 'tx'], '"2"'],
  [['MULTI'], '+OK'],
  [['MULTI'], '-ERR MULTI calls can not be nested'],
  [['INCR', 'tx'], '+QUEUED'],
  [['DISCARD'], '+OK'],
  [['GET', 'tx'], '"2"'],
  [['MULTI'], '+OK'],
  [['SELECT', '2'], '+QUEUED'],
  [['SET', 'in-2', 'v'], '+QUEUED'],
  [['PING'], '+QUEUED'],
  [['EXEC'], '[+OK, +OK, +PONG]'],
  [['DBSIZE'], ':1'],
  [['SELECT', '0'], '+OK'],
  [['EXEC'], '-ERR EXEC without MULTI'],
  [['DISCARD'], '-ERR DISCARD without MULTI'],

  // flushing
  [['FLUSHALL', 'NOW'], SYNTAX],
  [['FLUSHDB', 'SYNC', 'ASYNC'], SYNTAX],
  [['SELECT', '3'], '+OK'],
  [['SET', 'k', 'v'], '+OK'],
  [['SELECT', '0'], '+OK'],
  [['FLUSHALL', 'ASYNC'], '+OK'],
  [['DBSIZE'], ':0'],
  [['SELECT', '3'], '+OK'],
  [['DBSIZE'], ':0'],
  [['SELECT', '0'], '+OK'],
  [['FLUSHALL'], '+OK'],
]

/** A reply for comparison: rendered, sorted where order is not defined. */
export function comparable(reply: Reply, step: Step): string {
  if (step[2]?.unordered === true && reply.type === 'array') {
    return render({ ...reply, items: [...reply.items].sort((a, b) => compare(render(a), render(b))) })
  }
  return render(reply)
}

/** Whether a reply is the one the table expects (a PTTL within the second below it, for `approx`). */
export function matches(reply: Reply, step: Step): boolean {
  const [, expected, options] = step
  if (options?.approx === true && reply.type === 'integer') {
    const want = BigInt(expected.slice(1))
    return reply.value <= want && reply.value > want - 1000n
  }
  return comparable(reply, step) === expected
}

/** What a client library should hand over for a step, given the wire reply (sorted if unordered). */
export function expectedClientValue(reply: Reply, step: Step): ClientValue {
  const value = clientView(reply)
  return step[2]?.unordered === true && Array.isArray(value) ? sortValues(value) : value
}

export function sortValues(values: ClientValue[]): ClientValue[] {
  return [...values].sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)))
}

/** By code unit, the same on every machine (unlike localeCompare). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
