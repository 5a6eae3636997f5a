import path from 'node:path'
import { sourceFileOf } from './define.js'
import { parseDuration } from './duration.js'
import { findCycles, topologicalOrder } from './graph.js'
import type { ConfigIssue } from './issues.js'
import { parseTemplate } from './template.js'
import type {
  NormalizedCommand,
  NormalizedConfig,
  NormalizedEnvironment,
  NormalizedPort,
  NormalizedProcessService,
  NormalizedReadiness,
  NormalizedReset,
  NormalizedService,
  NormalizedTestGroup,
  ServiceKind,
} from './types.js'

export interface ValidateOptions {
  /** Absolute project root. */
  root: string
  /** The config file, relative to the root (used in messages). */
  file: string
  /** Project name when the config sets none. */
  defaultProject: string
}

export type ValidationResult = { ok: true; config: NormalizedConfig } | { ok: false; issues: ConfigIssue[] }

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

const SERVICE_KINDS: readonly ServiceKind[] = ['container', 'process', 'job']
const NAME = /^[a-z][a-z0-9-]*$/
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Names a service cannot take because templates give them another meaning. */
const RESERVED_SERVICE_NAMES = new Set(['host', 'ports', 'env', 'hearth'])

/**
 * Checks a loaded config and returns it normalized, or returns every problem found (never just the
 * first): unknown fields, wrong types, missing fields, unknown or cyclic dependencies, bad ports,
 * globs and template references.
 */
export function validateConfig(input: unknown, options: ValidateOptions): ValidationResult {
  const report = new Report(options.root)
  const config = checkConfig(report, input, options)
  if (report.issues.length > 0 || config === null) return { ok: false, issues: report.issues }
  return { ok: true, config }
}

class Report {
  readonly issues: ConfigIssue[] = []
  constructor(readonly root: string) {}

  add(file: string, at: string, message: string, fix: string): void {
    this.issues.push({ file, path: at, message, fix })
  }

  /** A definition's source file relative to the root, or the fallback. */
  fileOf(value: unknown, fallback: string): string {
    const source = sourceFileOf(value)
    if (source === null) return fallback
    const relative = path.relative(this.root, source)
    return relative.startsWith('..') ? source : relative.split(path.sep).join('/')
  }
}

/** Where we are: the file a value came from and its path in the config. */
interface At {
  file: string
  path: string
}

function child(at: At, key: string | number): At {
  if (typeof key === 'number') return { file: at.file, path: `${at.path}[${key}]` }
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
  return { file: at.file, path: at.path === '' ? key : `${at.path}${segment}` }
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof RegExp) return 'a RegExp'
  const type = typeof value
  return type === 'object' ? 'an object' : `a ${type}`
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

// ── primitive checks ────────────────────────────────────────────────────────────────────────────

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RegExp)
}

function expectRecord(r: Report, at: At, value: unknown, what: string): Record<string, unknown> | null {
  if (isRecord(value)) return value
  r.add(at.file, at.path, `expected ${what}, got ${typeName(value)}`, `write ${at.path} as ${what}`)
  return null
}

function checkKeys(r: Report, at: At, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue
    const suggestion = closest(key, allowed)
    r.add(
      at.file,
      child(at, key).path,
      `unknown field ${quote(key)}`,
      suggestion === null
        ? `remove it; the fields here are ${allowed.join(', ')}`
        : `did you mean ${quote(suggestion)}? The fields here are ${allowed.join(', ')}`,
    )
  }
}

function requireField(r: Report, at: At, value: Record<string, unknown>, key: string, fix: string): boolean {
  if (value[key] !== undefined) return true
  r.add(at.file, child(at, key).path, `missing required field ${quote(key)}`, fix)
  return false
}

function expectString(r: Report, at: At, value: unknown): string | null {
  if (typeof value === 'string') return value
  const fix =
    typeof value === 'number' || typeof value === 'boolean'
      ? `write it as a string: ${JSON.stringify(String(value))}`
      : `write ${at.path} as a string`
  r.add(at.file, at.path, `expected a string, got ${typeName(value)}`, fix)
  return null
}

function expectNonEmptyString(r: Report, at: At, value: unknown): string | null {
  const text = expectString(r, at, value)
  if (text === null) return null
  if (text.trim() === '') {
    r.add(at.file, at.path, 'must not be empty', `give ${at.path} a value`)
    return null
  }
  return text
}

function expectStringArray(r: Report, at: At, value: unknown): string[] | null {
  if (!Array.isArray(value)) {
    r.add(
      at.file,
      at.path,
      `expected an array of strings, got ${typeName(value)}`,
      typeof value === 'string'
        ? `wrap it in an array: [${JSON.stringify(value)}]`
        : `write ${at.path} as ['…']`,
    )
    return null
  }
  const out: string[] = []
  value.forEach((item, index) => {
    const text = expectString(r, child(at, index), item)
    if (text !== null) out.push(text)
  })
  return out.length === value.length ? out : null
}

function expectStringRecord(r: Report, at: At, value: unknown): Record<string, string> | null {
  const record = expectRecord(r, at, value, 'an object of strings')
  if (record === null) return null
  const out: Record<string, string> = {}
  let ok = true
  for (const [key, item] of Object.entries(record)) {
    const text = expectString(r, child(at, key), item)
    if (text === null) ok = false
    else out[key] = text
  }
  return ok ? out : null
}

function expectPositiveInt(r: Report, at: At, value: unknown, unit = 'milliseconds'): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value
  r.add(
    at.file,
    at.path,
    typeof value === 'number'
      ? `must be a positive whole number of ${unit}, got ${value}`
      : `expected a number of ${unit}, got ${typeName(value)}`,
    `set ${at.path} to a whole number above 0`,
  )
  return null
}

/** `optional`: a host port, which may be left unset to have a free one chosen. */
/** An optional whole-number field: its default when unset, else checked (null when invalid). */
function positiveIntOr(
  r: Report,
  at: At,
  record: Record<string, unknown>,
  key: string,
  fallback: number,
  unit?: string,
): number | null {
  return record[key] === undefined ? fallback : expectPositiveInt(r, child(at, key), record[key], unit)
}

function expectPort(r: Report, at: At, value: unknown, optional: boolean): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) return value
  r.add(
    at.file,
    at.path,
    typeof value === 'number'
      ? `invalid port ${value}: a port is a whole number from 1 to 65535`
      : `expected a port number, got ${typeName(value)}`,
    typeof value === 'string' && /^\d+$/.test(value.trim())
      ? `write it as a number: ${value.trim()}`
      : optional
        ? 'use a port from 1 to 65535, or leave it unset to have a free one chosen'
        : 'use a port from 1 to 65535',
  )
  return null
}

function expectOneOf<T extends string>(r: Report, at: At, value: unknown, options: readonly T[]): T | null {
  if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T
  const suggestion = typeof value === 'string' ? closest(value, options) : null
  r.add(
    at.file,
    at.path,
    `expected one of ${options.map(quote).join(', ')}, got ${typeof value === 'string' ? quote(value) : typeName(value)}`,
    suggestion === null
      ? `use one of ${options.map(quote).join(', ')}`
      : `did you mean ${quote(suggestion)}?`,
  )
  return null
}

/** Project-relative globs: no absolute paths, no `..`, forward slashes, balanced brackets. */
function checkGlobs(r: Report, at: At, value: unknown): string[] | null {
  const globs = expectStringArray(r, at, value)
  if (globs === null) return null
  let ok = true
  globs.forEach((glob, index) => {
    const problem = globProblem(glob)
    if (problem !== null) {
      ok = false
      r.add(at.file, child(at, index).path, `invalid glob ${quote(glob)}: ${problem.message}`, problem.fix)
    }
  })
  return ok ? globs : null
}

function globProblem(glob: string): { message: string; fix: string } | null {
  if (glob.trim() === '')
    return { message: 'it is empty', fix: 'remove it or write a pattern such as "src/**"' }
  if (glob.includes('\\')) return { message: 'it contains "\\"', fix: 'use forward slashes: "src/**/*.ts"' }
  if (glob.startsWith('/') || /^[A-Za-z]:/.test(glob)) {
    return { message: 'it is absolute', fix: 'write it relative to the project root, e.g. "src/**"' }
  }
  const segments = glob.replace(/^!/, '').split('/')
  if (segments.includes('..')) {
    return { message: 'it leaves the project root', fix: 'write a pattern inside the project root' }
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
  if (braces !== 0)
    return { message: 'unbalanced "{" and "}"', fix: 'close every "{" with "}", e.g. "src/**/*.{ts,tsx}"' }
  if (brackets !== 0) return { message: 'unbalanced "[" and "]"', fix: 'close every "[" with "]"' }
  return null
}

function checkRelativePath(r: Report, at: At, value: unknown, root: string): string | null {
  const text = expectNonEmptyString(r, at, value)
  if (text === null) return null
  if (path.isAbsolute(text)) {
    r.add(at.file, at.path, `${quote(text)} is absolute`, 'write it relative to the project root')
    return null
  }
  const resolved = path.resolve(root, text)
  const relative = path.relative(root, resolved)
  if (relative.startsWith('..')) {
    r.add(at.file, at.path, `${quote(text)} is outside the project root`, 'use a folder inside the project')
    return null
  }
  return relative === '' ? '.' : relative.split(path.sep).join('/')
}

function checkCommand(r: Report, at: At, value: unknown): NormalizedCommand | null {
  if (typeof value === 'string') {
    if (value.trim() === '') {
      r.add(at.file, at.path, 'the command is empty', 'write a command, e.g. ["node", "server.js"]')
      return null
    }
    return { shell: value }
  }
  if (Array.isArray(value)) {
    const argv = expectStringArray(r, at, value)
    if (argv === null) return null
    if (argv.length === 0 || (argv[0] as string).trim() === '') {
      r.add(at.file, at.path, 'the command is empty', 'write a command, e.g. ["node", "server.js"]')
      return null
    }
    return { argv }
  }
  r.add(
    at.file,
    at.path,
    `expected a command (an array of arguments or a shell string), got ${typeName(value)}`,
    'write it as ["program", "arg", …] or as "program arg …"',
  )
  return null
}

// ── config ──────────────────────────────────────────────────────────────────────────────────────

function checkConfig(r: Report, input: unknown, options: ValidateOptions): NormalizedConfig | null {
  const at: At = { file: options.file, path: '' }
  if (!isRecord(input)) {
    r.add(
      options.file,
      '(default export)',
      `expected the config object, got ${typeName(input)}`,
      'end the file with `export default defineConfig({ environments: [...] })`',
    )
    return null
  }
  checkKeys(r, at, input, ['project', 'environments', 'tests', 'idleTtl'])

  let project = options.defaultProject
  if (input.project !== undefined) {
    const name = expectNonEmptyString(r, child(at, 'project'), input.project)
    if (name !== null && !PROJECT_NAME.test(name)) {
      r.add(
        at.file,
        'project',
        `invalid project name ${quote(name)}`,
        'use letters, digits, ".", "_" and "-", starting with a letter or digit',
      )
    } else if (name !== null) project = name
  }

  let idleTtlMs: number = DEFAULTS.idleTtlMs
  if (input.idleTtl !== undefined) {
    const value = input.idleTtl
    const parsed = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : null
    if (parsed === null) {
      r.add(
        at.file,
        'idleTtl',
        `invalid duration ${typeof value === 'string' || typeof value === 'number' ? quote(value) : typeName(value)}`,
        'write a duration such as "30m", "4h" or "1d", or a number of milliseconds',
      )
    } else idleTtlMs = parsed
  }

  const environments: Record<string, NormalizedEnvironment> = {}
  if (
    requireField(r, at, input, 'environments', 'add `environments: [defineEnvironment({ name, services })]`')
  ) {
    const envAt = child(at, 'environments')
    if (!Array.isArray(input.environments)) {
      r.add(
        at.file,
        envAt.path,
        `expected an array of environments, got ${typeName(input.environments)}`,
        'write environments: [defineEnvironment({ name: "…", services: { … } })]',
      )
    } else {
      const firstIndex = new Map<string, number>()
      input.environments.forEach((raw, index) => {
        const name = isRecord(raw) && typeof raw.name === 'string' && NAME.test(raw.name) ? raw.name : null
        const file = r.fileOf(raw, at.file)
        if (name !== null && firstIndex.has(name)) {
          r.add(
            file,
            `environments[${index}].name`,
            `duplicate environment name ${quote(name)} (environments[${firstIndex.get(name)}] has it too)`,
            'give each environment its own name',
          )
          return
        }
        const envPath: At = name === null ? child(envAt, index) : { file, path: `environments.${name}` }
        const environment = checkEnvironment(r, { file, path: envPath.path }, raw, options.root)
        if (name !== null) firstIndex.set(name, index)
        if (environment !== null) environments[environment.name] = environment
      })
    }
  }

  const tests: NormalizedTestGroup[] = []
  if (input.tests !== undefined) {
    const testsAt = child(at, 'tests')
    if (!Array.isArray(input.tests)) {
      r.add(
        at.file,
        testsAt.path,
        `expected an array of test groups, got ${typeName(input.tests)}`,
        'write tests: [{ name: "…", include: ["…"], environment: "…" }]',
      )
    } else {
      const seen = new Map<string, number>()
      const environmentNames = collectEnvironmentNames(input.environments)
      input.tests.forEach((raw, index) => {
        const group = checkTestGroup(r, child(testsAt, index), raw, environmentNames)
        if (group === null) return
        if (seen.has(group.name)) {
          r.add(
            at.file,
            `tests[${index}].name`,
            `duplicate test group name ${quote(group.name)} (tests[${seen.get(group.name)}] has it too)`,
            'give each test group its own name',
          )
          return
        }
        seen.set(group.name, index)
        tests.push(group)
      })
    }
  }

  return { project, root: options.root, file: options.file, idleTtlMs, environments, tests }
}

function collectEnvironmentNames(value: unknown): string[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((item) => (isRecord(item) && typeof item.name === 'string' ? [item.name] : []))
}

function checkTestGroup(r: Report, at: At, raw: unknown, environments: string[]): NormalizedTestGroup | null {
  const group = expectRecord(r, at, raw, 'a test group object')
  if (group === null) return null
  checkKeys(r, at, group, ['name', 'include', 'exclude', 'environment', 'triggers'])
  const before = r.issues.length
  let name: string | null = null
  if (requireField(r, at, group, 'name', 'give the group a name, e.g. name: "integration"')) {
    name = expectNonEmptyString(r, child(at, 'name'), group.name)
  }
  let include: string[] | null = null
  if (requireField(r, at, group, 'include', 'list its test files, e.g. include: ["tests/**/*.test.ts"]')) {
    include = checkGlobs(r, child(at, 'include'), group.include)
    if (include !== null && include.length === 0) {
      r.add(
        at.file,
        child(at, 'include').path,
        'no globs given',
        'list its test files, e.g. ["tests/**/*.test.ts"]',
      )
    }
  }
  const exclude = group.exclude === undefined ? [] : checkGlobs(r, child(at, 'exclude'), group.exclude)
  const triggers = group.triggers === undefined ? [] : checkGlobs(r, child(at, 'triggers'), group.triggers)
  let environment: string | null = null
  if (group.environment !== undefined) {
    environment = expectNonEmptyString(r, child(at, 'environment'), group.environment)
    if (environment !== null && !environments.includes(environment)) {
      const suggestion = closest(environment, environments)
      r.add(
        at.file,
        child(at, 'environment').path,
        `unknown environment ${quote(environment)}`,
        environments.length === 0
          ? 'define the environment under environments'
          : suggestion !== null
            ? `did you mean ${quote(suggestion)}?`
            : `use one of ${environments.map(quote).join(', ')}`,
      )
    }
  }
  if (r.issues.length > before || name === null || include === null) return null
  return { name, include, exclude: exclude ?? [], environment, triggers: triggers ?? [] }
}

// ── environments and services ───────────────────────────────────────────────────────────────────

function checkEnvironment(r: Report, at: At, raw: unknown, root: string): NormalizedEnvironment | null {
  const env = expectRecord(r, at, raw, 'an environment (defineEnvironment({ name, services }))')
  if (env === null) return null
  checkKeys(r, at, env, ['name', 'description', 'services'])
  const before = r.issues.length

  let name: string | null = null
  if (requireField(r, at, env, 'name', 'give the environment a name, e.g. name: "backend"')) {
    name = expectNonEmptyString(r, child(at, 'name'), env.name)
    if (name !== null && !NAME.test(name)) {
      r.add(
        at.file,
        child(at, 'name').path,
        `invalid environment name ${quote(name)}`,
        'use lowercase letters, digits and "-", starting with a letter',
      )
      name = null
    }
  }
  const description =
    env.description === undefined ? null : expectString(r, child(at, 'description'), env.description)

  const services: Record<string, NormalizedService> = {}
  if (requireField(r, at, env, 'services', 'add services: { name: { kind: "process", command: [...] } }')) {
    const servicesAt = child(at, 'services')
    const rawServices = expectRecord(r, servicesAt, env.services, 'an object of services')
    if (rawServices !== null) {
      const names = Object.keys(rawServices)
      if (names.length === 0) {
        r.add(
          at.file,
          servicesAt.path,
          'the environment has no services',
          'add a service or remove the environment',
        )
      }
      const context: ServiceContext = { root, environment: name ?? '', services: rawServices }
      for (const serviceName of names) {
        const service = checkService(
          r,
          child(servicesAt, serviceName),
          serviceName,
          rawServices[serviceName],
          context,
        )
        if (service !== null) services[serviceName] = service
      }
      checkCycles(r, servicesAt, rawServices)
      checkFixedPorts(r, servicesAt, services)
    }
  }

  if (r.issues.length > before || name === null) return null
  const graph = new Map(Object.values(services).map((service) => [service.name, service.dependsOn]))
  return { name, description, file: at.file, services, order: topologicalOrder(graph) }
}

function checkCycles(r: Report, at: At, services: Record<string, unknown>): void {
  const graph = new Map<string, string[]>()
  const written = new Map<string, unknown[]>()
  for (const [name, raw] of Object.entries(services)) {
    const deps: unknown[] = isRecord(raw) && Array.isArray(raw.dependsOn) ? raw.dependsOn : []
    written.set(name, deps)
    graph.set(
      name,
      deps.filter((dep): dep is string => typeof dep === 'string'),
    )
  }
  for (const cycle of findCycles(graph)) {
    // A service on its own dependsOn is reported by checkDependsOn, at its entry.
    if (cycle.length === 2) continue
    const [first, second] = cycle as [string, string]
    // Point at the entry that closes the first edge of the cycle: `a.dependsOn[1]` for `a → b`.
    const index = (written.get(first) ?? []).indexOf(second)
    r.add(
      at.file,
      child(child(child(at, first), 'dependsOn'), index).path,
      `dependency cycle: ${cycle.join(' → ')}`,
      'remove one of these dependsOn entries so that the services can start in order',
    )
  }
}

function checkFixedPorts(r: Report, at: At, services: Record<string, NormalizedService>): void {
  // Keyed by protocol too: TCP 53 and UDP 53 are two different ports.
  const owners = new Map<string, string>()
  for (const service of Object.values(services)) {
    for (const port of service.ports) {
      if (port.host === null) continue
      const where = `${child(child(at, service.name), 'ports').path}.${port.name}`
      const key = `${port.protocol}/${port.host}`
      const owner = owners.get(key)
      if (owner !== undefined) {
        r.add(
          at.file,
          where,
          `host port ${port.host} is also taken by ${owner}`,
          'give one of them another port, or leave host unset to have a free one chosen',
        )
      } else owners.set(key, where)
    }
  }
}

interface ServiceContext {
  root: string
  environment: string
  /** The raw services of the environment, to check references against. */
  services: Record<string, unknown>
}

const COMMON_FIELDS = [
  'kind',
  'description',
  'dependsOn',
  'env',
  'readiness',
  'outputs',
  'watch',
  'reset',
  'ports',
  'testEnv',
]
const KIND_FIELDS: Record<ServiceKind, readonly string[]> = {
  container: [...COMMON_FIELDS, 'image', 'build', 'pull', 'command', 'volumes', 'healthcheck', 'fallback'],
  process: [...COMMON_FIELDS, 'command', 'cwd', 'stopTimeoutMs'],
  job: [
    ...COMMON_FIELDS.filter((field) => field !== 'readiness' && field !== 'ports'),
    'command',
    'cwd',
    'image',
    'timeoutMs',
  ],
}

function checkService(
  r: Report,
  at: At,
  name: string,
  raw: unknown,
  ctx: ServiceContext,
): NormalizedService | null {
  const service = expectRecord(r, at, raw, 'a service object')
  if (service === null) return null
  const before = r.issues.length

  if (!NAME.test(name)) {
    r.add(
      at.file,
      at.path,
      `invalid service name ${quote(name)}`,
      'use lowercase letters, digits and "-", starting with a letter',
    )
  } else if (RESERVED_SERVICE_NAMES.has(name)) {
    r.add(
      at.file,
      at.path,
      `${quote(name)} is a reserved name`,
      `rename the service; ${[...RESERVED_SERVICE_NAMES].map(quote).join(', ')} mean something else in templates`,
    )
  }

  let kind: ServiceKind | null = null
  if (requireField(r, at, service, 'kind', 'set kind: "container", "process" or "job"')) {
    kind = expectOneOf(r, child(at, 'kind'), service.kind, SERVICE_KINDS)
  }
  checkKeys(
    r,
    at,
    service,
    kind === null ? [...new Set(Object.values(KIND_FIELDS).flat())] : (KIND_FIELDS[kind] as string[]),
  )

  const description =
    service.description === undefined ? null : expectString(r, child(at, 'description'), service.description)
  const dependsOn = checkDependsOn(r, child(at, 'dependsOn'), name, service.dependsOn, ctx)
  // A field this kind does not have is reported once, by checkKeys, and not validated on top.
  const allowed = (field: string): boolean =>
    kind !== null && (KIND_FIELDS[kind] as readonly string[]).includes(field)
  const ports =
    service.ports === undefined || !allowed('ports')
      ? []
      : checkPorts(r, child(at, 'ports'), kind as ServiceKind, service.ports)
  const env = service.env === undefined ? {} : (expectStringRecord(r, child(at, 'env'), service.env) ?? {})
  for (const key of Object.keys(env)) {
    if (!ENV_NAME.test(key)) {
      r.add(
        at.file,
        child(child(at, 'env'), key).path,
        `invalid environment variable name ${quote(key)}`,
        'use letters, digits and "_", not starting with a digit',
      )
    }
  }
  const portNames = ports.map((port) => port.name)
  const scope: Omit<TemplateScope, 'field'> = {
    portNames,
    envNames: Object.keys(env),
    dependsOn,
    ctx,
    self: name,
  }
  for (const [key, value] of Object.entries(env)) {
    checkTemplate(r, child(child(at, 'env'), key), value, { ...scope, field: 'env' })
  }
  const outputs =
    service.outputs === undefined ? {} : (expectStringRecord(r, child(at, 'outputs'), service.outputs) ?? {})
  for (const [key, value] of Object.entries(outputs)) {
    const outAt = child(child(at, 'outputs'), key)
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) {
      r.add(
        at.file,
        outAt.path,
        `invalid output name ${quote(key)}`,
        'use letters and digits, starting with a letter (e.g. url, adminUrl)',
      )
    }
    checkTemplate(r, outAt, value, { ...scope, field: 'output' })
  }
  const testEnv =
    service.testEnv === undefined ? {} : (expectStringRecord(r, child(at, 'testEnv'), service.testEnv) ?? {})
  const ownOutputs = [
    ...new Set(['host', ...ports.map((port) => `${port.name}Port`), ...Object.keys(outputs)]),
  ]
  for (const [key, value] of Object.entries(testEnv)) {
    const testEnvAt = child(child(at, 'testEnv'), key)
    if (!ENV_NAME.test(key)) {
      r.add(
        at.file,
        testEnvAt.path,
        `invalid environment variable name ${quote(key)}`,
        'use letters, digits and "_", not starting with a digit',
      )
    }
    checkOwnOutputTemplate(r, testEnvAt, value, ownOutputs)
  }
  const watch = service.watch === undefined ? [] : (checkGlobs(r, child(at, 'watch'), service.watch) ?? [])
  const reset = service.reset === undefined ? null : checkReset(r, child(at, 'reset'), service.reset)

  if (kind === null) return null
  const readiness =
    service.readiness === undefined || !allowed('readiness')
      ? defaultReadiness(kind, ports, service)
      : checkReadiness(r, child(at, 'readiness'), service.readiness, kind, portNames)

  const base = {
    name,
    environment: ctx.environment,
    description,
    dependsOn,
    env,
    readiness: readiness ?? NONE,
    outputs,
    watch,
    reset,
    ports,
    testEnv,
  }

  let result: NormalizedService | null = null
  if (kind === 'process') result = checkProcess(r, at, service, base, ctx)
  else if (kind === 'job') result = checkJob(r, at, service, base, ctx)
  else result = checkContainer(r, at, service, base, ctx)
  // Commands may use the same references as env values: `["serve", "--port", "{{ports.http}}"]`.
  const command = result?.command ?? null
  if (command !== null) {
    const commandAt = child(at, 'command')
    const commandScope: TemplateScope = { ...scope, field: 'command' }
    if ('argv' in command) {
      for (const [index, arg] of command.argv.entries())
        checkTemplate(r, child(commandAt, index), arg, commandScope)
    } else checkTemplate(r, commandAt, command.shell, commandScope)
  }
  return r.issues.length > before ? null : result
}

type ServiceBase = Omit<NormalizedService, 'kind' | 'command' | 'image'>

/** What local commands (processes and jobs) share: the command and the folder it runs in. */
function checkLocalCommand(
  r: Report,
  at: At,
  raw: Record<string, unknown>,
  ctx: ServiceContext,
  example: string,
): { command: NormalizedCommand | null; cwd: string | null } {
  let command: NormalizedCommand | null = null
  if (requireField(r, at, raw, 'command', `set command: ${example} (or a shell string)`)) {
    command = checkCommand(r, child(at, 'command'), raw.command)
  }
  const cwd = raw.cwd === undefined ? '.' : checkRelativePath(r, child(at, 'cwd'), raw.cwd, ctx.root)
  return { command, cwd }
}

function checkProcess(
  r: Report,
  at: At,
  raw: Record<string, unknown>,
  base: ServiceBase,
  ctx: ServiceContext,
): NormalizedService | null {
  const { command, cwd } = checkLocalCommand(r, at, raw, ctx, '["node", "server.js"]')
  const stopTimeoutMs = positiveIntOr(r, at, raw, 'stopTimeoutMs', DEFAULTS.stopTimeoutMs)
  if (command === null || cwd === null || stopTimeoutMs === null) return null
  return { ...base, kind: 'process', command, cwd, stopTimeoutMs }
}

function checkJob(
  r: Report,
  at: At,
  raw: Record<string, unknown>,
  base: ServiceBase,
  ctx: ServiceContext,
): NormalizedService | null {
  const { command, cwd } = checkLocalCommand(r, at, raw, ctx, '["node", "migrate.js"]')
  const image = raw.image === undefined ? null : expectNonEmptyString(r, child(at, 'image'), raw.image)
  const timeoutMs = positiveIntOr(r, at, raw, 'timeoutMs', DEFAULTS.jobTimeoutMs)
  if (command === null || cwd === null || timeoutMs === null) return null
  return { ...base, kind: 'job', readiness: NONE, command, cwd, image, timeoutMs }
}

function checkContainer(
  r: Report,
  at: At,
  raw: Record<string, unknown>,
  base: ServiceBase,
  ctx: ServiceContext,
): NormalizedService | null {
  const image = raw.image === undefined ? null : expectNonEmptyString(r, child(at, 'image'), raw.image)
  let build: { context: string; dockerfile: string; args: Record<string, string> } | null = null
  if (raw.build !== undefined) {
    const buildAt = child(at, 'build')
    const spec = expectRecord(r, buildAt, raw.build, 'a build object ({ context, dockerfile?, args? })')
    if (spec !== null) {
      checkKeys(r, buildAt, spec, ['context', 'dockerfile', 'args'])
      const context = requireField(
        r,
        buildAt,
        spec,
        'context',
        'set context to a folder with a Dockerfile, e.g. "docker/api"',
      )
        ? checkRelativePath(r, child(buildAt, 'context'), spec.context, ctx.root)
        : null
      const dockerfile =
        spec.dockerfile === undefined
          ? 'Dockerfile'
          : expectNonEmptyString(r, child(buildAt, 'dockerfile'), spec.dockerfile)
      const args = spec.args === undefined ? {} : expectStringRecord(r, child(buildAt, 'args'), spec.args)
      if (context !== null && dockerfile !== null && args !== null) build = { context, dockerfile, args }
    }
  }
  if (raw.image === undefined && raw.build === undefined) {
    r.add(
      at.file,
      child(at, 'image').path,
      'a container needs an image or a build',
      'set image: "postgres:16-alpine", or build: { context: "…" }',
    )
  }
  const pull =
    raw.pull === undefined
      ? 'missing'
      : expectOneOf(r, child(at, 'pull'), raw.pull, ['missing', 'always', 'never'] as const)
  const command = raw.command === undefined ? null : checkCommand(r, child(at, 'command'), raw.command)
  const volumes = raw.volumes === undefined ? [] : expectStringArray(r, child(at, 'volumes'), raw.volumes)
  volumes?.forEach((volume, index) => {
    if (!/^[^:]+:\/[^:]*(:(ro|rw))?$/.test(volume)) {
      r.add(
        at.file,
        child(child(at, 'volumes'), index).path,
        `invalid volume ${quote(volume)}`,
        'write "source:/path/in/container" or "source:/path:ro"',
      )
    }
  })
  let healthcheck: NormalizedContainerHealthcheck | null = null
  if (raw.healthcheck !== undefined) {
    const hcAt = child(at, 'healthcheck')
    const spec = expectRecord(r, hcAt, raw.healthcheck, 'a healthcheck object ({ command, intervalMs? })')
    if (spec !== null) {
      checkKeys(r, hcAt, spec, ['command', 'intervalMs', 'timeoutMs', 'retries'])
      const hcCommand = requireField(r, hcAt, spec, 'command', 'set command: ["pg_isready"]')
        ? checkCommand(r, child(hcAt, 'command'), spec.command)
        : null
      const intervalMs = positiveIntOr(r, hcAt, spec, 'intervalMs', DEFAULTS.healthcheckIntervalMs)
      const timeoutMs = positiveIntOr(r, hcAt, spec, 'timeoutMs', DEFAULTS.healthcheckTimeoutMs)
      const retries = positiveIntOr(r, hcAt, spec, 'retries', DEFAULTS.healthcheckRetries, 'retries')
      if (hcCommand !== null && intervalMs !== null && timeoutMs !== null && retries !== null) {
        healthcheck = { command: hcCommand, intervalMs, timeoutMs, retries }
      }
    }
  }
  const fallback =
    raw.fallback === undefined ? null : checkFallback(r, child(at, 'fallback'), base, raw.fallback, ctx)
  if (pull === null || volumes === null || (raw.fallback !== undefined && fallback === null)) return null
  return { ...base, kind: 'container', image, build, pull, command, volumes, healthcheck, fallback }
}

/**
 * A container's stand-in process: a process service of the same name and dependencies, with the
 * same outputs (dependents read those whichever runs).
 */
function checkFallback(
  r: Report,
  at: At,
  container: ServiceBase,
  raw: unknown,
  ctx: ServiceContext,
): NormalizedProcessService | null {
  const spec = expectRecord(r, at, raw, 'a process service ({ kind: "process", command, … })')
  if (spec === null) return null
  if (spec.kind !== 'process') {
    r.add(
      at.file,
      child(at, 'kind').path,
      `a fallback must be a process, got ${quote(spec.kind)}`,
      'set kind: "process"',
    )
    return null
  }
  if (spec.fallback !== undefined || spec.dependsOn !== undefined) {
    r.add(
      at.file,
      child(at, spec.fallback !== undefined ? 'fallback' : 'dependsOn').path,
      'a fallback takes the dependencies of its container and has no fallback of its own',
      'remove the field from the fallback',
    )
    return null
  }
  const service = checkService(r, at, container.name, { ...spec, dependsOn: container.dependsOn }, ctx)
  if (service === null || service.kind !== 'process') return null
  const missing = Object.keys(container.outputs).filter((name) => !(name in service.outputs))
  if (missing.length > 0) {
    r.add(
      at.file,
      child(at, 'outputs').path,
      `the fallback lacks the container's outputs ${missing.map(quote).join(', ')}`,
      'declare the same outputs on the fallback, so dependents get them whichever runs',
    )
    return null
  }
  return service
}

type NormalizedContainerHealthcheck = NonNullable<
  Extract<NormalizedService, { kind: 'container' }>['healthcheck']
>

function checkDependsOn(r: Report, at: At, self: string, value: unknown, ctx: ServiceContext): string[] {
  if (value === undefined) return []
  const deps = expectStringArray(r, at, value)
  if (deps === null) return []
  const known = Object.keys(ctx.services)
  const seen = new Set<string>()
  deps.forEach((dep, index) => {
    const depAt = child(at, index)
    if (dep === self && !seen.has(dep)) {
      r.add(
        at.file,
        depAt.path,
        `${quote(dep)} depends on itself`,
        `remove ${quote(dep)} from its own dependsOn`,
      )
    } else if (seen.has(dep)) {
      r.add(at.file, depAt.path, `${quote(dep)} is listed twice`, 'remove the repeated entry')
    } else if (!known.includes(dep)) {
      const suggestion = closest(dep, known)
      r.add(
        at.file,
        depAt.path,
        `unknown service ${quote(dep)}; environment ${quote(ctx.environment)} has ${known.map(quote).join(', ')}`,
        suggestion === null
          ? `name one of those services, or add a service named ${quote(dep)}`
          : `did you mean ${quote(suggestion)}?`,
      )
    }
    seen.add(dep)
  })
  return [...seen].filter((dep) => dep !== self && known.includes(dep))
}

function checkPorts(r: Report, at: At, kind: ServiceKind, value: unknown): NormalizedPort[] {
  const record = expectRecord(r, at, value, 'an object of named ports, e.g. { http: {} }')
  if (record === null) return []
  const ports: NormalizedPort[] = []
  for (const [name, spec] of Object.entries(record)) {
    const portAt = child(at, name)
    if (!/^[a-z][a-zA-Z0-9]*$/.test(name)) {
      r.add(
        at.file,
        portAt.path,
        `invalid port name ${quote(name)}`,
        'use letters and digits, starting with a lowercase letter (e.g. http, pg)',
      )
      continue
    }
    if (kind === 'container') {
      if (typeof spec === 'number' || typeof spec === 'string') {
        const container = expectPort(r, portAt, spec, false)
        if (container !== null) ports.push({ name, container, host: null, protocol: 'tcp', env: null })
        continue
      }
      const object = expectRecord(r, portAt, spec, 'a container port (a number, or { container, host? })')
      if (object === null) continue
      checkKeys(r, portAt, object, ['container', 'host', 'protocol'])
      const container = requireField(
        r,
        portAt,
        object,
        'container',
        'set container to the port the container listens on',
      )
        ? expectPort(r, child(portAt, 'container'), object.container, false)
        : null
      const host = object.host === undefined ? null : expectPort(r, child(portAt, 'host'), object.host, true)
      const protocol =
        object.protocol === undefined
          ? 'tcp'
          : expectOneOf(r, child(portAt, 'protocol'), object.protocol, ['tcp', 'udp'] as const)
      if (container !== null && protocol !== null) ports.push({ name, container, host, protocol, env: null })
    } else {
      const object = expectRecord(r, portAt, spec, 'a port object ({ env?, host? })')
      if (object === null) continue
      checkKeys(r, portAt, object, ['env', 'host'])
      const env = object.env === undefined ? null : expectNonEmptyString(r, child(portAt, 'env'), object.env)
      if (env !== null && !ENV_NAME.test(env)) {
        r.add(
          at.file,
          child(portAt, 'env').path,
          `invalid environment variable name ${quote(env)}`,
          'use letters, digits and "_", e.g. "PORT"',
        )
      }
      const host = object.host === undefined ? null : expectPort(r, child(portAt, 'host'), object.host, true)
      if (object.host === undefined || host !== null)
        ports.push({ name, container: null, host, protocol: 'tcp', env })
    }
  }
  return ports
}

interface TemplateScope {
  portNames: readonly string[]
  envNames: readonly string[]
  dependsOn: readonly string[]
  ctx: ServiceContext
  /** The service whose field this is. */
  self: string
  /** What kind of field holds the template: only outputs may use `{{env.<NAME>}}`. */
  field: 'env' | 'output' | 'command'
}

function checkTemplate(r: Report, at: At, template: string, scope: TemplateScope): void {
  const parsed = parseTemplate(template)
  if (!parsed.ok) {
    r.add(
      at.file,
      at.path,
      `invalid template: ${parsed.error}`,
      'write references as {{host}}, {{ports.<name>}} or {{<service>.<output>}}',
    )
    return
  }
  for (const { path: refPath, segments } of parsed.references) {
    const [head, second, ...rest] = segments as [string, string | undefined, ...string[]]
    if (head === 'host' && second === undefined) continue
    if (head === 'ports') {
      if (second !== undefined && rest.length === 0 && scope.portNames.includes(second)) continue
      r.add(
        at.file,
        at.path,
        `{{${refPath}}} names no port of this service`,
        scope.portNames.length === 0
          ? 'declare the port under ports first'
          : `use one of ${scope.portNames.map((p) => `{{ports.${p}}}`).join(', ')}`,
      )
      continue
    }
    if (head === 'env') {
      if (scope.field === 'env') {
        r.add(
          at.file,
          at.path,
          `{{${refPath}}}: env values cannot reference other env values`,
          'write the value out, or reference {{host}}, {{ports.<name>}} or a dependency output',
        )
      } else if (scope.field === 'command') {
        r.add(
          at.file,
          at.path,
          `{{${refPath}}}: commands cannot reference env values`,
          'the command runs with the env set: use $NAME in a shell string, or reference {{host}}, {{ports.<name>}} or a dependency output',
        )
      } else if (second === undefined || rest.length > 0 || !scope.envNames.includes(second)) {
        r.add(
          at.file,
          at.path,
          `{{${refPath}}} names no env variable of this service`,
          `use one of ${scope.envNames.map((e) => `{{env.${e}}}`).join(', ') || '(none defined)'}`,
        )
      }
      continue
    }
    const target = scope.ctx.services[head]
    if (target === undefined || second === undefined || rest.length > 0) {
      const suggestion =
        target === undefined
          ? closest(head, [...Object.keys(scope.ctx.services), 'host', 'ports', 'env'])
          : null
      r.add(
        at.file,
        at.path,
        `{{${refPath}}} is not a known reference`,
        suggestion === null
          ? 'use {{host}}, {{ports.<name>}}, {{env.<NAME>}} (outputs only) or {{<service>.<output>}}'
          : `did you mean {{${[suggestion, ...segments.slice(1)].join('.')}}}? References are {{host}}, {{ports.<name>}}, {{env.<NAME>}} (outputs only) or {{<service>.<output>}}`,
      )
      continue
    }
    if (head === scope.self) {
      // Adding itself to dependsOn would be a cycle: its own values come from host and ports.
      r.add(
        at.file,
        at.path,
        `{{${refPath}}}: a service cannot reference its own outputs`,
        'use {{host}} and {{ports.<name>}} directly',
      )
      continue
    }
    if (!scope.dependsOn.includes(head)) {
      r.add(
        at.file,
        at.path,
        `{{${refPath}}} uses service ${quote(head)}, which this service does not depend on`,
        `add ${quote(head)} to dependsOn`,
      )
      continue
    }
    const available = outputNamesOf(target)
    if (!available.includes(second)) {
      r.add(
        at.file,
        at.path,
        `service ${quote(head)} has no output ${quote(second)}`,
        `use one of ${available.map(quote).join(', ')}`,
      )
    }
  }
}

/** A `testEnv` value: a template over the service's own outputs, `{{url}}`. */
function checkOwnOutputTemplate(r: Report, at: At, template: string, outputs: readonly string[]): void {
  const parsed = parseTemplate(template)
  if (!parsed.ok) {
    r.add(
      at.file,
      at.path,
      `invalid template: ${parsed.error}`,
      "write references to this service's outputs, e.g. {{url}}",
    )
    return
  }
  for (const { path: refPath } of parsed.references) {
    if (outputs.includes(refPath)) continue
    const suggestion = closest(refPath, outputs)
    r.add(
      at.file,
      at.path,
      `{{${refPath}}} is not an output of this service`,
      suggestion === null
        ? `use one of ${outputs.map((name) => `{{${name}}}`).join(', ')}`
        : `did you mean {{${suggestion}}}?`,
    )
  }
}

/** The outputs a raw service will have: declared ones, `host`, and `<port>Port` per port. */
function outputNamesOf(raw: unknown): string[] {
  if (!isRecord(raw)) return []
  const declared = isRecord(raw.outputs) ? Object.keys(raw.outputs) : []
  const ports = isRecord(raw.ports) ? Object.keys(raw.ports).map((name) => `${name}Port`) : []
  return [...new Set(['host', ...ports, ...declared])]
}

const NONE: NormalizedReadiness = {
  type: 'none',
  timeoutMs: DEFAULTS.readinessTimeoutMs,
  intervalMs: DEFAULTS.readinessIntervalMs,
}

function defaultReadiness(
  kind: ServiceKind,
  ports: NormalizedPort[],
  raw: Record<string, unknown>,
): NormalizedReadiness {
  const timing = { timeoutMs: DEFAULTS.readinessTimeoutMs, intervalMs: DEFAULTS.readinessIntervalMs }
  if (kind === 'container' && raw.healthcheck !== undefined) return { type: 'healthcheck', ...timing }
  // A TCP connect proves readiness for a local process; through Docker's port proxy it does not
  // (the proxy accepts before the service listens), so containers get no implicit TCP check.
  if (kind === 'process' && ports[0] !== undefined) return { type: 'tcp', port: ports[0].name, ...timing }
  return NONE
}

const READINESS_FIELDS: Record<string, readonly string[]> = {
  tcp: ['type', 'port', 'timeoutMs', 'intervalMs'],
  http: ['type', 'port', 'path', 'status', 'timeoutMs', 'intervalMs'],
  log: ['type', 'pattern', 'timeoutMs', 'intervalMs'],
  command: ['type', 'command', 'timeoutMs', 'intervalMs'],
  healthcheck: ['type', 'timeoutMs', 'intervalMs'],
  all: ['type', 'checks', 'timeoutMs', 'intervalMs'],
}

function checkReadiness(
  r: Report,
  at: At,
  value: unknown,
  kind: ServiceKind,
  portNames: readonly string[],
): NormalizedReadiness | null {
  const spec = expectRecord(r, at, value, 'a readiness check (ready.http(…), ready.tcp(…), …)')
  if (spec === null) return null
  if (!requireField(r, at, spec, 'type', 'use a helper such as ready.http("http", "/health")')) return null
  const type = expectOneOf(r, child(at, 'type'), spec.type, Object.keys(READINESS_FIELDS))
  if (type === null) return null
  checkKeys(r, at, spec, READINESS_FIELDS[type] as readonly string[])
  const timeoutMs = positiveIntOr(r, at, spec, 'timeoutMs', DEFAULTS.readinessTimeoutMs)
  const intervalMs = positiveIntOr(r, at, spec, 'intervalMs', DEFAULTS.readinessIntervalMs)
  // Timing problems do not stop the checks below: every problem is reported at once.
  const timingOk = timeoutMs !== null && intervalMs !== null
  const timing = { timeoutMs: timeoutMs ?? 0, intervalMs: intervalMs ?? 0 }

  const portRef = (): string | null => {
    if (!requireField(r, at, spec, 'port', "name one of the service's ports")) return null
    const port = expectNonEmptyString(r, child(at, 'port'), spec.port)
    if (port !== null && !portNames.includes(port)) {
      r.add(
        at.file,
        child(at, 'port').path,
        `unknown port ${quote(port)}`,
        portNames.length === 0
          ? 'declare it under ports first'
          : `use one of ${portNames.map(quote).join(', ')}`,
      )
      return null
    }
    return port
  }

  switch (type) {
    case 'tcp': {
      const port = portRef()
      return port === null || !timingOk ? null : { type, port, ...timing }
    }
    case 'http': {
      const port = portRef()
      let requestPath = spec.path === undefined ? '/' : expectString(r, child(at, 'path'), spec.path)
      if (requestPath !== null && !requestPath.startsWith('/')) {
        r.add(
          at.file,
          child(at, 'path').path,
          `path ${quote(requestPath)} does not start with "/"`,
          `write "/${requestPath}"`,
        )
        requestPath = null
      }
      let status: number[] | null = null
      let statusOk = true
      if (spec.status !== undefined) {
        const list: unknown[] = Array.isArray(spec.status) ? spec.status : [spec.status]
        status = []
        if (list.length === 0) {
          statusOk = false
          r.add(
            at.file,
            child(at, 'status').path,
            'no status codes given',
            'list at least one code, or leave status unset to accept any 2xx or 3xx',
          )
        }
        for (const [index, code] of list.entries()) {
          if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599)
            status.push(code)
          else {
            statusOk = false
            r.add(
              at.file,
              Array.isArray(spec.status) ? child(child(at, 'status'), index).path : child(at, 'status').path,
              `invalid HTTP status ${quote(code)}`,
              'use status codes from 100 to 599',
            )
          }
        }
      }
      if (port === null || requestPath === null || !statusOk || !timingOk) return null
      return { type, port, path: requestPath, status, ...timing }
    }
    case 'log': {
      if (!requireField(r, at, spec, 'pattern', 'set pattern to a RegExp or string, e.g. /listening/'))
        return null
      if (spec.pattern instanceof RegExp) {
        return timingOk
          ? { type, pattern: { source: spec.pattern.source, flags: spec.pattern.flags }, ...timing }
          : null
      }
      const source = expectNonEmptyString(r, child(at, 'pattern'), spec.pattern)
      if (source === null) return null
      try {
        new RegExp(source)
      } catch (error) {
        // V8 says `Invalid regular expression: /(/: Unterminated group`; keep only the reason.
        const reason = (error as Error).message.split(': ').at(-1) ?? (error as Error).message
        r.add(
          at.file,
          child(at, 'pattern').path,
          `invalid regular expression ${quote(source)}: ${reason}`,
          'fix the pattern, or escape its special characters',
        )
        return null
      }
      return timingOk ? { type, pattern: { source, flags: '' }, ...timing } : null
    }
    case 'command': {
      if (!requireField(r, at, spec, 'command', 'set command to a check that exits 0 when ready')) return null
      const command = checkCommand(r, child(at, 'command'), spec.command)
      return command === null || !timingOk ? null : { type, command, ...timing }
    }
    case 'healthcheck':
      if (kind !== 'container') {
        r.add(
          at.file,
          child(at, 'type').path,
          'only containers have an engine healthcheck',
          'use ready.tcp, ready.http, ready.log or ready.command',
        )
        return null
      }
      return timingOk ? { type, ...timing } : null
    case 'all': {
      if (
        !requireField(
          r,
          at,
          spec,
          'checks',
          'list the checks: ready.all(ready.tcp("pg"), ready.log(/ready/))',
        )
      )
        return null
      if (!Array.isArray(spec.checks) || spec.checks.length === 0) {
        r.add(
          at.file,
          child(at, 'checks').path,
          Array.isArray(spec.checks)
            ? 'no checks given'
            : `expected an array of checks, got ${typeName(spec.checks)}`,
          'list at least one check: ready.all(ready.tcp("pg"), ready.log(/ready/))',
        )
        return null
      }
      const checks = spec.checks.map((item, index) =>
        checkReadiness(r, child(child(at, 'checks'), index), item, kind, portNames),
      )
      return timingOk && checks.every((check) => check !== null)
        ? { type, checks: checks as NormalizedReadiness[], ...timing }
        : null
    }
    default:
      return null
  }
}

function checkReset(r: Report, at: At, value: unknown): NormalizedReset | null {
  const spec = expectRecord(r, at, value, 'a reset ({ type: "exec", command } or { type: "restart" })')
  if (spec === null) return null
  if (!requireField(r, at, spec, 'type', 'set type: "exec" or "restart"')) return null
  const type = expectOneOf(r, child(at, 'type'), spec.type, ['exec', 'restart'] as const)
  if (type === null) return null
  if (type === 'restart') {
    checkKeys(r, at, spec, ['type'])
    return { type }
  }
  checkKeys(r, at, spec, ['type', 'command', 'timeoutMs'])
  const command = requireField(r, at, spec, 'command', 'set the command that resets the service')
    ? checkCommand(r, child(at, 'command'), spec.command)
    : null
  const timeoutMs = positiveIntOr(r, at, spec, 'timeoutMs', DEFAULTS.resetTimeoutMs)
  return command === null || timeoutMs === null ? null : { type, command, timeoutMs }
}

// ── suggestions ─────────────────────────────────────────────────────────────────────────────────

/** The closest candidate within a small edit distance (or equal ignoring case), else null. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === word.toLowerCase()) return candidate
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
