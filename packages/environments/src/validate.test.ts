import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { defineConfig, defineEnvironment, ready, ref, SOURCE_FILE } from './define.js'
import { type ConfigIssue, formatIssues } from './issues.js'
import type { EnvironmentDefinition, NormalizedConfig, NormalizedService } from './types.js'
import { DEFAULTS, validateConfig } from './validate.js'

const ROOT = path.resolve('/work/shop')
const FILE = 'hearth.config.ts'
const OPTIONS = { root: ROOT, file: FILE, defaultProject: 'shop' }
/** Most paths start here; the table stays readable with it. */
const S = 'environments.backend.services'

function issuesOf(config: unknown, options = OPTIONS): ConfigIssue[] {
  const result = validateConfig(config, options)
  if (result.ok) throw new Error(`expected issues, got a valid config: ${JSON.stringify(result.config)}`)
  return result.issues
}

function normalize(config: unknown, options = OPTIONS): NormalizedConfig {
  const result = validateConfig(config, options)
  if (!result.ok) throw new Error(`expected a valid config:\n${formatIssues(result.issues)}`)
  return result.config
}

function issue(at: string, message: string, fix: string, file = FILE): ConfigIssue {
  return { file, path: at, message, fix }
}

/** Marks an object as written in `file` (under ROOT), as `defineEnvironment` does. */
function from<T extends object>(file: string, value: T): T {
  Object.defineProperty(value, SOURCE_FILE, { value: path.join(ROOT, file), enumerable: false })
  return value
}

const proc = (extra: Record<string, unknown> = {}) => ({
  kind: 'process',
  command: ['node', 'server.js'],
  ...extra,
})
const pg = (extra: Record<string, unknown> = {}) => ({
  kind: 'container',
  image: 'postgres:16-alpine',
  ports: { pg: 5432 },
  ...extra,
})
const envOf = (services: Record<string, unknown>, name = 'backend') => ({ name, services })
const cfg = (services: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  environments: [envOf(services)],
  ...extra,
})

const FIELDS_TOP = 'project, environments, tests, idleTtl, fallback'
const FIELDS_PROCESS =
  'kind, description, dependsOn, env, readiness, outputs, watch, reset, ports, testEnv, secrets, command, cwd, stopTimeoutMs'
const FIELDS_JOB =
  'kind, description, dependsOn, env, outputs, watch, reset, testEnv, secrets, command, cwd, image, timeoutMs'
const DEFAULT_EXPORT_FIX = 'end the file with `export default defineConfig({ environments: [...] })`'
const CYCLE_FIX = 'remove one of these dependsOn entries so that the services can start in order'
const TEMPLATE_FIX = 'write references as {{host}}, {{ports.<name>}} or {{<service>.<output>}}'
const REFERENCE_FIX =
  'use {{host}}, {{ports.<name>}}, {{env.<NAME>}} (outputs only) or {{<service>.<output>}}'
const DURATION_FIX = 'write a duration such as "30m", "4h" or "1d", or a number of milliseconds'
const HOST_PORT_FIX = 'use a port from 1 to 65535, or leave it unset to have a free one chosen'
const NAME_FIX = 'use lowercase letters, digits and "-", starting with a letter'
const RESERVED_FIX = 'rename the service; "host", "ports", "env", "hearth" mean something else in templates'
const GLOB_BRACES_FIX = 'close every "{" with "}", e.g. "src/**/*.{ts,tsx}"'

interface BadCase {
  name: string
  config: unknown
  issues: ConfigIssue[]
}

const badConfigs: BadCase[] = [
  // ── test env ──
  {
    name: 'a test env that names no output of its service, and a bad variable name',
    config: cfg({
      db: pg({
        outputs: { url: 'pg://{{host}}:{{ports.pg}}' },
        testEnv: { DATABASE_URL: '{{uri}}', '1X': '{{url}}' },
      }),
    }),
    // Within a service, problems of shape (a name) come before problems of reference (a template).
    issues: [
      issue(
        `${S}.db.testEnv["1X"]`,
        'invalid environment variable name "1X"',
        'use letters, digits and "_", not starting with a digit',
      ),
      issue(
        `${S}.db.testEnv.DATABASE_URL`,
        '{{uri}} is not an output of this service',
        'did you mean {{url}}?',
      ),
    ],
  },

  // ── container fallbacks ──
  {
    name: 'a fallback that is not a process',
    config: cfg({ db: pg({ fallback: { kind: 'container', image: 'x' } }) }),
    issues: [
      issue(`${S}.db.fallback.kind`, 'a fallback must be a process, got "container"', 'set kind: "process"'),
    ],
  },
  {
    name: 'a fallback with dependencies of its own',
    config: cfg({ db: pg({ fallback: proc({ dependsOn: ['db'] }) }) }),
    issues: [
      issue(
        `${S}.db.fallback.dependsOn`,
        'a fallback takes the dependencies of its container and has no fallback of its own',
        'remove the field from the fallback',
      ),
    ],
  },
  {
    name: "a fallback without the container's outputs, and with a bad field",
    config: cfg({
      db: pg({
        outputs: { url: 'pg://{{host}}:{{ports.pg}}' },
        fallback: proc({ ports: { pg: {} }, outputs: { uri: 'pg://{{host}}:{{ports.pg}}' } }),
      }),
      cache: pg({ fallback: proc({ stopTimeoutMs: -1 }) }),
    }),
    issues: [
      issue(
        `${S}.db.fallback.outputs`,
        'the fallback lacks the container\'s outputs "url"',
        'declare the same outputs on the fallback, so dependents get them whichever runs',
      ),
      issue(
        `${S}.cache.fallback.stopTimeoutMs`,
        'must be a positive whole number of milliseconds, got -1',
        `set ${S}.cache.fallback.stopTimeoutMs to a whole number above 0`,
      ),
    ],
  },

  // ── shape ──
  {
    name: 'a number instead of the config object',
    config: 42,
    issues: [issue('(default export)', 'expected the config object, got a number', DEFAULT_EXPORT_FIX)],
  },
  {
    name: 'null instead of the config object',
    config: null,
    issues: [issue('(default export)', 'expected the config object, got null', DEFAULT_EXPORT_FIX)],
  },
  {
    name: 'an array instead of the config object',
    config: [{ environments: [] }],
    issues: [issue('(default export)', 'expected the config object, got an array', DEFAULT_EXPORT_FIX)],
  },
  {
    name: 'no environments',
    config: {},
    issues: [
      issue(
        'environments',
        'missing required field "environments"',
        'add `environments: [defineEnvironment({ name, services })]`',
      ),
    ],
  },
  {
    name: 'environments written as an object',
    config: { environments: { backend: {} } },
    issues: [
      issue(
        'environments',
        'expected an array of environments, got an object',
        'write environments: [defineEnvironment({ name: "…", services: { … } })]',
      ),
    ],
  },

  // ── unknown fields ──
  {
    name: 'unknown top-level field, with a suggestion',
    config: { environment: [], environments: [] },
    issues: [
      issue(
        'environment',
        'unknown field "environment"',
        'did you mean "environments"? The fields here are project, environments, tests, idleTtl, fallback',
      ),
    ],
  },
  {
    name: 'unknown top-level field, no suggestion',
    config: { plugins: [], environments: [] },
    issues: [issue('plugins', 'unknown field "plugins"', `remove it; the fields here are ${FIELDS_TOP}`)],
  },
  {
    name: 'unknown fields in an environment and a service',
    config: {
      environments: [
        { name: 'backend', servics: {}, services: { api: proc({ dependOn: [], colour: 'red' }) } },
      ],
    },
    issues: [
      issue(
        'environments.backend.servics',
        'unknown field "servics"',
        'did you mean "services"? The fields here are name, description, services',
      ),
      issue(
        `${S}.api.dependOn`,
        'unknown field "dependOn"',
        'did you mean "dependsOn"? The fields here are kind, description, dependsOn, env, readiness, outputs, watch, reset, ports, testEnv, secrets, command, cwd, stopTimeoutMs',
      ),
      issue(`${S}.api.colour`, 'unknown field "colour"', `remove it; the fields here are ${FIELDS_PROCESS}`),
    ],
  },
  {
    name: 'unknown fields in ports, readiness, reset, build and healthcheck (transposed letters too)',
    config: cfg({
      web: {
        kind: 'container',
        build: { context: 'docker/web', dockerFile: 'Dockerfile.dev' },
        ports: { http: { container: 80, hots: 8080 } },
        healthcheck: { command: ['true'], interval: 5 },
      },
      api: proc({
        ports: { http: { evn: 'PORT' } },
        readiness: { type: 'http', port: 'http', paht: '/health' },
        reset: { type: 'restart', command: 'x' },
      }),
    }),
    issues: [
      issue(
        `${S}.web.ports.http.hots`,
        'unknown field "hots"',
        'did you mean "host"? The fields here are container, host, protocol',
      ),
      issue(
        `${S}.web.build.dockerFile`,
        'unknown field "dockerFile"',
        'did you mean "dockerfile"? The fields here are context, dockerfile, args',
      ),
      issue(
        `${S}.web.healthcheck.interval`,
        'unknown field "interval"',
        'did you mean "intervalMs"? The fields here are command, intervalMs, timeoutMs, retries',
      ),
      // Within a service, in the order "the fields here are" lists its fields.
      issue(
        `${S}.api.readiness.paht`,
        'unknown field "paht"',
        'did you mean "path"? The fields here are type, port, path, status, timeoutMs, intervalMs',
      ),
      issue(`${S}.api.reset.command`, 'unknown field "command"', 'remove it; the fields here are type'),
      issue(
        `${S}.api.ports.http.evn`,
        'unknown field "evn"',
        'did you mean "env"? The fields here are env, host',
      ),
    ],
  },
  {
    name: 'unknown field in a test group',
    config: { environments: [], tests: [{ name: 'unit', include: ['tests/**'], inclde: ['x'] }] },
    issues: [
      issue(
        'tests[0].inclde',
        'unknown field "inclde"',
        'did you mean "include"? The fields here are name, include, exclude, environment, triggers',
      ),
    ],
  },
  {
    name: 'fields a job does not have are reported once, not validated on top',
    config: cfg({
      seed: { kind: 'job', command: 'seed', readiness: { type: 'tcp', port: 'x' }, ports: { x: 70000 } },
    }),
    issues: [
      issue(
        `${S}.seed.readiness`,
        'unknown field "readiness"',
        `remove it; the fields here are ${FIELDS_JOB}`,
      ),
      issue(`${S}.seed.ports`, 'unknown field "ports"', `remove it; the fields here are ${FIELDS_JOB}`),
    ],
  },

  // ── wrong types ──
  {
    name: 'a number where a string is expected, a string where an array is expected',
    config: cfg({
      api: proc({ description: 5, env: { PORT: 3000, DEBUG: true }, dependsOn: 'db', watch: 'src/**' }),
      db: pg({ image: 16, volumes: 'data:/var/lib/postgresql/data' }),
    }),
    issues: [
      issue(`${S}.api.description`, 'expected a string, got a number', 'write it as a string: "5"'),
      issue(
        `${S}.api.dependsOn`,
        'expected an array of strings, got a string',
        'wrap it in an array: ["db"]',
      ),
      issue(`${S}.api.env.PORT`, 'expected a string, got a number', 'write it as a string: "3000"'),
      issue(`${S}.api.env.DEBUG`, 'expected a string, got a boolean', 'write it as a string: "true"'),
      issue(
        `${S}.api.watch`,
        'expected an array of strings, got a string',
        'wrap it in an array: ["src/**"]',
      ),
      issue(`${S}.db.image`, 'expected a string, got a number', 'write it as a string: "16"'),
      issue(
        `${S}.db.volumes`,
        'expected an array of strings, got a string',
        'wrap it in an array: ["data:/var/lib/postgresql/data"]',
      ),
    ],
  },
  {
    name: 'an array where a string is expected, an array where an object is expected',
    config: {
      project: 7,
      environments: [{ name: 'backend', description: ['x'], services: [] }],
      tests: { name: 'x' },
    },
    issues: [
      issue('project', 'expected a string, got a number', 'write it as a string: "7"'),
      issue(
        'environments.backend.description',
        'expected a string, got an array',
        'write environments.backend.description as a string',
      ),
      issue(
        'environments.backend.services',
        'expected an object of services, got an array',
        'write environments.backend.services as an object of services',
      ),
      issue(
        'tests',
        'expected an array of test groups, got an object',
        'write tests: [{ name: "…", include: ["…"], environment: "…" }]',
      ),
    ],
  },
  {
    name: 'wrong kinds, commands and timeouts',
    config: cfg({
      a: { kind: 'containr', image: 'x' },
      b: { kind: 5 },
      c: proc({ command: 42, stopTimeoutMs: -1 }),
      d: { kind: 'job', command: [], timeoutMs: 1.5 },
      e: { kind: 'job', command: '  ', cwd: 3 },
      f: proc({ command: ['node', 3] }),
    }),
    issues: [
      issue(
        `${S}.a.kind`,
        'expected one of "container", "process", "job", got "containr"',
        'did you mean "container"?',
      ),
      issue(
        `${S}.b.kind`,
        'expected one of "container", "process", "job", got a number',
        'use one of "container", "process", "job"',
      ),
      issue(
        `${S}.c.command`,
        'expected a command (an array of arguments or a shell string), got a number',
        'write it as ["program", "arg", …] or as "program arg …"',
      ),
      issue(
        `${S}.c.stopTimeoutMs`,
        'must be a positive whole number of milliseconds, got -1',
        'set environments.backend.services.c.stopTimeoutMs to a whole number above 0',
      ),
      issue(`${S}.d.command`, 'the command is empty', 'write a command, e.g. ["node", "server.js"]'),
      issue(
        `${S}.d.timeoutMs`,
        'must be a positive whole number of milliseconds, got 1.5',
        'set environments.backend.services.d.timeoutMs to a whole number above 0',
      ),
      issue(`${S}.e.command`, 'the command is empty', 'write a command, e.g. ["node", "server.js"]'),
      issue(`${S}.e.cwd`, 'expected a string, got a number', 'write it as a string: "3"'),
      issue(`${S}.f.command[1]`, 'expected a string, got a number', 'write it as a string: "3"'),
    ],
  },

  // ── missing required fields ──
  {
    name: 'missing name, services, kind, command, image-or-build, build context, test name and include',
    config: {
      environments: [
        { services: {} },
        { name: 'backend' },
        envOf(
          {
            a: {},
            b: { kind: 'process' },
            c: { kind: 'job' },
            d: { kind: 'container' },
            e: { kind: 'container', build: {} },
          },
          'other',
        ),
      ],
      tests: [{}, { name: 'x' }, { name: 'y', include: [] }],
    },
    issues: [
      issue(
        'environments[0].name',
        'missing required field "name"',
        'give the environment a name, e.g. name: "backend"',
      ),
      issue(
        'environments[0].services',
        'the environment has no services',
        'add a service or remove the environment',
      ),
      issue(
        'environments.backend.services',
        'missing required field "services"',
        'add services: { name: { kind: "process", command: [...] } }',
      ),
      issue(
        'environments.other.services.a.kind',
        'missing required field "kind"',
        'set kind: "container", "process" or "job"',
      ),
      issue(
        'environments.other.services.b.command',
        'missing required field "command"',
        'set command: ["node", "server.js"] (or a shell string)',
      ),
      issue(
        'environments.other.services.c.command',
        'missing required field "command"',
        'set command: ["node", "migrate.js"] (or a shell string)',
      ),
      issue(
        'environments.other.services.d.image',
        'a container needs an image or a build',
        'set image: "postgres:16-alpine", or build: { context: "…" }',
      ),
      issue(
        'environments.other.services.e.build.context',
        'missing required field "context"',
        'set context to a folder with a Dockerfile, e.g. "docker/api"',
      ),
      issue(
        'tests[0].name',
        'missing required field "name"',
        'give the group a name, e.g. name: "integration"',
      ),
      issue(
        'tests[0].include',
        'missing required field "include"',
        'list its test files, e.g. include: ["tests/**/*.test.ts"]',
      ),
      issue(
        'tests[1].include',
        'missing required field "include"',
        'list its test files, e.g. include: ["tests/**/*.test.ts"]',
      ),
      issue('tests[2].include', 'no globs given', 'list its test files, e.g. ["tests/**/*.test.ts"]'),
    ],
  },

  // ── dependencies ──
  {
    name: 'unknown dependency, with a suggestion and without',
    config: cfg({ db: pg(), api: proc({ dependsOn: ['dbb', 'cache'] }) }),
    issues: [
      issue(
        `${S}.api.dependsOn[0]`,
        'unknown service "dbb"; environment "backend" has "db", "api"',
        'did you mean "db"?',
      ),
      issue(
        `${S}.api.dependsOn[1]`,
        'unknown service "cache"; environment "backend" has "db", "api"',
        'name one of those services, or add a service named "cache"',
      ),
    ],
  },
  {
    name: 'self-dependency',
    config: cfg({ db: pg(), api: proc({ dependsOn: ['db', 'api'] }) }),
    issues: [
      issue(`${S}.api.dependsOn[1]`, '"api" depends on itself', 'remove "api" from its own dependsOn'),
    ],
  },
  {
    name: 'two-node cycle',
    config: cfg({ a: proc({ dependsOn: ['b'] }), b: proc({ dependsOn: ['a'] }) }),
    issues: [issue(`${S}.a.dependsOn[0]`, 'dependency cycle: a → b → a', CYCLE_FIX)],
  },
  {
    name: 'three-node cycle, named from its smallest service whatever the key order',
    config: cfg({
      c: proc({ dependsOn: ['a'] }),
      b: proc({ dependsOn: ['c'] }),
      a: proc({ dependsOn: ['x', 'b'] }),
    }),
    issues: [
      issue(
        `${S}.a.dependsOn[0]`,
        'unknown service "x"; environment "backend" has "c", "b", "a"',
        'name one of those services, or add a service named "x"',
      ),
      issue(`${S}.a.dependsOn[1]`, 'dependency cycle: a → b → c → a', CYCLE_FIX),
    ],
  },
  {
    name: 'duplicate dependsOn entries, known and unknown',
    config: cfg({ db: pg(), api: proc({ dependsOn: ['db', 'db', 'nope', 'nope'] }) }),
    issues: [
      issue(`${S}.api.dependsOn[1]`, '"db" is listed twice', 'remove the repeated entry'),
      issue(
        `${S}.api.dependsOn[2]`,
        'unknown service "nope"; environment "backend" has "db", "api"',
        'name one of those services, or add a service named "nope"',
      ),
      issue(`${S}.api.dependsOn[3]`, '"nope" is listed twice', 'remove the repeated entry'),
    ],
  },

  // ── duplicates ──
  {
    name: 'duplicate environment names; a duplicate is still checked, its paths by index',
    config: {
      environments: [envOf({ api: proc() }), envOf({ api: proc({ kind: 'nope' }) }), envOf({ api: proc() })],
    },
    issues: [
      issue(
        'environments[1].name',
        'duplicate environment name "backend" (environments[0] has it too)',
        'give each environment its own name',
      ),
      issue(
        'environments[1].services.api.kind',
        'expected one of "container", "process", "job", got "nope"',
        'use one of "container", "process", "job"',
      ),
      issue(
        'environments[2].name',
        'duplicate environment name "backend" (environments[0] has it too)',
        'give each environment its own name',
      ),
    ],
  },
  {
    name: 'duplicate test group names',
    config: {
      environments: [],
      tests: [
        { name: 'api', include: ['a/**'] },
        { name: 'api', include: ['b/**'] },
      ],
    },
    issues: [
      issue(
        'tests[1].name',
        'duplicate test group name "api" (tests[0] has it too)',
        'give each test group its own name',
      ),
    ],
  },

  // ── ports ──
  {
    name: 'invalid container ports: 70000, 0, 1.5, a string, a bad host, no container side, a bad protocol',
    config: cfg({
      db: pg({
        ports: {
          a: 70000,
          b: 0,
          c: 1.5,
          d: '8080',
          e: { container: 5432, host: 70000 },
          f: { host: 5432 },
          g: { container: 5432, protocol: 'sctp' },
          HTTP: 80,
        },
      }),
    }),
    issues: [
      issue(
        `${S}.db.ports.a`,
        'invalid port 70000: a port is a whole number from 1 to 65535',
        'use a port from 1 to 65535',
      ),
      issue(
        `${S}.db.ports.b`,
        'invalid port 0: a port is a whole number from 1 to 65535',
        'use a port from 1 to 65535',
      ),
      issue(
        `${S}.db.ports.c`,
        'invalid port 1.5: a port is a whole number from 1 to 65535',
        'use a port from 1 to 65535',
      ),
      issue(`${S}.db.ports.d`, 'expected a port number, got a string', 'write it as a number: 8080'),
      issue(
        `${S}.db.ports.e.host`,
        'invalid port 70000: a port is a whole number from 1 to 65535',
        HOST_PORT_FIX,
      ),
      issue(
        `${S}.db.ports.f.container`,
        'missing required field "container"',
        'set container to the port the container listens on',
      ),
      issue(
        `${S}.db.ports.g.protocol`,
        'expected one of "tcp", "udp", got "sctp"',
        'use one of "tcp", "udp"',
      ),
      issue(
        `${S}.db.ports.HTTP`,
        'invalid port name "HTTP"',
        'use letters and digits, starting with a lowercase letter (e.g. http, pg)',
      ),
    ],
  },
  {
    name: 'invalid process ports: 70000, 0, 1.5, a string, not an object, a bad env name',
    config: cfg({
      api: proc({
        ports: {
          a: { host: 70000 },
          b: { host: 0 },
          c: { host: 1.5 },
          d: { host: '3000' },
          e: 3000,
          f: { env: 'my-port' },
        },
      }),
    }),
    issues: [
      issue(
        `${S}.api.ports.a.host`,
        'invalid port 70000: a port is a whole number from 1 to 65535',
        HOST_PORT_FIX,
      ),
      issue(
        `${S}.api.ports.b.host`,
        'invalid port 0: a port is a whole number from 1 to 65535',
        HOST_PORT_FIX,
      ),
      issue(
        `${S}.api.ports.c.host`,
        'invalid port 1.5: a port is a whole number from 1 to 65535',
        HOST_PORT_FIX,
      ),
      issue(`${S}.api.ports.d.host`, 'expected a port number, got a string', 'write it as a number: 3000'),
      issue(
        `${S}.api.ports.e`,
        'expected a port object ({ env?, host? }), got a number',
        'write environments.backend.services.api.ports.e as a port object ({ env?, host? })',
      ),
      issue(
        `${S}.api.ports.f.env`,
        'invalid environment variable name "my-port"',
        'use letters, digits and "_", e.g. "PORT"',
      ),
    ],
  },
  {
    name: 'two services with the same fixed host port (same number over udp is no clash)',
    config: cfg({
      db: pg({
        ports: { pg: { container: 5432, host: 5432 }, dns: { container: 53, host: 5353, protocol: 'udp' } },
      }),
      api: proc({ ports: { http: { host: 5432 }, dns: { host: 5353 } } }),
      web: proc({ ports: { http: { host: 3000 } } }),
    }),
    issues: [
      issue(
        `${S}.api.ports.http`,
        'host port 5432 is also taken by environments.backend.services.db.ports.pg',
        'give one of them another port, or leave host unset to have a free one chosen',
      ),
    ],
  },

  // ── globs ──
  {
    name: 'bad globs in watch, include and triggers',
    config: {
      environments: [
        envOf({
          api: proc({
            watch: ['', '/abs/**', '../lib/**', 'src\\**', 'src/*.{ts', 'src/[ab', 'src/**/*.{ts,tsx}'],
          }),
        }),
      ],
      tests: [
        {
          name: 'api',
          include: ['C:/tests/**', '!../x/**', 'tests/**'],
          triggers: ['fixtures/}', 'sql/**]', ' '],
        },
      ],
    },
    issues: [
      issue(
        `${S}.api.watch[0]`,
        'invalid glob "": it is empty',
        'remove it or write a pattern such as "src/**"',
      ),
      issue(
        `${S}.api.watch[1]`,
        'invalid glob "/abs/**": it is absolute',
        'write it relative to the project root, e.g. "src/**"',
      ),
      issue(
        `${S}.api.watch[2]`,
        'invalid glob "../lib/**": it leaves the project root',
        'write a pattern inside the project root',
      ),
      issue(
        `${S}.api.watch[3]`,
        'invalid glob "src\\\\**": it contains "\\"',
        'use forward slashes: "src/**/*.ts"',
      ),
      issue(`${S}.api.watch[4]`, 'invalid glob "src/*.{ts": unbalanced "{" and "}"', GLOB_BRACES_FIX),
      issue(
        `${S}.api.watch[5]`,
        'invalid glob "src/[ab": unbalanced "[" and "]"',
        'close every "[" with "]"',
      ),
      issue(
        'tests[0].include[0]',
        'invalid glob "C:/tests/**": it is absolute',
        'write it relative to the project root, e.g. "src/**"',
      ),
      issue(
        'tests[0].include[1]',
        'invalid glob "!../x/**": it leaves the project root',
        'write a pattern inside the project root',
      ),
      issue('tests[0].triggers[0]', 'invalid glob "fixtures/}": unbalanced "{" and "}"', GLOB_BRACES_FIX),
      issue(
        'tests[0].triggers[1]',
        'invalid glob "sql/**]": unbalanced "[" and "]"',
        'close every "[" with "]"',
      ),
      issue(
        'tests[0].triggers[2]',
        'invalid glob " ": it is empty',
        'remove it or write a pattern such as "src/**"',
      ),
    ],
  },

  // ── templates ──
  {
    name: 'invalid template references in env, outputs and commands',
    config: cfg({
      db: pg({ outputs: { url: 'postgres://{{host}}:{{ports.pg}}/app' } }),
      cache: pg(),
      api: proc({
        dependsOn: ['db'],
        ports: { http: {} },
        env: {
          A: '{{ports.nope}}',
          B: '{{cache.url}}',
          C: '{{db.nope}}',
          D: 'x {{ db.url',
          E: '{{}}',
          F: '{{env.A}}',
          G: '{{db.url}} and {{db.pgPort}} on {{ host }}',
          H: '{{dbb.url}}',
          I: '{{api.url}}',
          J: '{{db.url.x}}',
        },
        outputs: { url: 'http://{{host}}:{{ports.http}}{{env.NOPE}}', 'admin-url': '{{env.G}}' },
        command: ['node', 'server.js', '--port', '{{ports.htp}}', '{{env.A}}'],
      }),
      job: { kind: 'job', command: 'migrate --url {{db.url}} }}' },
    }),
    issues: [
      issue(
        `${S}.api.outputs.admin-url`,
        'invalid output name "admin-url"',
        'use letters and digits, starting with a letter (e.g. url, adminUrl)',
      ),
      issue(`${S}.api.env.A`, '{{ports.nope}} names no port of this service', 'use one of {{ports.http}}'),
      issue(
        `${S}.api.env.B`,
        '{{cache.url}} uses service "cache", which this service does not depend on',
        'add "cache" to dependsOn',
      ),
      issue(`${S}.api.env.C`, 'service "db" has no output "nope"', 'use one of "host", "pgPort", "url"'),
      issue(`${S}.api.env.D`, 'invalid template: unbalanced "{{" or "}}"', TEMPLATE_FIX),
      issue(
        `${S}.api.env.E`,
        'invalid template: "{{}}" is not a reference (expected e.g. {{host}} or {{db.url}})',
        TEMPLATE_FIX,
      ),
      issue(
        `${S}.api.env.F`,
        '{{env.A}}: env values cannot reference other env values',
        'write the value out, or reference {{host}}, {{ports.<name>}} or a dependency output',
      ),
      issue(
        `${S}.api.env.H`,
        '{{dbb.url}} is not a known reference',
        'did you mean {{db.url}}? References are {{host}}, {{ports.<name>}}, {{env.<NAME>}} (outputs only) or {{<service>.<output>}}',
      ),
      issue(
        `${S}.api.env.I`,
        '{{api.url}}: a service cannot reference its own outputs',
        'use {{host}} and {{ports.<name>}} directly',
      ),
      issue(`${S}.api.env.J`, '{{db.url.x}} is not a known reference', REFERENCE_FIX),
      issue(
        `${S}.api.outputs.url`,
        '{{env.NOPE}} names no env variable of this service',
        'use one of {{env.A}}, {{env.B}}, {{env.C}}, {{env.D}}, {{env.E}}, {{env.F}}, {{env.G}}, {{env.H}}, {{env.I}}, {{env.J}}',
      ),
      issue(
        `${S}.api.command[3]`,
        '{{ports.htp}} names no port of this service',
        'use one of {{ports.http}}',
      ),
      issue(
        `${S}.api.command[4]`,
        '{{env.A}}: commands cannot reference env values',
        'the command runs with the env set: use $NAME in a shell string, or reference {{host}}, {{ports.<name>}} or a dependency output',
      ),
      issue(`${S}.job.command`, 'invalid template: unbalanced "{{" or "}}"', TEMPLATE_FIX),
    ],
  },

  // ── readiness ──
  {
    name: 'readiness errors',
    config: cfg({
      a: proc({ ports: { http: {} }, readiness: { type: 'tcp', port: 'htp' } }),
      b: proc({
        ports: { http: {} },
        readiness: { type: 'http', port: 'http', path: 'health', status: 600 },
      }),
      c: proc({ ports: { http: {} }, readiness: { type: 'http', port: 'http', status: [200, 'ok', 99] } }),
      d: proc({ readiness: { type: 'log', pattern: 'listening (on' } }),
      e: proc({ readiness: { type: 'healthcheck' } }),
      f: proc({ readiness: { type: 'all', checks: [] } }),
      g: proc({ readiness: { type: 'htp', port: 'http' } }),
      h: proc({ readiness: { type: 'tcp', port: 'http', timeoutMs: 0 } }),
      i: proc({ readiness: { port: 'http' } }),
      j: proc({
        ports: { http: {} },
        readiness: {
          type: 'all',
          checks: [
            { type: 'tcp', port: 'http' },
            { type: 'log', pattern: '' },
            { type: 'command', command: [] },
          ],
        },
      }),
      k: proc({ readiness: 'tcp' }),
      l: proc({ ports: { http: {} }, readiness: { type: 'http', port: 'http', status: [] } }),
      m: proc({ readiness: { type: 'all', checks: ready.tcp('http') } }),
      n: proc({ ports: { pg: {} }, readiness: { type: 'postgres', port: 'db', user: '' } }),
      o: proc({ ports: { redis: {} }, readiness: ready.redis('cache') }),
      p: proc({ ports: { pg: {} }, readiness: { type: 'postgres', port: 'pg', password: 'secret' } }),
    }),
    issues: [
      issue(`${S}.a.readiness.port`, 'unknown port "htp"', 'use one of "http"'),
      issue(`${S}.b.readiness.path`, 'path "health" does not start with "/"', 'write "/health"'),
      issue(`${S}.b.readiness.status`, 'invalid HTTP status 600', 'use status codes from 100 to 599'),
      issue(`${S}.c.readiness.status[1]`, 'invalid HTTP status "ok"', 'use status codes from 100 to 599'),
      issue(`${S}.c.readiness.status[2]`, 'invalid HTTP status 99', 'use status codes from 100 to 599'),
      issue(
        `${S}.d.readiness.pattern`,
        'invalid regular expression "listening (on": Unterminated group',
        'fix the pattern, or escape its special characters',
      ),
      issue(
        `${S}.e.readiness.type`,
        'only containers have an engine healthcheck',
        'use ready.tcp, ready.http, ready.postgres, ready.redis, ready.log or ready.command',
      ),
      issue(
        `${S}.f.readiness.checks`,
        'no checks given',
        'list at least one check: ready.all(ready.tcp("pg"), ready.log(/ready/))',
      ),
      issue(
        `${S}.g.readiness.type`,
        'expected one of "tcp", "http", "postgres", "redis", "log", "command", "healthcheck", "all", got "htp"',
        'did you mean "http"?',
      ),
      issue(
        `${S}.h.readiness.timeoutMs`,
        'must be a positive whole number of milliseconds, got 0',
        'set environments.backend.services.h.readiness.timeoutMs to a whole number above 0',
      ),
      issue(`${S}.h.readiness.port`, 'unknown port "http"', 'declare it under ports first'),
      issue(
        `${S}.i.readiness.type`,
        'missing required field "type"',
        'use a helper such as ready.http("http", "/health")',
      ),
      issue(
        `${S}.j.readiness.checks[1].pattern`,
        'must not be empty',
        'give environments.backend.services.j.readiness.checks[1].pattern a value',
      ),
      issue(
        `${S}.j.readiness.checks[2].command`,
        'the command is empty',
        'write a command, e.g. ["node", "server.js"]',
      ),
      issue(
        `${S}.k.readiness`,
        'expected a readiness check (ready.http(…), ready.tcp(…), …), got a string',
        'write environments.backend.services.k.readiness as a readiness check (ready.http(…), ready.tcp(…), …)',
      ),
      issue(
        `${S}.l.readiness.status`,
        'no status codes given',
        'list at least one code, or leave status unset to accept any 2xx or 3xx',
      ),
      issue(
        `${S}.m.readiness.checks`,
        'expected an array of checks, got an object',
        'list at least one check: ready.all(ready.tcp("pg"), ready.log(/ready/))',
      ),
      issue(
        `${S}.n.readiness.user`,
        'must not be empty',
        'give environments.backend.services.n.readiness.user a value',
      ),
      issue(`${S}.n.readiness.port`, 'unknown port "db"', 'use one of "pg"'),
      issue(`${S}.o.readiness.port`, 'unknown port "cache"', 'use one of "redis"'),
      issue(
        `${S}.p.readiness.password`,
        'unknown field "password"',
        'remove it; the fields here are type, port, user, database, timeoutMs, intervalMs',
      ),
    ],
  },

  // ── reset ──
  {
    name: 'reset errors',
    config: cfg({
      a: proc({ reset: {} }),
      b: proc({ reset: { type: 'exce', command: 'x' } }),
      c: proc({ reset: { type: 'exec' } }),
      d: proc({ reset: { type: 'exec', command: ['truncate'], timeoutMs: 0 } }),
      e: proc({ reset: 'restart' }),
    }),
    issues: [
      issue(`${S}.a.reset.type`, 'missing required field "type"', 'set type: "exec" or "restart"'),
      issue(`${S}.b.reset.type`, 'expected one of "exec", "restart", got "exce"', 'did you mean "exec"?'),
      issue(
        `${S}.c.reset.command`,
        'missing required field "command"',
        'set the command that resets the service',
      ),
      issue(
        `${S}.d.reset.timeoutMs`,
        'must be a positive whole number of milliseconds, got 0',
        'set environments.backend.services.d.reset.timeoutMs to a whole number above 0',
      ),
      issue(
        `${S}.e.reset`,
        'expected a reset ({ type: "exec", command } or { type: "restart" }), got a string',
        'write environments.backend.services.e.reset as a reset ({ type: "exec", command } or { type: "restart" })',
      ),
    ],
  },

  // ── containers ──
  {
    name: 'container volumes, healthcheck and pull',
    config: cfg({
      db: pg({
        volumes: ['data', 'data:/var/lib:ro', 'x:relative'],
        healthcheck: { command: [], retries: 0 },
        pull: 'sometimes',
      }),
    }),
    issues: [
      issue(
        `${S}.db.pull`,
        'expected one of "missing", "always", "never", got "sometimes"',
        'use one of "missing", "always", "never"',
      ),
      issue(
        `${S}.db.volumes[0]`,
        'invalid volume "data"',
        'write "source:/path/in/container" or "source:/path:ro"',
      ),
      issue(
        `${S}.db.volumes[2]`,
        'invalid volume "x:relative"',
        'write "source:/path/in/container" or "source:/path:ro"',
      ),
      issue(
        `${S}.db.healthcheck.command`,
        'the command is empty',
        'write a command, e.g. ["node", "server.js"]',
      ),
      issue(
        `${S}.db.healthcheck.retries`,
        'must be a positive whole number of retries, got 0',
        'set environments.backend.services.db.healthcheck.retries to a whole number above 0',
      ),
    ],
  },
  {
    name: 'paths outside the root',
    config: cfg({
      api: proc({ cwd: '../other' }),
      b: proc({ cwd: '/abs' }),
      web: { kind: 'container', build: { context: '' } },
    }),
    issues: [
      issue(`${S}.api.cwd`, '"../other" is outside the project root', 'use a folder inside the project'),
      issue(`${S}.b.cwd`, '"/abs" is absolute', 'write it relative to the project root'),
      issue(
        `${S}.web.build.context`,
        'must not be empty',
        'give environments.backend.services.web.build.context a value',
      ),
    ],
  },

  // ── names ──
  {
    name: 'invalid names: uppercase, underscore, leading digit, reserved, project with a space',
    config: {
      project: 'my shop',
      environments: [
        envOf({ Api: proc(), my_api: proc(), host: proc(), ports: proc(), '9lives': proc() }),
        envOf({ x: proc() }, 'Backend'),
      ],
    },
    issues: [
      issue(
        'project',
        'invalid project name "my shop"',
        'use letters, digits, ".", "_" and "-", starting with a letter or digit',
      ),
      issue(`${S}.Api`, 'invalid service name "Api"', NAME_FIX),
      issue(`${S}.my_api`, 'invalid service name "my_api"', NAME_FIX),
      issue(`${S}.host`, '"host" is a reserved name', RESERVED_FIX),
      issue(`${S}.ports`, '"ports" is a reserved name', RESERVED_FIX),
      issue('environments.backend.services["9lives"]', 'invalid service name "9lives"', NAME_FIX),
      issue('environments[1].name', 'invalid environment name "Backend"', NAME_FIX),
    ],
  },

  // ── tests and idleTtl ──
  {
    name: 'test groups with unknown environments',
    config: {
      environments: [envOf({ api: proc() }), envOf({ web: proc() }, 'frontend')],
      tests: [
        { name: 'a', include: ['a/**'], environment: 'backnd' },
        { name: 'b', include: ['b/**'], environment: 'mobile' },
      ],
    },
    issues: [
      issue('tests[0].environment', 'unknown environment "backnd"', 'did you mean "backend"?'),
      issue('tests[1].environment', 'unknown environment "mobile"', 'use one of "backend", "frontend"'),
    ],
  },
  {
    name: 'idleTtl that is not a duration',
    config: { environments: [], idleTtl: '2 hours' },
    issues: [issue('idleTtl', 'invalid duration "2 hours"', DURATION_FIX)],
  },
  {
    name: 'idleTtl of zero',
    config: { environments: [], idleTtl: 0 },
    issues: [issue('idleTtl', 'invalid duration 0', DURATION_FIX)],
  },
  {
    name: 'idleTtl of zero seconds',
    config: { environments: [], idleTtl: '0s' },
    issues: [issue('idleTtl', 'invalid duration "0s"', DURATION_FIX)],
  },
  {
    name: 'idleTtl of the wrong type',
    config: { environments: [], idleTtl: true },
    issues: [issue('idleTtl', 'invalid duration a boolean', DURATION_FIX)],
  },
  {
    name: 'fallback that is not a boolean',
    config: { environments: [], fallback: 'no' },
    issues: [issue('fallback', 'expected true or false, got a string', 'write fallback as true or false')],
  },

  // ── file attribution ──
  {
    name: 'issues in an environment are reported under the file that defined it',
    config: {
      environments: [
        from('environments/backend.ts', envOf({ api: proc({ dependsOn: ['dbb'] }), db: pg() })),
        from('environments/web.ts', envOf({ web: proc({ port: 3000 }) }, 'web')),
        envOf({ local: proc({ watch: ['../x'] }) }, 'local'),
      ],
      tests: [{ name: 'api', include: ['tests/**'], environment: 'nope' }],
    },
    issues: [
      issue(
        `${S}.api.dependsOn[0]`,
        'unknown service "dbb"; environment "backend" has "api", "db"',
        'did you mean "db"?',
        'environments/backend.ts',
      ),
      issue(
        'environments.web.services.web.port',
        'unknown field "port"',
        'did you mean "ports"? The fields here are kind, description, dependsOn, env, readiness, outputs, watch, reset, ports, testEnv, secrets, command, cwd, stopTimeoutMs',
        'environments/web.ts',
      ),
      issue(
        'environments.local.services.local.watch[0]',
        'invalid glob "../x": it leaves the project root',
        'write a pattern inside the project root',
      ),
      issue('tests[0].environment', 'unknown environment "nope"', 'use one of "backend", "web", "local"'),
    ],
  },
  {
    name: 'a duplicate environment is reported under its own file',
    config: {
      environments: [
        from('environments/backend.ts', envOf({ api: proc() })),
        from('environments/backend-copy.ts', envOf({ api: proc() })),
      ],
    },
    issues: [
      issue(
        'environments[1].name',
        'duplicate environment name "backend" (environments[0] has it too)',
        'give each environment its own name',
        'environments/backend-copy.ts',
      ),
    ],
  },
  {
    name: 'a definition from outside the root keeps its absolute path',
    config: { environments: [from('../presets/pg.ts', envOf({ db: { kind: 'container' } }, 'pg'))] },
    issues: [
      issue(
        'environments.pg.services.db.image',
        'a container needs an image or a build',
        'set image: "postgres:16-alpine", or build: { context: "…" }',
        path.join(ROOT, '../presets/pg.ts'),
      ),
    ],
  },

  // ── the acceptance scenario ──
  {
    name: 'a cycle, an unknown dependency and port 70000 are all reported at once',
    config: cfg({
      db: pg({ ports: { pg: 70000 } }),
      api: proc({ dependsOn: ['worker', 'cache'] }),
      worker: proc({ dependsOn: ['api'] }),
    }),
    issues: [
      issue(
        `${S}.db.ports.pg`,
        'invalid port 70000: a port is a whole number from 1 to 65535',
        'use a port from 1 to 65535',
      ),
      issue(
        `${S}.api.dependsOn[1]`,
        'unknown service "cache"; environment "backend" has "db", "api", "worker"',
        'name one of those services, or add a service named "cache"',
      ),
      issue(`${S}.api.dependsOn[0]`, 'dependency cycle: api → worker → api', CYCLE_FIX),
    ],
  },
]

describe('validateConfig: bad configs', () => {
  it.each(badConfigs)('$name', ({ config, issues }) => {
    expect(issuesOf(config)).toEqual(issues)
  })

  it('formats the acceptance scenario as one readable report', () => {
    const issues = issuesOf(
      cfg({
        db: pg({ ports: { pg: 70000 } }),
        api: proc({ dependsOn: ['worker', 'cache'] }),
        worker: proc({ dependsOn: ['api'] }),
      }),
    )
    expect(formatIssues(issues)).toMatchInlineSnapshot(`
      "Invalid hearth configuration (3 problems):

        hearth.config.ts › environments.backend.services.db.ports.pg
          invalid port 70000: a port is a whole number from 1 to 65535
          fix: use a port from 1 to 65535

        hearth.config.ts › environments.backend.services.api.dependsOn[1]
          unknown service "cache"; environment "backend" has "db", "api", "worker"
          fix: name one of those services, or add a service named "cache"

        hearth.config.ts › environments.backend.services.api.dependsOn[0]
          dependency cycle: api → worker → api
          fix: remove one of these dependsOn entries so that the services can start in order"
    `)
  })

  it('names the defining file of an environment written with defineEnvironment', () => {
    // defineEnvironment records its caller: this test file.
    const here = fileURLToPath(import.meta.url)
    const root = path.dirname(path.dirname(here))
    const backend = defineEnvironment({
      name: 'backend',
      services: { api: { kind: 'process', command: '' } },
    })
    expect(issuesOf(defineConfig({ environments: [backend] }), { ...OPTIONS, root })).toEqual([
      issue(
        `${S}.api.command`,
        'the command is empty',
        'write a command, e.g. ["node", "server.js"]',
        'src/validate.test.ts',
      ),
    ])
  })
})

describe('validateConfig: good configs', () => {
  it('normalizes a full config, applying every default', () => {
    // A plain object: defineEnvironment would attribute it to this test file.
    const backend: EnvironmentDefinition = {
      name: 'backend',
      description: 'API and its database',
      services: {
        db: {
          kind: 'container',
          image: 'postgres:16-alpine',
          ports: { pg: 5432 },
          env: { POSTGRES_PASSWORD: 'hearth' },
          healthcheck: { command: ['pg_isready', '-U', 'postgres'] },
          outputs: { url: 'postgres://postgres:hearth@{{host}}:{{ports.pg}}/postgres' },
          reset: { type: 'exec', command: 'psql -c "truncate users"' },
        },
        migrate: {
          kind: 'job',
          command: ['pnpm', 'db:migrate'],
          dependsOn: ['db'],
          env: { DATABASE_URL: ref('db', 'url') },
          watch: ['db/migrations/**'],
        },
        api: {
          kind: 'process',
          description: 'the app server',
          command: 'node dist/server.js --port {{ports.http}}',
          cwd: './apps/api/',
          dependsOn: ['migrate', 'db'],
          ports: { http: { env: 'PORT' } },
          env: { DATABASE_URL: '{{db.url}}' },
          outputs: {
            url: 'http://{{host}}:{{ports.http}}',
            adminUrl: 'http://{{host}}:{{ports.http}}/admin',
          },
          readiness: ready.http('http', '/health', { status: [200, 204] }),
          watch: ['apps/api/src/**'],
          reset: { type: 'restart' },
        },
      },
    }
    const config = normalize(
      defineConfig({
        environments: [backend],
        tests: [
          { name: 'api', include: ['apps/api/tests/**/*.test.ts'], environment: 'backend' },
          { name: 'unit', include: ['**/*.unit.test.ts'] },
        ],
      }),
    )
    const timing = { timeoutMs: DEFAULTS.readinessTimeoutMs, intervalMs: DEFAULTS.readinessIntervalMs }
    expect(config).toEqual({
      project: 'shop',
      root: ROOT,
      file: FILE,
      idleTtlMs: 4 * 3_600_000,
      fallback: true,
      environments: {
        backend: {
          name: 'backend',
          description: 'API and its database',
          file: 'hearth.config.ts',
          order: ['db', 'migrate', 'api'],
          services: {
            db: {
              name: 'db',
              environment: 'backend',
              kind: 'container',
              description: null,
              dependsOn: [],
              env: { POSTGRES_PASSWORD: 'hearth' },
              readiness: { type: 'healthcheck', ...timing },
              outputs: { url: 'postgres://postgres:hearth@{{host}}:{{ports.pg}}/postgres' },
              watch: [],
              reset: { type: 'exec', command: { shell: 'psql -c "truncate users"' }, timeoutMs: 30_000 },
              ports: [{ name: 'pg', container: 5432, host: null, protocol: 'tcp', env: null }],
              testEnv: {},
              secrets: ['POSTGRES_PASSWORD'],
              image: 'postgres:16-alpine',
              build: null,
              pull: 'missing',
              command: null,
              volumes: [],
              healthcheck: {
                command: { argv: ['pg_isready', '-U', 'postgres'] },
                intervalMs: 1000,
                timeoutMs: 5000,
                retries: 30,
              },
              fallback: null,
            },
            migrate: {
              name: 'migrate',
              environment: 'backend',
              kind: 'job',
              description: null,
              dependsOn: ['db'],
              env: { DATABASE_URL: '{{db.url}}' },
              readiness: { type: 'none', ...timing },
              outputs: {},
              watch: ['db/migrations/**'],
              reset: null,
              ports: [],
              testEnv: {},
              secrets: [],
              command: { argv: ['pnpm', 'db:migrate'] },
              cwd: '.',
              image: null,
              timeoutMs: 300_000,
            },
            api: {
              name: 'api',
              environment: 'backend',
              kind: 'process',
              description: 'the app server',
              dependsOn: ['migrate', 'db'],
              env: { DATABASE_URL: '{{db.url}}' },
              readiness: { type: 'http', port: 'http', path: '/health', status: [200, 204], ...timing },
              outputs: {
                url: 'http://{{host}}:{{ports.http}}',
                adminUrl: 'http://{{host}}:{{ports.http}}/admin',
              },
              watch: ['apps/api/src/**'],
              reset: { type: 'restart' },
              ports: [{ name: 'http', container: null, host: null, protocol: 'tcp', env: 'PORT' }],
              testEnv: {},
              secrets: [],
              command: { shell: 'node dist/server.js --port {{ports.http}}' },
              cwd: 'apps/api',
              stopTimeoutMs: 5000,
            },
          },
        },
      },
      tests: [
        {
          name: 'api',
          include: ['apps/api/tests/**/*.test.ts'],
          exclude: [],
          environment: 'backend',
          triggers: [],
        },
        { name: 'unit', include: ['**/*.unit.test.ts'], exclude: [], environment: null, triggers: [] },
      ],
    })
  })

  it('accepts an empty config (no environments yet)', () => {
    expect(normalize({ environments: [] })).toEqual({
      project: 'shop',
      root: ROOT,
      file: FILE,
      idleTtlMs: 14_400_000,
      fallback: true,
      environments: {},
      tests: [],
    })
  })

  const readinessDefaults: { name: string; service: Record<string, unknown>; readiness: unknown }[] = [
    {
      name: 'a process with ports gets tcp on its first port',
      service: proc({ ports: { admin: {}, http: {} } }),
      readiness: { type: 'tcp', port: 'admin', timeoutMs: 60_000, intervalMs: 1000 },
    },
    {
      name: 'a process without ports gets none',
      service: proc(),
      readiness: { type: 'none', timeoutMs: 60_000, intervalMs: 1000 },
    },
    {
      name: 'a container with a healthcheck gets healthcheck',
      service: pg({ healthcheck: { command: 'pg_isready' } }),
      readiness: { type: 'healthcheck', timeoutMs: 60_000, intervalMs: 1000 },
    },
    {
      name: 'a container with ports and no healthcheck gets none (a port proxy accepts too early)',
      service: pg(),
      readiness: { type: 'none', timeoutMs: 60_000, intervalMs: 1000 },
    },
    {
      name: 'a job gets none',
      service: { kind: 'job', command: 'seed' },
      readiness: { type: 'none', timeoutMs: 60_000, intervalMs: 1000 },
    },
  ]
  it.each(readinessDefaults)('default readiness: $name', ({ service, readiness }) => {
    expect(serviceOf(cfg({ svc: service })).readiness).toEqual(readiness)
  })

  it('normalizes the readiness helpers', () => {
    const timing = { timeoutMs: 60_000, intervalMs: 1000 }
    const readinessOf = (readiness: unknown, extra: Record<string, unknown> = {}) =>
      serviceOf(cfg({ svc: pg({ ports: { http: 80 }, readiness, ...extra }) })).readiness
    expect(readinessOf(ready.tcp('http', { timeoutMs: 5000 }))).toEqual({
      type: 'tcp',
      port: 'http',
      timeoutMs: 5000,
      intervalMs: 1000,
    })
    expect(readinessOf(ready.http('http'))).toEqual({
      type: 'http',
      port: 'http',
      path: '/',
      status: null,
      ...timing,
    })
    expect(readinessOf(ready.http('http', '/ok', { status: 204, intervalMs: 250 }))).toEqual({
      type: 'http',
      port: 'http',
      path: '/ok',
      status: [204],
      timeoutMs: 60_000,
      intervalMs: 250,
    })
    expect(readinessOf(ready.log(/listening on (\d+)/i))).toEqual({
      type: 'log',
      pattern: { source: 'listening on (\\d+)', flags: 'i' },
      ...timing,
    })
    expect(readinessOf(ready.log('ready to accept'))).toEqual({
      type: 'log',
      pattern: { source: 'ready to accept', flags: '' },
      ...timing,
    })
    expect(readinessOf(ready.command(['pg_isready']))).toEqual({
      type: 'command',
      command: { argv: ['pg_isready'] },
      ...timing,
    })
    expect(readinessOf(ready.healthcheck(), { healthcheck: { command: 'true' } })).toEqual({
      type: 'healthcheck',
      ...timing,
    })
    expect(readinessOf(ready.all(ready.tcp('http'), ready.command('true')))).toEqual({
      type: 'all',
      checks: [
        { type: 'tcp', port: 'http', ...timing },
        { type: 'command', command: { shell: 'true' }, ...timing },
      ],
      ...timing,
    })
    expect(readinessOf(ready.redis('http', { intervalMs: 100 }))).toEqual({
      type: 'redis',
      port: 'http',
      timeoutMs: 60_000,
      intervalMs: 100,
    })
  })

  it("takes a Postgres check's user and database from the check, else the service's env, else libpq's defaults", () => {
    const timing = { timeoutMs: 60_000, intervalMs: 1000 }
    const readinessOf = (readiness: unknown, env: Record<string, string> = {}) =>
      serviceOf(cfg({ svc: pg({ ports: { pg: 5432 }, env, readiness }) })).readiness
    expect(
      readinessOf(ready.postgres('pg', { user: 'shop', database: 'orders' }), { POSTGRES_USER: 'x' }),
    ).toEqual({ type: 'postgres', port: 'pg', user: 'shop', database: 'orders', ...timing })
    expect(readinessOf(ready.postgres('pg'), { POSTGRES_USER: 'shop', POSTGRES_DB: 'orders' })).toMatchObject(
      {
        user: 'shop',
        database: 'orders',
      },
    )
    expect(readinessOf(ready.postgres('pg'), { PGUSER: 'reader', PGDATABASE: 'reports' })).toMatchObject({
      user: 'reader',
      database: 'reports',
    })
    // libpq's defaults: the database is named after the user. A template is no name the server knows.
    expect(readinessOf(ready.postgres('pg'), { POSTGRES_USER: '{{host}}' })).toMatchObject({
      user: 'postgres',
      database: 'postgres',
    })
    expect(readinessOf(ready.postgres('pg'), { POSTGRES_USER: 'shop' })).toMatchObject({
      user: 'shop',
      database: 'shop',
    })
    // Also inside `all`, and for a process.
    expect(
      serviceOf(
        cfg({
          svc: proc({
            ports: { pg: {} },
            env: { PGUSER: 'app' },
            readiness: ready.all(ready.postgres('pg'), ready.log(/ready/)),
          }),
        }),
      ).readiness,
    ).toMatchObject({
      type: 'all',
      checks: [{ type: 'postgres', user: 'app', database: 'app' }, { type: 'log' }],
    })
  })

  it('normalizes commands to {argv} or {shell}', () => {
    expect(serviceOf(cfg({ svc: proc({ command: ['node', 'server.js'] }) })).command).toEqual({
      argv: ['node', 'server.js'],
    })
    expect(serviceOf(cfg({ svc: proc({ command: 'node server.js | tee log' }) })).command).toEqual({
      shell: 'node server.js | tee log',
    })
  })

  it('normalizes ports of every form', () => {
    const container = serviceOf(
      cfg({
        svc: pg({
          ports: {
            pg: 5432,
            admin: { container: 8080, host: 18080 },
            dns: { container: 53, protocol: 'udp' },
          },
        }),
      }),
    )
    expect(container.ports).toEqual([
      { name: 'pg', container: 5432, host: null, protocol: 'tcp', env: null },
      { name: 'admin', container: 8080, host: 18080, protocol: 'tcp', env: null },
      { name: 'dns', container: 53, host: null, protocol: 'udp', env: null },
    ])
    const local = serviceOf(
      cfg({ svc: proc({ ports: { http: { env: 'PORT' }, debug: { host: 9229 }, metrics: {} } }) }),
    )
    expect(local.ports).toEqual([
      { name: 'http', container: null, host: null, protocol: 'tcp', env: 'PORT' },
      { name: 'debug', container: null, host: 9229, protocol: 'tcp', env: null },
      { name: 'metrics', container: null, host: null, protocol: 'tcp', env: null },
    ])
  })

  it('normalizes paths relative to the root, with forward slashes', () => {
    const api = serviceOf(cfg({ svc: proc({ cwd: './apps/../apps/api/' }) }))
    expect(api.kind === 'process' && api.cwd).toBe('apps/api')
    const root = serviceOf(cfg({ svc: proc({ cwd: './' }) }))
    expect(root.kind === 'process' && root.cwd).toBe('.')
    const web = serviceOf(
      cfg({ svc: { kind: 'container', build: { context: 'docker/./web', args: { NODE: '20' } } } }),
    )
    expect(web.kind === 'container' && web.build).toEqual({
      context: 'docker/web',
      dockerfile: 'Dockerfile',
      args: { NODE: '20' },
    })
  })

  it('orders services dependencies first, ties broken by name, whatever the key order', () => {
    const services = {
      web: proc({ dependsOn: ['api'] }),
      worker: proc({ dependsOn: ['db', 'queue'] }),
      api: proc({ dependsOn: ['db', 'cache', 'migrate'] }),
      migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
      queue: pg(),
      db: pg(),
      cache: pg(),
      admin: proc(),
    }
    const expected = ['admin', 'cache', 'db', 'migrate', 'api', 'queue', 'web', 'worker']
    expect(normalize(cfg(services)).environments.backend?.order).toEqual(expected)
    const reversed = Object.fromEntries(Object.entries(services).reverse())
    expect(normalize(cfg(reversed)).environments.backend?.order).toEqual(expected)
  })

  it('takes the project name and idle TTL from the config', () => {
    expect(normalize({ project: 'acme.shop_2', environments: [], idleTtl: '90m' })).toMatchObject({
      project: 'acme.shop_2',
      idleTtlMs: 5_400_000,
      fallback: true,
    })
    expect(normalize({ environments: [], idleTtl: 1500 }).idleTtlMs).toBe(1500)
    expect(normalize({ environments: [], fallback: false }).fallback).toBe(false)
    expect(normalize({ environments: [], idleTtl: '1.5d' }).idleTtlMs).toBe(129_600_000)
  })

  it('keeps test group fields, defaulting exclude and triggers to none', () => {
    const config = normalize({
      environments: [envOf({ api: proc() })],
      tests: [
        {
          name: 'api',
          include: ['tests/**'],
          exclude: ['tests/slow/**'],
          triggers: ['fixtures/**', 'db/*.sql'],
          environment: 'backend',
        },
      ],
    })
    expect(config.tests).toEqual([
      {
        name: 'api',
        include: ['tests/**'],
        exclude: ['tests/slow/**'],
        environment: 'backend',
        triggers: ['fixtures/**', 'db/*.sql'],
      },
    ])
  })

  it('records the defining file of each environment, relative to the root', () => {
    const config = normalize({
      environments: [from('environments/backend.ts', envOf({ api: proc() })), envOf({ web: proc() }, 'web')],
    })
    expect(Object.values(config.environments).map(({ name, file }) => ({ name, file }))).toEqual([
      { name: 'backend', file: 'environments/backend.ts' },
      { name: 'web', file: 'hearth.config.ts' },
    ])
  })
})

function serviceOf(config: unknown): NormalizedService {
  const service = normalize(config).environments.backend?.services.svc
  if (service === undefined) throw new Error('no service "svc" in environment "backend"')
  return service
}

describe('validateConfig: container fallbacks', () => {
  it('normalizes the fallback as a process of the same name, with the dependencies of its container', () => {
    const result = validateConfig(
      cfg({
        cache: proc({ ports: { redis: {} } }),
        db: pg({
          dependsOn: ['cache'],
          outputs: { url: 'pg://{{host}}:{{ports.pg}}' },
          fallback: proc({
            ports: { pg: { env: 'PGPORT' } },
            outputs: { url: 'pg://{{host}}:{{ports.pg}}' },
          }),
        }),
      }),
      OPTIONS,
    )
    if (!result.ok) throw new Error(JSON.stringify(result.issues))
    const db = result.config.environments.backend?.services.db
    expect(db?.kind === 'container' && db.fallback).toMatchObject({
      name: 'db',
      environment: 'backend',
      kind: 'process',
      dependsOn: ['cache'],
      command: { argv: ['node', 'server.js'] },
      ports: [{ name: 'pg', container: null, host: null, protocol: 'tcp', env: 'PGPORT' }],
      readiness: { type: 'tcp', port: 'pg' },
      outputs: { url: 'pg://{{host}}:{{ports.pg}}' },
    })
  })
})

describe('validateConfig: values no config should hold', () => {
  const THROWS_FIX =
    'compute the value before exporting the config, or fix what throws (getters and proxies run when hearth reads the config)'
  const withGetter = (value: object, key: string, get: () => unknown) =>
    Object.defineProperty(value, key, { enumerable: true, get })
  const boom = () => {
    throw new Error('boom')
  }
  const cyclic: Record<string, unknown> = proc()
  cyclic.env = cyclic
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()

  const hostile: BadCase[] = [
    {
      name: 'a getter that throws',
      config: cfg({ api: withGetter(proc(), 'env', boom) }),
      issues: [issue(`${S}.api.env`, 'reading it threw Error: boom', THROWS_FIX)],
    },
    {
      name: 'a getter that throws something other than an Error',
      config: withGetter({ environments: [] }, 'tests', () => {
        throw Object.create(null)
      }),
      issues: [issue('tests', 'reading it threw an object', THROWS_FIX)],
    },
    {
      name: 'a proxy whose get trap throws',
      config: cfg({ api: new Proxy(proc(), { get: boom }) }),
      issues: [
        issue(`${S}.api.kind`, 'reading it threw Error: boom', THROWS_FIX),
        issue(`${S}.api.command`, 'reading it threw Error: boom', THROWS_FIX),
      ],
    },
    {
      name: 'a proxy whose ownKeys trap throws',
      config: cfg({ api: new Proxy(proc(), { ownKeys: boom }) }),
      issues: [issue(`${S}.api`, 'listing its fields threw Error: boom', THROWS_FIX)],
    },
    {
      name: 'a revoked proxy as the whole config',
      config: revoked.proxy,
      issues: [
        issue(
          '(default export)',
          "reading it threw TypeError: Cannot perform 'IsArray' on a proxy that has been revoked",
          THROWS_FIX,
        ),
      ],
    },
    {
      name: 'an object that contains itself',
      config: cfg({ api: cyclic }),
      issues: [
        issue(
          `${S}.api.env`,
          'this value contains itself: it refers back to an object it is part of',
          'write the value out instead of referring back to the object that holds it',
        ),
      ],
    },
    {
      name: 'a field keyed by a symbol, and one named __proto__',
      config: cfg({ api: proc({ [Symbol('secret')]: 1, env: JSON.parse('{"__proto__": "x"}') }) }),
      // Symbol keys are listed after string keys, whatever the order they were written in.
      issues: [
        issue(
          `${S}.api.env.__proto__`,
          'a field named "__proto__"',
          'rename it: the name means the prototype in JavaScript',
        ),
        issue(
          `${S}.api[Symbol(secret)]`,
          'a field keyed by a symbol',
          'remove it: config fields are named by strings',
        ),
      ],
    },
    {
      name: 'a BigInt, a function, NaN and -0 where values are expected',
      config: cfg({
        db: pg({ ports: { pg: 5432n } }),
        api: proc({ cwd: () => 'apps/api', stopTimeoutMs: Number.NaN, ports: { http: { host: -0 } } }),
      }),
      issues: [
        issue(
          `${S}.db.ports.pg`,
          'expected a container port (a number, or { container, host? }), got a bigint',
          `write ${S}.db.ports.pg as a container port (a number, or { container, host? })`,
        ),
        issue(
          `${S}.api.ports.http.host`,
          'invalid port 0: a port is a whole number from 1 to 65535',
          HOST_PORT_FIX,
        ),
        issue(`${S}.api.cwd`, 'expected a string, got a function', `write ${S}.api.cwd as a string`),
        issue(
          `${S}.api.stopTimeoutMs`,
          'must be a positive whole number of milliseconds, got NaN',
          `set ${S}.api.stopTimeoutMs to a whole number above 0`,
        ),
      ],
    },
    {
      name: 'a Promise as the config, a Map as env',
      config: Promise.resolve(cfg({})),
      issues: [issue('(default export)', 'expected the config object, got a Promise', DEFAULT_EXPORT_FIX)],
    },
    {
      name: 'a Map where an object is expected (its entries are no fields)',
      config: cfg({ api: proc({ env: new Map([['PORT', '3000']]) }) }),
      issues: [
        issue(
          `${S}.api.env`,
          'expected an object of strings, got a Map',
          `write ${S}.api.env as an object of strings`,
        ),
      ],
    },
    {
      name: 'a huge string, quoted short',
      config: cfg({ api: proc({ cwd: `${'x'.repeat(100_000)}/../..` }) }),
      issues: [
        issue(
          `${S}.api.cwd`,
          `"${'x'.repeat(80)}"… (100006 characters) is outside the project root`,
          'use a folder inside the project',
        ),
      ],
    },
    {
      name: 'nesting past any real config',
      config: cfg({ api: proc({ env: { x: JSON.parse(`${'{"x":'.repeat(70)}1${'}'.repeat(70)}`) } }) }),
      issues: [
        issue(
          `${S}.api.env.x${'.x'.repeat(59)}`,
          'nested more than 64 levels deep',
          'a config is a few levels deep: look for a value that nests itself',
        ),
        issue(`${S}.api.env.x`, 'expected a string, got an object', `write ${S}.api.env.x as a string`),
      ],
    },
  ]

  it.each(hostile)('$name', ({ config, issues }) => {
    expect(issuesOf(config)).toEqual(issues)
  })

  it('stops reading a runaway value, and reports at most 100 problems', () => {
    const issues = issuesOf({ environments: Array.from({ length: 12_000 }, () => 'x') })
    expect(issues).toHaveLength(101)
    // The place where reading stopped was never read: it sorts with the array that holds it.
    expect(issues.slice(0, 2)).toEqual([
      issue(
        'environments[9998]',
        'the config holds more than 10000 values; hearth stopped reading here',
        'look for a value built in a runaway loop, or an object reachable many times over',
      ),
      issue(
        'environments[0]',
        'expected an environment (defineEnvironment({ name, services })), got a string',
        'write environments[0] as an environment (defineEnvironment({ name, services }))',
      ),
    ])
    expect(issues.at(-1)).toEqual(
      issue(
        '(default export)',
        'and 9899 more problems after these',
        'fix the problems above first: the rest are often the same mistake again',
      ),
    )
  })

  it('reads through what holds valid data: proxies, replaced prototypes, getters, frozen objects', () => {
    const plain = cfg({ db: pg(), api: proc({ dependsOn: ['db'], env: { URL: '{{db.host}}' } }) })
    const dependsOn = Object.setPrototypeOf(['db'], null)
    const services = Object.assign(Object.create(null), {
      db: new Proxy(pg(), {}),
      api: Object.freeze(withGetter(proc({ dependsOn }), 'env', () => ({ URL: '{{db.host}}' }))),
    })
    const environments = Object.setPrototypeOf([{ name: 'backend', services }], null)
    expect(normalize(new Proxy({ environments }, {}))).toEqual(normalize(plain))
  })
})
