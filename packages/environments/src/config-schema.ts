/**
 * The shape of a config, as zod schemas: types, required and unknown fields, names, ports, globs,
 * durations, commands, and the normalized form each part takes (defaults applied, shorthands
 * expanded). What needs more than the value itself (a dependency naming a service, a template
 * naming a port, cycles) is checked after, in `config-references.ts`.
 *
 * Each schema says what is wrong in hearth's words through zod's `error` option. A hearth problem
 * has a message and a fix, zod an issue's one message: the two travel joined by a NUL (`say`), which
 * no message can otherwise hold, since every user value in one goes through `quote` (JSON).
 * `HERE` in a fix stands for the problem's path and `FIELD` in a message for its last key; both are
 * filled in when the path is written out (`validate.ts`).
 */

import path from 'node:path'
import { z } from 'zod'
import { closest, quote, typeName } from './config-words.js'
import { parseDuration } from './duration.js'
import type {
  NormalizedCommand,
  NormalizedContainerService,
  NormalizedJobService,
  NormalizedPort,
  NormalizedProcessService,
  NormalizedReadiness,
  NormalizedReset,
  NormalizedTestGroup,
} from './types.js'

export const DEFAULTS = {
  readinessTimeoutMs: 60_000,
  readinessIntervalMs: 1_000,
  resetTimeoutMs: 30_000,
  stopTimeoutMs: 5_000,
  jobTimeoutMs: 300_000,
  idleTtlMs: 4 * 3_600_000,
  healthcheckIntervalMs: 1_000,
  healthcheckTimeoutMs: 5_000,
  healthcheckRetries: 30,
} as const

export const NAME = /^[a-z][a-z0-9-]*$/
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const PORT_NAME = /^[a-z][a-zA-Z0-9]*$/
const OUTPUT_NAME = /^[A-Za-z][A-Za-z0-9]*$/
const VOLUME = /^[^:]+:\/[^:]*(:(ro|rw))?$/
/** Names a service cannot take because templates give them another meaning. */
const RESERVED_SERVICE_NAMES = ['host', 'ports', 'env', 'hearth']

// ── messages ────────────────────────────────────────────────────────────────────────────────────

const FIX = '\u0000'
export const HERE = '\u0001'
export const FIELD = '\u0002'

function say(message: string, fix: string): string {
  return `${message}${FIX}${fix}`
}

/** The message and fix of an issue that a schema below raised. */
export function unsay(text: string): { message: string; fix: string } {
  const at = text.indexOf(FIX)
  return at === -1
    ? { message: text, fix: `see the documentation of ${HERE}` }
    : { message: text.slice(0, at), fix: text.slice(at + 1) }
}

type ErrorMap = (issue: z.core.$ZodRawIssue) => string | undefined

/**
 * The error map of a value that is not of the expected type: "missing required field" when it is
 * absent and `missing` says how to add it, else "expected …, got …". A record's bad key keeps the
 * key schema's own message.
 */
function expected(what: string, fix: (input: unknown) => string, missing?: string): ErrorMap {
  return (issue) => {
    if (issue.code === 'invalid_key') return issue.issues[0]?.message
    if (issue.input === undefined && missing !== undefined)
      return say(`missing required field ${FIELD}`, missing)
    return say(`expected ${what}, got ${typeName(issue.input)}`, fix(issue.input))
  }
}

const writeAs = (what: string) => () => `write ${HERE} as ${what}`

function choiceProblem(options: readonly string[], input: unknown): string {
  const list = options.map(quote).join(', ')
  const suggestion = typeof input === 'string' ? closest(input, options) : null
  return say(
    `expected one of ${list}, got ${typeof input === 'string' ? quote(input) : typeName(input)}`,
    suggestion === null ? `use one of ${list}` : `did you mean ${quote(suggestion)}?`,
  )
}

/** The error map of a discriminated union: a missing or unknown tag, or not an object at all. */
function tagged(tag: string, options: readonly string[], what: string, missing: string): ErrorMap {
  return (issue) => {
    if (issue.code !== 'invalid_union') return expected(what, writeAs(what))(issue)
    const value = (issue.input as Record<string, unknown>)[tag]
    return value === undefined
      ? say(`missing required field ${FIELD}`, missing)
      : choiceProblem(options, value)
  }
}

// ── building blocks ─────────────────────────────────────────────────────────────────────────────

/** Shapes may list a field only to refuse it; "the fields here are" does not offer those. */
const refused = new WeakSet<z.ZodType>()

function refuse(message: string, fix: string): z.ZodOptional<z.ZodNever> {
  const schema = z.never({ error: say(message, fix) }).optional()
  refused.add(schema)
  return schema
}

/** An object with exactly these fields; unknown ones are reported with the fields it has. */
function strict<S extends z.ZodRawShape>(shape: S, what: string, fix = `write ${HERE} as ${what}`) {
  const fields = Object.keys(shape).filter((key) => !refused.has(shape[key] as z.ZodType))
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? say('unknown fields', fields.join(', '))
        : say(`expected ${what}, got ${typeName(issue.input)}`, fix),
  })
}

function string(missing?: string) {
  const fix = (input: unknown) =>
    typeof input === 'number' || typeof input === 'boolean' || typeof input === 'bigint'
      ? `write it as a string: ${JSON.stringify(String(input))}`
      : `write ${HERE} as a string`
  return z.string({ error: expected('a string', fix, missing) })
}

function nonEmpty(missing?: string) {
  return string(missing).refine((text) => text.trim() !== '', {
    error: say('must not be empty', `give ${HERE} a value`),
  })
}

/** A non-empty string that is a name of this form. */
function name(pattern: RegExp, what: string, fix: string, missing?: string) {
  return string(missing).refine((text) => pattern.test(text), {
    error: (issue) =>
      String(issue.input).trim() === ''
        ? say('must not be empty', `give ${HERE} a value`)
        : say(`invalid ${what} ${quote(issue.input)}`, fix),
  })
}

/** A record key that is a name of this form. */
function key(pattern: RegExp, what: string, fix: string) {
  return z.string().regex(pattern, { error: (issue) => say(`invalid ${what} ${quote(issue.input)}`, fix) })
}

function strings(missing?: string, item: z.ZodType<string> = string()) {
  const fix = (input: unknown) =>
    typeof input === 'string' ? `wrap it in an array: [${quote(input)}]` : `write ${HERE} as ['…']`
  return z.array(item, { error: expected('an array of strings', fix, missing) })
}

function stringRecord(keys: z.ZodType<string>) {
  const what = 'an object of strings'
  return z.record(keys, string(), { error: expected(what, writeAs(what)) })
}

function oneOf<const T extends readonly [string, ...string[]]>(options: T) {
  return z.enum(options, { error: (issue) => choiceProblem(options, issue.input) })
}

function positiveWhole(unit = 'milliseconds') {
  const fix = `set ${HERE} to a whole number above 0`
  const error: ErrorMap = (issue) =>
    typeof issue.input === 'number'
      ? say(`must be a positive whole number of ${unit}, got ${issue.input}`, fix)
      : say(`expected a number of ${unit}, got ${typeName(issue.input)}`, fix)
  return z.number({ error }).refine((n) => Number.isSafeInteger(n) && n > 0, { error })
}

const HOST_PORT_FIX = 'use a port from 1 to 65535, or leave it unset to have a free one chosen'

/** A port number; `fixed`: a fixed host port, which may be left unset to have a free one chosen. */
function portProblem(fixed: boolean, missing?: string): ErrorMap {
  const range = fixed ? HOST_PORT_FIX : 'use a port from 1 to 65535'
  return (issue) => {
    const input = issue.input
    if (input === undefined && missing !== undefined) return say(`missing required field ${FIELD}`, missing)
    if (typeof input === 'number') {
      return say(`invalid port ${input}: a port is a whole number from 1 to 65535`, range)
    }
    const digits = typeof input === 'string' && /^\s*\d{1,10}\s*$/.test(input)
    return say(
      `expected a port number, got ${typeName(input)}`,
      digits ? `write it as a number: ${input.trim()}` : range,
    )
  }
}

function port(fixed: boolean, missing?: string) {
  const error = portProblem(fixed, missing)
  return z.number({ error }).refine((n) => Number.isInteger(n) && n >= 1 && n <= 65535, { error })
}

const EMPTY_COMMAND = say('the command is empty', 'write a command, e.g. ["node", "server.js"]')

/** An argv array (run directly) or a string (run through `/bin/sh -c`). */
function command(missing?: string): z.ZodType<NormalizedCommand> {
  return z.union(
    [
      z
        .string()
        .refine((shell) => shell.trim() !== '', { error: EMPTY_COMMAND })
        .transform((shell) => ({ shell })),
      strings()
        .refine((argv) => (argv[0] ?? '').trim() !== '', { error: EMPTY_COMMAND })
        .transform((argv) => ({ argv })),
    ],
    {
      error: expected(
        'a command (an array of arguments or a shell string)',
        () => 'write it as ["program", "arg", …] or as "program arg …"',
        missing,
      ),
    },
  )
}

/** Project-relative globs: no absolute paths, no `..`, forward slashes, balanced brackets. */
function globs(missing?: string) {
  const glob = string().superRefine((text, ctx) => {
    const problem = globProblem(text)
    if (problem !== null) {
      ctx.addIssue({
        code: 'custom',
        input: text,
        message: say(`invalid glob ${quote(text)}: ${problem[0]}`, problem[1]),
      })
    }
  })
  return strings(missing, glob)
}

function globProblem(glob: string): [message: string, fix: string] | null {
  if (glob.trim() === '') return ['it is empty', 'remove it or write a pattern such as "src/**"']
  if (glob.includes('\\')) return ['it contains "\\"', 'use forward slashes: "src/**/*.ts"']
  if (glob.startsWith('/') || /^[A-Za-z]:/.test(glob)) {
    return ['it is absolute', 'write it relative to the project root, e.g. "src/**"']
  }
  if (glob.replace(/^!/, '').split('/').includes('..')) {
    return ['it leaves the project root', 'write a pattern inside the project root']
  }
  let braces = 0
  let brackets = 0
  for (const char of glob) {
    if (char === '{') braces++
    if (char === '}') braces--
    if (char === '[') brackets++
    if (char === ']') brackets--
    if (braces < 0 || brackets < 0) break
  }
  if (braces !== 0) return ['unbalanced "{" and "}"', 'close every "{" with "}", e.g. "src/**/*.{ts,tsx}"']
  if (brackets !== 0) return ['unbalanced "[" and "]"', 'close every "[" with "]"']
  return null
}

/** Any absolute folder: whether a relative path stays inside the root does not depend on which. */
const SOME_ROOT = path.resolve('/project')

/** A folder inside the project root, normalized to forward slashes (`.` for the root itself). */
function relativePath(missing?: string) {
  return nonEmpty(missing).transform((text, ctx) => {
    const outside = (message: string, fix: string) => {
      ctx.issues.push({ code: 'custom', input: text, message: say(message, fix) })
      return z.NEVER
    }
    if (path.isAbsolute(text))
      return outside(`${quote(text)} is absolute`, 'write it relative to the project root')
    const relative = path.relative(SOME_ROOT, path.resolve(SOME_ROOT, text))
    if (relative === '..' || relative.startsWith(`..${path.sep}`)) {
      return outside(`${quote(text)} is outside the project root`, 'use a folder inside the project')
    }
    return relative === '' ? '.' : relative.split(path.sep).join('/')
  })
}

/** `undefined` (not given) becomes `null`, as the normalized types have it. */
function orNull<T>(schema: z.ZodType<T>) {
  return schema.optional().transform((value) => value ?? null)
}

const envName = key(
  ENV_NAME,
  'environment variable name',
  'use letters, digits and "_", not starting with a digit',
)

// ── readiness and reset ─────────────────────────────────────────────────────────────────────────

const ALL_FIX = 'list at least one check: ready.all(ready.tcp("pg"), ready.log(/ready/))'

/**
 * A readiness check as written: a Postgres check's `user` and `database` are null until the
 * service's env fills them in (`resolveReadiness`).
 */
type ReadinessDraft =
  | Exclude<NormalizedReadiness, { type: 'postgres' } | { type: 'all' }>
  | (Omit<Extract<NormalizedReadiness, { type: 'postgres' }>, 'user' | 'database'> & {
      user: string | null
      database: string | null
    })
  | (Omit<Extract<NormalizedReadiness, { type: 'all' }>, 'checks'> & { checks: readonly ReadinessDraft[] })

/**
 * Fills in what a check leaves to the service: a Postgres check's user and database, as the
 * official image (`POSTGRES_USER`, `POSTGRES_DB`) and libpq (`PGUSER`, `PGDATABASE`) name them,
 * else libpq's defaults. A value that is still a template is not a name the server knows.
 */
function resolveReadiness(check: ReadinessDraft, env: Readonly<Record<string, string>>): NormalizedReadiness {
  if (check.type === 'all')
    return { ...check, checks: check.checks.map((item) => resolveReadiness(item, env)) }
  if (check.type !== 'postgres') return check
  const fromEnv = (...names: string[]): string | null =>
    names
      .map((name) => env[name])
      .find((value) => value !== undefined && value !== '' && !value.includes('{{')) ?? null
  const user = check.user ?? fromEnv('POSTGRES_USER', 'PGUSER') ?? 'postgres'
  return { ...check, user, database: check.database ?? fromEnv('POSTGRES_DB', 'PGDATABASE') ?? user }
}

/** Readiness checks; only containers have an engine healthcheck. */
function readiness(containers: boolean): z.ZodType<ReadinessDraft> {
  const timing = {
    timeoutMs: positiveWhole().default(DEFAULTS.readinessTimeoutMs),
    intervalMs: positiveWhole().default(DEFAULTS.readinessIntervalMs),
  }
  const portName = nonEmpty("name one of the service's ports")
  const what = 'a readiness check (ready.http(…), ready.tcp(…), …)'
  const status = z
    .number({
      error: (issue) => say(`invalid HTTP status ${quote(issue.input)}`, 'use status codes from 100 to 599'),
    })
    .refine((code) => Number.isInteger(code) && code >= 100 && code <= 599, {
      error: (issue) => say(`invalid HTTP status ${quote(issue.input)}`, 'use status codes from 100 to 599'),
    })
  const statuses = z.union(
    [
      status.transform((code) => [code]),
      z.array(status).refine((codes) => codes.length > 0, {
        error: say(
          'no status codes given',
          'list at least one code, or leave status unset to accept any 2xx or 3xx',
        ),
      }),
    ],
    {
      error: (issue) => say(`invalid HTTP status ${quote(issue.input)}`, 'use status codes from 100 to 599'),
    },
  )
  const pattern = z.union(
    [
      z.instanceof(RegExp).transform((regexp) => ({ source: regexp.source, flags: regexp.flags })),
      nonEmpty().transform((source, ctx) => {
        try {
          new RegExp(source)
        } catch (error) {
          // V8 says `Invalid regular expression: /(/: Unterminated group`; keep only the reason.
          const reason = (error as Error).message.split(': ').at(-1) ?? ''
          ctx.issues.push({
            code: 'custom',
            input: source,
            message: say(
              `invalid regular expression ${quote(source)}: ${reason}`,
              'fix the pattern, or escape its special characters',
            ),
          })
          return z.NEVER
        }
        return { source, flags: '' }
      }),
    ],
    {
      error: expected(
        'a RegExp or a string',
        writeAs('a RegExp or a string, e.g. /listening/'),
        'set pattern to a RegExp or string, e.g. /listening/',
      ),
    },
  )
  const healthcheck = containers
    ? z.literal('healthcheck')
    : z.literal('healthcheck').refine(() => false, {
        error: say(
          'only containers have an engine healthcheck',
          'use ready.tcp, ready.http, ready.postgres, ready.redis, ready.log or ready.command',
        ),
      })
  const check: z.ZodType<ReadinessDraft> = z.discriminatedUnion(
    'type',
    [
      strict({ type: z.literal('tcp'), port: portName, ...timing }, what),
      strict(
        {
          type: z.literal('postgres'),
          port: portName,
          user: orNull(nonEmpty()),
          database: orNull(nonEmpty()),
          ...timing,
        },
        what,
      ),
      strict({ type: z.literal('redis'), port: portName, ...timing }, what),
      strict(
        {
          type: z.literal('http'),
          port: portName,
          path: string()
            .refine((text) => text.startsWith('/'), {
              error: (issue) =>
                say(
                  `path ${quote(issue.input)} does not start with "/"`,
                  `write ${quote(`/${issue.input}`)}`,
                ),
            })
            .default('/'),
          status: orNull(statuses),
          ...timing,
        },
        what,
      ),
      strict({ type: z.literal('log'), pattern, ...timing }, what),
      strict(
        {
          type: z.literal('command'),
          command: command('set command to a check that exits 0 when ready'),
          ...timing,
        },
        what,
      ),
      strict({ type: healthcheck, ...timing }, what),
      strict(
        {
          type: z.literal('all'),
          checks: z
            .array(
              z.lazy(() => check),
              {
                error: expected(
                  'an array of checks',
                  () => ALL_FIX,
                  'list the checks: ready.all(ready.tcp("pg"), ready.log(/ready/))',
                ),
              },
            )
            .refine((checks) => checks.length > 0, { error: say('no checks given', ALL_FIX) }),
          ...timing,
        },
        what,
      ),
    ],
    {
      error: tagged(
        'type',
        ['tcp', 'http', 'postgres', 'redis', 'log', 'command', 'healthcheck', 'all'],
        what,
        'use a helper such as ready.http("http", "/health")',
      ),
    },
  )
  return check
}

const reset: z.ZodType<NormalizedReset> = z.discriminatedUnion(
  'type',
  [
    strict(
      {
        type: z.literal('exec'),
        command: command('set the command that resets the service'),
        timeoutMs: positiveWhole().default(DEFAULTS.resetTimeoutMs),
      },
      'a reset',
    ),
    strict({ type: z.literal('restart') }, 'a reset'),
  ],
  {
    error: tagged(
      'type',
      ['exec', 'restart'],
      'a reset ({ type: "exec", command } or { type: "restart" })',
      'set type: "exec" or "restart"',
    ),
  },
)

// ── ports ───────────────────────────────────────────────────────────────────────────────────────

const portName = key(
  PORT_NAME,
  'port name',
  'use letters and digits, starting with a lowercase letter (e.g. http, pg)',
)

/** A container port: the port it listens on, or `{ container, host?, protocol? }`. */
export const containerPort = z.union(
  [
    port(false).transform((container) => ({ container, host: null, protocol: 'tcp' as const })),
    strict(
      {
        container: port(false, 'set container to the port the container listens on'),
        host: orNull(port(true)),
        protocol: oneOf(['tcp', 'udp']).default('tcp'),
      },
      'a container port (a number, or { container, host? })',
    ),
  ],
  {
    error: (issue) =>
      typeof issue.input === 'string'
        ? portProblem(false)(issue)
        : say(
            `expected a container port (a number, or { container, host? }), got ${typeName(issue.input)}`,
            `write ${HERE} as a container port (a number, or { container, host? })`,
          ),
  },
)

/** A process port: the variable that receives it, and a fixed port if it must be one. */
export const processPort = strict(
  {
    env: orNull(
      nonEmpty().refine((text) => ENV_NAME.test(text), {
        error: (issue) =>
          say(
            `invalid environment variable name ${quote(issue.input)}`,
            'use letters, digits and "_", e.g. "PORT"',
          ),
      }),
    ),
    host: orNull(port(true)),
  },
  'a port object ({ env?, host? })',
)

const PORTS = 'an object of named ports, e.g. { http: {} }'

const containerPorts = z
  .record(portName, containerPort, { error: expected(PORTS, writeAs(PORTS)) })
  .transform((ports): NormalizedPort[] =>
    Object.entries(ports).map(([name, spec]) => ({ name, ...spec, env: null })),
  )

const processPorts = z
  .record(portName, processPort, { error: expected(PORTS, writeAs(PORTS)) })
  .transform((ports): NormalizedPort[] =>
    Object.entries(ports).map(([name, spec]) => ({
      name,
      container: null,
      protocol: 'tcp' as const,
      ...spec,
    })),
  )

// ── services ────────────────────────────────────────────────────────────────────────────────────

/** A service as validated, before it is told its name and environment. */
type Draft<T> = Omit<T, 'name' | 'environment'>
export type ProcessDraft = Draft<NormalizedProcessService>
export type ContainerDraft = Draft<Omit<NormalizedContainerService, 'fallback'>> & {
  fallback: ProcessDraft | null
}
export type ServiceDraft = ProcessDraft | ContainerDraft | Draft<NormalizedJobService>

const NONE: NormalizedReadiness = {
  type: 'none',
  timeoutMs: DEFAULTS.readinessTimeoutMs,
  intervalMs: DEFAULTS.readinessIntervalMs,
}

/** The fields every kind has, in the order "the fields here are" lists them. */
function serviceFields(kind: 'container' | 'process') {
  return {
    description: orNull(string()),
    dependsOn: strings().default(() => []),
    env: stringRecord(envName).default(() => ({})),
    readiness: readiness(kind === 'container').optional(),
    outputs: stringRecord(
      key(OUTPUT_NAME, 'output name', 'use letters and digits, starting with a letter (e.g. url, adminUrl)'),
    ).default(() => ({})),
    watch: globs().default(() => []),
    reset: orNull(reset),
    ports: (kind === 'container' ? containerPorts : processPorts).default(() => []),
    testEnv: stringRecord(envName).default(() => ({})),
    secrets: strings().default(() => []),
  }
}

const SERVICE = 'a service object'

const processFields = {
  kind: z.literal('process'),
  ...serviceFields('process'),
  command: command('set command: ["node", "server.js"] (or a shell string)'),
  cwd: relativePath().default('.'),
  stopTimeoutMs: positiveWhole().default(DEFAULTS.stopTimeoutMs),
}

/** A process with ports is ready when the first accepts a connection. */
function withProcessReadiness<
  T extends {
    readiness?: ReadinessDraft | undefined
    env: Readonly<Record<string, string>>
    ports: NormalizedPort[]
  },
>(service: T): Omit<T, 'readiness'> & { readiness: NormalizedReadiness } {
  const first = service.ports[0]
  const readiness: NormalizedReadiness =
    (service.readiness && resolveReadiness(service.readiness, service.env)) ??
    (first === undefined
      ? NONE
      : { type: 'tcp', port: first.name, timeoutMs: NONE.timeoutMs, intervalMs: NONE.intervalMs })
  return { ...service, readiness }
}

const processService = strict(processFields, SERVICE).transform(
  (service): ProcessDraft => withProcessReadiness(service),
)

const FALLBACK_FIX = 'remove the field from the fallback'
/** A container's stand-in: a process that takes the container's dependencies. */
const fallback = z.discriminatedUnion(
  'kind',
  [
    strict(
      {
        ...processFields,
        dependsOn: refuse(
          'a fallback takes the dependencies of its container and has no fallback of its own',
          FALLBACK_FIX,
        ),
        fallback: refuse(
          'a fallback takes the dependencies of its container and has no fallback of its own',
          FALLBACK_FIX,
        ),
      },
      SERVICE,
    ).transform((service) => withProcessReadiness(service)),
  ],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union')
        return expected(
          'a process service ({ kind: "process", command, … })',
          writeAs('a process service'),
        )(issue)
      const kind = (issue.input as Record<string, unknown>).kind
      return kind === undefined
        ? say(`missing required field ${FIELD}`, 'set kind: "process"')
        : say(`a fallback must be a process, got ${quote(kind)}`, 'set kind: "process"')
    },
  },
)

const containerService = strict(
  {
    kind: z.literal('container'),
    ...serviceFields('container'),
    image: orNull(nonEmpty()),
    build: orNull(
      strict(
        {
          context: relativePath('set context to a folder with a Dockerfile, e.g. "docker/api"'),
          dockerfile: nonEmpty().default('Dockerfile'),
          args: stringRecord(z.string()).default(() => ({})),
        },
        'a build object ({ context, dockerfile?, args? })',
      ),
    ),
    pull: oneOf(['missing', 'always', 'never']).default('missing'),
    command: orNull(command()),
    volumes: strings(
      undefined,
      string().regex(VOLUME, {
        error: (issue) =>
          say(
            `invalid volume ${quote(issue.input)}`,
            'write "source:/path/in/container" or "source:/path:ro"',
          ),
      }),
    ).default(() => []),
    healthcheck: orNull(
      strict(
        {
          command: command('set command: ["pg_isready"]'),
          intervalMs: positiveWhole().default(DEFAULTS.healthcheckIntervalMs),
          timeoutMs: positiveWhole().default(DEFAULTS.healthcheckTimeoutMs),
          retries: positiveWhole('retries').default(DEFAULTS.healthcheckRetries),
        },
        'a healthcheck object ({ command, intervalMs? })',
      ),
    ),
    fallback: orNull(fallback),
  },
  SERVICE,
)
  .superRefine(
    (service, ctx) => {
      if (service.image === null && service.build === null) {
        ctx.addIssue({
          code: 'custom',
          input: service,
          path: ['image'],
          message: say(
            'a container needs an image or a build',
            'set image: "postgres:16-alpine", or build: { context: "…" }',
          ),
        })
      }
    },
    // Also when other fields are wrong: this is one more problem, not a consequence of those.
    { when: () => true },
  )
  .transform(
    (service): ContainerDraft => ({
      ...service,
      // A TCP connect through Docker's port proxy succeeds before the service listens, so
      // containers get no implicit TCP check.
      readiness:
        (service.readiness && resolveReadiness(service.readiness, service.env)) ??
        (service.healthcheck === null ? NONE : { ...NONE, type: 'healthcheck' }),
      fallback: service.fallback === null ? null : { ...service.fallback, dependsOn: service.dependsOn },
    }),
  )

const { readiness: _jobReadiness, ports: _jobPorts, ...jobFields } = serviceFields('process')
const jobService = strict(
  {
    kind: z.literal('job'),
    ...jobFields,
    command: command('set command: ["node", "migrate.js"] (or a shell string)'),
    cwd: relativePath().default('.'),
    image: orNull(nonEmpty()),
    timeoutMs: positiveWhole().default(DEFAULTS.jobTimeoutMs),
  },
  SERVICE,
).transform((service) => ({ ...service, readiness: NONE, ports: [] as NormalizedPort[] }))

const service = z.discriminatedUnion('kind', [containerService, processService, jobService], {
  error: tagged(
    'kind',
    ['container', 'process', 'job'],
    SERVICE,
    'set kind: "container", "process" or "job"',
  ),
})

// ── environments, tests, config ─────────────────────────────────────────────────────────────────

const NAME_FIX = 'use lowercase letters, digits and "-", starting with a letter'
const SERVICES = 'an object of services'

const services = z
  .record(z.string(), service, {
    error: expected(
      SERVICES,
      writeAs(SERVICES),
      'add services: { name: { kind: "process", command: [...] } }',
    ),
  })
  .superRefine(
    (services, ctx) => {
      const names = Object.keys(services)
      if (names.length === 0) {
        ctx.addIssue({
          code: 'custom',
          input: services,
          message: say('the environment has no services', 'add a service or remove the environment'),
        })
      }
      for (const name of names) {
        const problem = !NAME.test(name)
          ? say(`invalid service name ${quote(name)}`, NAME_FIX)
          : RESERVED_SERVICE_NAMES.includes(name)
            ? say(
                `${quote(name)} is a reserved name`,
                `rename the service; ${RESERVED_SERVICE_NAMES.map(quote).join(', ')} mean something else in templates`,
              )
            : null
        if (problem !== null) ctx.addIssue({ code: 'custom', input: name, path: [name], message: problem })
      }
    },
    // Names are checked whether or not the services themselves are valid.
    { when: ({ value }) => isPlainRecord(value) },
  )

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RegExp)
}

const environment = strict(
  {
    name: name(NAME, 'environment name', NAME_FIX, 'give the environment a name, e.g. name: "backend"'),
    description: orNull(string()),
    services,
  },
  'an environment (defineEnvironment({ name, services }))',
)

const testGroup = strict(
  {
    name: nonEmpty('give the group a name, e.g. name: "integration"'),
    include: globs('list its test files, e.g. include: ["tests/**/*.test.ts"]').refine(
      (globs) => globs.length > 0,
      {
        error: say('no globs given', 'list its test files, e.g. ["tests/**/*.test.ts"]'),
      },
    ),
    exclude: globs().default(() => []),
    environment: orNull(nonEmpty()),
    triggers: globs().default(() => []),
  },
  'a test group object',
).transform((group): NormalizedTestGroup => group)

const DURATION_FIX = 'write a duration such as "30m", "4h" or "1d", or a number of milliseconds'

const duration = z.unknown().transform((value, ctx) => {
  const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : null
  if (ms !== null) return ms
  const shown = typeof value === 'string' || typeof value === 'number' ? quote(value) : typeName(value)
  ctx.issues.push({ code: 'custom', input: value, message: say(`invalid duration ${shown}`, DURATION_FIX) })
  return z.NEVER
})

export const configSchema = strict(
  {
    project: orNull(
      name(
        PROJECT_NAME,
        'project name',
        'use letters, digits, ".", "_" and "-", starting with a letter or digit',
      ),
    ),
    environments: z.array(environment, {
      error: expected(
        'an array of environments',
        () => 'write environments: [defineEnvironment({ name: "…", services: { … } })]',
        'add `environments: [defineEnvironment({ name, services })]`',
      ),
    }),
    tests: z
      .array(testGroup, {
        error: expected(
          'an array of test groups',
          () => 'write tests: [{ name: "…", include: ["…"], environment: "…" }]',
        ),
      })
      .default(() => []),
    idleTtl: duration.optional().transform((ms) => ms ?? DEFAULTS.idleTtlMs),
    fallback: z
      .boolean({ error: expected('true or false', () => `write ${HERE} as true or false`) })
      .default(true),
  },
  'the config object',
  'end the file with `export default defineConfig({ environments: [...] })`',
)

export type ValidConfig = z.output<typeof configSchema>

/** A port's fixed host port and protocol, if the port is valid; for clashes between services. */
export function fixedPort(kind: unknown, spec: unknown): { host: number; protocol: 'tcp' | 'udp' } | null {
  const parsed =
    kind === 'container'
      ? containerPort.safeParse(spec)
      : kind === 'process'
        ? processPort.safeParse(spec)
        : null
  if (parsed?.success !== true || parsed.data.host === null) return null
  return { host: parsed.data.host, protocol: 'protocol' in parsed.data ? parsed.data.protocol : 'tcp' }
}
