import { outputEnvName } from '@hearth/environments'
import {
  type ConfigSource,
  type EnvironmentSource,
  renderConfigSource,
  variableName,
} from '../scaffold/source.js'
import { ComposeError, parseComposeDocument } from './compose-file.js'

export { ComposeError, findComposeFiles, isComposeError } from './compose-file.js'
export { type ComposeVariables, composeVariables } from './dotenv.js'
export { HEARTH_NAME, isHearthName } from './services.js'
export { wrap } from './text.js'

import { CONTAINER_FIELDS, FIELD_REASONS, fieldReason, JOB_FIELDS, PRESET_FIELDS } from './field-reasons.js'
import {
  type EnvironmentRead,
  hasTemplateBraces,
  isOutside,
  type Problem,
  projectPath,
  readBuild,
  readCommand,
  readEnvironment,
} from './fields.js'
import { readHealthcheck } from './healthcheck.js'
import { InterpolationError, interpolate, type RequiredVariable } from './interpolate.js'
import { type ComposePort, parsePort, portNames } from './ports.js'
import {
  choosePreset,
  PRESET_MODULES,
  PRESET_OUTPUTS,
  PresetCall,
  type PresetName,
  presetFamily,
} from './presets.js'
import { assignNames, dependsOnEntries, environmentName, findJobs } from './services.js'
import { isRecord, wrap } from './text.js'
import { type ComposeMount, parseMount } from './volumes.js'

/** The entries of a list field that parsed, and whether any did not. */
interface ListRead<T> {
  ok: T[]
  failed: boolean
}

/**
 * `hearth import-compose`'s converter, pure apart from reading nothing at all: Compose text in,
 * hearth environment source out, with every Compose field that has no counterpart listed.
 */

export interface ComposeService {
  /** The service's name in hearth: Compose's own, made a valid hearth name (`my_db` → `my-db`). */
  name: string
  /** Its name in the Compose file (what {@link Unconverted.service} says). */
  composeName: string
  /** The environment it belongs to. */
  environment: string
  kind: 'container' | 'job'
  preset: PresetName | null
  /** The outputs it has, for templates and `testEnv`: `host`, `<port>Port`, `url`, … */
  outputs: readonly string[]
  /**
   * What `services.<name>` holds in {@link ComposeConversion.environment}, the same object: a plain
   * service definition (mutable: set `testEnv` on it), or, for a preset, a {@link PresetCall} printed
   * from {@link presetOptions} when the file is rendered. {@link addTestEnv} does either.
   */
  definition: Record<string, unknown> | PresetCall
  /** The preset's options (mutable until rendering: `env`, `testEnv`), or null for a plain service. */
  presetOptions: Record<string, unknown> | null
}

/** A Compose field that did not become part of the config, and why. */
export interface Unconverted {
  /** The Compose service it belongs to, or null for a top-level field. */
  service: string | null
  /** The field within the service (or the file): `entrypoint`, `environment.API_KEY`, `ports[1]`. */
  field: string
  reason: string
}

export interface ComposeConversion {
  environment: EnvironmentSource
  services: ComposeService[]
  /** The imports the environment needs besides hearth's own: module → names. */
  imports: Record<string, string[]>
  unconverted: Unconverted[]
  /** Choices the conversion made that change behaviour a little, for the user to read. */
  notes: string[]
}

export interface ConvertComposeOptions {
  /**
   * The Compose file, relative to {@link root} (relative build contexts and binds, and the listing
   * written into the config).
   */
  file: string
  /**
   * The folder the config is written to (absolute): hearth resolves build contexts, binds and watch
   * globs against it, so the converted paths are relative to it.
   */
  root: string
  /**
   * How errors name the Compose file, for whoever runs the conversion (default {@link file}):
   * the path from the current folder when the config goes elsewhere.
   */
  displayFile?: string
  /** The environment's name. Default: the Compose file's top-level `name`, else `compose`. */
  name?: string
  /**
   * The variables `${VAR}` interpolation may use (Compose's `.env`); never the shell's. Default none:
   * only defaults (`${VAR:-x}`) resolve.
   */
  variables?: Readonly<Record<string, string>>
  /** Where {@link variables} came from, for the note that names them (`ops/.env`). */
  variablesFrom?: string
  /** Profiles to include, as `docker compose --profile` would. Default none. */
  profiles?: readonly string[]
  /**
   * Keep the host ports Compose published (default true): suites that hard-code `localhost:5432`
   * keep working. False: the engine picks free ones, so two checkouts run side by side.
   */
  hostPorts?: boolean
  /** Use the postgres and redis presets where they fit (default true). */
  presets?: boolean
  /** An override file beside it (`compose.override.yaml`), which is not merged: it is listed. */
  overrideFile?: string
}

/**
 * Converts a Compose file's text into one hearth environment. Throws {@link ComposeError} for text
 * that is not a Compose file (bad YAML, no `services:`, a malformed `${…}`), naming the file and line;
 * anything else that does not convert is listed in `unconverted`, and the result still validates.
 */
export function convertCompose(text: string, options: ConvertComposeOptions): ComposeConversion {
  const file = options.file.replaceAll('\\', '/')
  const shown = (options.displayFile ?? options.file).replaceAll('\\', '/')
  const document = parseComposeDocument(text, shown)
  const variables = options.variables ?? {}
  const interpolation = interpolateAll(document.data, variables, (at, error) => {
    const line = document.lineOf(at)
    return new ComposeError(
      `${shown}${line === null ? '' : `:${line}`}: ${fieldPath(at, {})}: ${error.message}`,
      'write $$ for a literal "$", and close every "${"',
    )
  })
  return new Converter(options, file, interpolation).run()
}

/** One line for an unconverted field: `api.entrypoint — hearth runs the image's own entrypoint`. */
export function describeUnconverted(item: Unconverted): string {
  return `${item.service === null ? item.field : `${item.service}.${item.field}`} — ${item.reason}`
}

/**
 * Adds variables the tests get, each holding one of the service's outputs (`{ DATABASE_URL: 'url' }`):
 * a preset's `env` option, or a plain service's `testEnv` (`DATABASE_URL: '{{url}}'`). Throws when the
 * service has no such output.
 */
export function addTestEnv(service: ComposeService, variables: Readonly<Record<string, string>>): void {
  for (const [name, output] of Object.entries(variables)) {
    if (!service.outputs.includes(output))
      throw new TypeError(
        `${service.name} has no output "${output}" for ${name}: it has ${service.outputs.join(', ')}`,
      )
  }
  if (service.presetOptions !== null) {
    const env = (service.presetOptions.env ?? {}) as Record<string, string>
    service.presetOptions.env = { ...env, ...variables }
    return
  }
  const definition = service.definition as Record<string, unknown>
  const testEnv = (definition.testEnv ?? {}) as Record<string, string>
  definition.testEnv = {
    ...testEnv,
    ...Object.fromEntries(Object.entries(variables).map(([name, output]) => [name, `{{${output}}}`])),
  }
}

/** The whole `hearth.config.ts` for a conversion on its own (what `hearth import-compose` writes). */
export function renderComposeConfig(conversion: ComposeConversion, file: string): string {
  const source: ConfigSource = {
    header: [
      `Written by \`hearth import-compose\` from ${file}.`,
      'hearth does not read the Compose file again: this file is the one to edit.',
    ],
    imports: conversion.imports,
    environments: [conversion.environment],
    config: {},
  }
  return renderConfigSource(source)
}

// ── interpolation ───────────────────────────────────────────────────────────────────────────────

type At = ReadonlyArray<string | number>

interface Interpolation {
  data: Record<string, unknown>
  /** Where a variable had no value: the path of the string, and the variables. */
  unresolved: Array<{ at: At; names: string[] }>
  /** Where a required variable (`${VAR:?message}`) had no value: Compose would not start. */
  required: Array<{ at: At; variables: RequiredVariable[] }>
  used: Set<string>
}

/** Interpolates every string value of the file (not the keys), as Compose does before anything else. */
function interpolateAll(
  data: Record<string, unknown>,
  variables: Readonly<Record<string, string>>,
  fail: (at: At, error: InterpolationError) => Error,
): Interpolation {
  const unresolved: Interpolation['unresolved'] = []
  const required: Interpolation['required'] = []
  const used = new Set<string>()
  const walk = (value: unknown, at: At): unknown => {
    if (typeof value === 'string') {
      try {
        const result = interpolate(value, variables)
        if (result.unresolved.length > 0) unresolved.push({ at, names: result.unresolved })
        if (result.required.length > 0) required.push({ at, variables: result.required })
        for (const name of result.used) used.add(name)
        return result.value
      } catch (error) {
        if (error instanceof InterpolationError) throw fail(at, error)
        throw error
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...at, index]))
    if (isRecord(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...at, key])]))
    }
    return value
  }
  return { data: walk(data, []) as Record<string, unknown>, unresolved, required, used }
}

// ── the conversion ──────────────────────────────────────────────────────────────────────────────

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
const TOP_LEVEL_KNOWN = new Set(['version', 'name', 'services', 'volumes'])
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully'])
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

/** A service while it is converted. */
interface Converted {
  composeName: string
  name: string
  raw: Record<string, unknown>
  kind: 'container' | 'job'
  preset: PresetName | null
  definition: Record<string, unknown> | PresetCall
  presetOptions: Record<string, unknown> | null
  outputs: string[]
  /** Named volumes it mounts, with the field that mounts them. */
  volumes: Array<{ name: string; field: string }>
  hasHealthcheck: boolean
}

class Converter {
  private readonly unconverted: Unconverted[] = []
  private readonly notes: string[] = []
  /** Fields listed as unconverted, per Compose service: their unset variables need no second line. */
  private readonly listed = new Map<string, Set<string>>()
  private readonly data: Record<string, unknown>
  private readonly variables: Readonly<Record<string, string>>
  private readonly composeDir: string
  private readonly hostPorts: boolean
  /** Fixed host ports taken so far (`tcp/5432` → service): two services cannot share one. */
  private readonly takenHostPorts = new Map<string, string>()
  /** Compose services that were left out, for the dependencies on them. */
  private readonly dropped = new Set<string>()
  private names = new Map<string, string>()
  private jobs = new Set<string>()
  private readonly fixedPorts: string[] = []
  private readonly freedPorts: string[] = []
  /** Dependencies with `service_started`, which hearth waits for until ready (`api → cache`). */
  private readonly started: string[] = []
  private readonly tcpReadiness: string[] = []
  private readonly probedHealthchecks: string[] = []
  private anyInterface = false
  private readonly reportedVolumes = new Set<string>()

  constructor(
    private readonly options: ConvertComposeOptions,
    private readonly file: string,
    private readonly interpolation: Interpolation,
  ) {
    this.data = interpolation.data
    this.variables = options.variables ?? {}
    const slash = file.lastIndexOf('/')
    this.composeDir = slash < 0 ? '.' : file.slice(0, slash)
    this.hostPorts = options.hostPorts !== false
  }

  run(): ComposeConversion {
    this.topLevel()
    const services = this.selectServices()
    this.names = assignNames([...services.keys()])
    for (const [composeName, name] of this.names) {
      if (composeName !== name)
        this.problem(
          composeName,
          'name',
          `hearth names it ${name} (lowercase letters, digits, "-"): other services must reach it as ${name}`,
        )
    }
    this.jobs = findJobs(services)
    const converted: Converted[] = []
    for (const [composeName, raw] of services) {
      const service = this.service(composeName, raw)
      if (service === null) this.dropped.add(composeName)
      else converted.push(service)
    }
    const byComposeName = new Map(converted.map((service) => [service.composeName, service]))
    for (const service of converted) this.dependencies(service, byComposeName)
    this.sharedVolumes(converted)
    this.presetTestEnv(converted)
    this.unsetVariables(byComposeName)
    this.summaryNotes()
    this.sortUnconverted()
    return this.result(converted)
  }

  // ── bookkeeping ───────────────────────────────────────────────────────────────────────────────

  /** The file's own fields first, then each service's, in the order of the file (stable within). */
  private sortUnconverted(): void {
    const order = Object.keys(this.data.services as Record<string, unknown>)
    const rank = (item: Unconverted): number => (item.service === null ? -1 : order.indexOf(item.service))
    const sorted = this.unconverted
      .map((item, index) => ({ item, index }))
      .sort((a, b) => rank(a.item) - rank(b.item) || a.index - b.index)
    this.unconverted.splice(0, this.unconverted.length, ...sorted.map(({ item }) => item))
  }

  private problem(service: string | null, field: string, reason: string): void {
    this.unconverted.push({ service, field, reason })
    if (service === null) return
    const fields = this.listed.get(service) ?? new Set<string>()
    fields.add(field)
    this.listed.set(service, fields)
  }

  private problems(service: string, problems: readonly Problem[]): void {
    for (const { field, reason } of problems) this.problem(service, field, reason)
  }

  /** Whether `field` of a Compose service, or the field or entry it is part of, is listed. */
  private isListed(service: string, field: string): boolean {
    const listed = this.listed.get(service)
    if (listed === undefined) return false
    for (const item of listed)
      if (field === item || field.startsWith(`${item}.`) || field.startsWith(`${item}[`)) return true
    return false
  }

  // ── variables without a value ─────────────────────────────────────────────────────────────────

  /** `(no default, not in .env)`: where the variables were looked for. */
  private get lookedIn(): string {
    return `no default${this.options.variablesFrom === undefined ? '' : `, not in ${this.options.variablesFrom}`}`
  }

  /**
   * Why the value at `at` (or under it) is not what Compose would use, naming the variables and
   * never a value (`several`: more than one variable); null when every variable there has one.
   */
  private unsetUnder(at: At): { why: string; several: boolean } | null {
    const under = (item: { at: At }) => at.every((segment, index) => item.at[index] === segment)
    const required = this.interpolation.required.filter(under).flatMap((item) => item.variables)
    if (required.length > 0)
      return {
        why: requiredReason(required, this.lookedIn),
        several: new Set(required.map((variable) => variable.name)).size > 1,
      }
    const names = [...new Set(this.interpolation.unresolved.filter(under).flatMap((item) => item.names))]
    if (names.length === 0) return null
    return {
      why: `${variableList(names)} ${names.length === 1 ? 'has' : 'have'} no value here (${this.lookedIn}): Compose would read the shell`,
      several: names.length > 1,
    }
  }

  /**
   * `environment:`, with the entries whose value needs a required variable (`${DB_PASSWORD:?set
   * it}`) that has none left out and listed: Compose would refuse to start, and "" is no password.
   */
  private readEnv(composeName: string, raw: Record<string, unknown>): EnvironmentRead {
    const read = readEnvironment(raw.environment, this.variables)
    for (const { at, variables } of this.interpolation.required) {
      if (at[0] !== 'services' || at[1] !== composeName || at[2] !== 'environment') continue
      const field = fieldPath(at.slice(2), raw)
      if (read.problems.some((problem) => problem.field === field)) continue
      delete read.env[field.slice('environment.'.length)]
      read.problems.push({
        field,
        reason: `${requiredReason(variables, this.lookedIn)}: left out; set it in env`,
      })
    }
    return read
  }

  // ── the file ──────────────────────────────────────────────────────────────────────────────────

  private topLevel(): void {
    if (this.options.overrideFile !== undefined)
      this.problem(
        null,
        this.options.overrideFile,
        `override files are not merged: this config holds ${this.file} alone; carry over what the override changes by hand`,
      )
    for (const [key, value] of Object.entries(this.data)) {
      if (TOP_LEVEL_KNOWN.has(key) || key.startsWith('x-') || value === null) continue
      if (key === 'networks')
        this.problem(
          null,
          key,
          'hearth gives each environment one network of its own, where services reach each other by name',
        )
      else if (key === 'secrets' || key === 'configs')
        this.problem(
          null,
          key,
          `hearth mounts no ${key}: give the services what they need in environment or volumes`,
        )
      else if (key === 'include')
        this.problem(
          null,
          key,
          'the included files are not read: convert each with `hearth import-compose <file>`',
        )
      else this.problem(null, key, 'not a Compose field hearth knows')
    }
  }

  /** The services `docker compose up` would start: those without profiles, and those of the active ones. */
  private selectServices(): Map<string, Record<string, unknown>> {
    const services = new Map<string, Record<string, unknown>>()
    const active = new Set(this.options.profiles ?? [])
    for (const [name, raw] of Object.entries(this.data.services as Record<string, unknown>)) {
      if (!isRecord(raw)) {
        this.problem(name, '(service)', 'not a mapping of fields: left out')
        continue
      }
      const profiles = Array.isArray(raw.profiles) ? raw.profiles.map(String) : []
      if (profiles.length > 0 && !profiles.some((profile) => active.has(profile))) {
        this.problem(
          name,
          'profiles',
          `started only with --profile ${profiles.join(' or ')}: left out (\`hearth import-compose --profile ${profiles[0]}\` includes it)`,
        )
        continue
      }
      services.set(name, raw)
    }
    return services
  }

  // ── services ──────────────────────────────────────────────────────────────────────────────────

  private service(composeName: string, raw: Record<string, unknown>): Converted | null {
    if (this.jobs.has(composeName)) return this.job(composeName, raw)
    const image = nonEmptyString(raw.image)
    const env = this.readEnv(composeName, raw)
    const command = readCommand(raw.command)
    const ports = this.readPorts(composeName, raw.ports)
    const mounts = this.readMounts(composeName, raw.volumes)
    if (this.options.presets !== false && image !== null && presetFamily(image) !== null) {
      const choice = choosePreset({
        image,
        env:
          env.fromShell.length > 0 || env.problems.length > 0 || raw.env_file !== undefined ? null : env.env,
        command: command.problems.length > 0 ? 'other' : command.argv,
        ports: ports.ok.map((entry) => entry.port),
        mounts: mounts.ok.map((entry) => entry.mount),
        blocker: presetBlocker(raw, ports.failed || mounts.failed),
        hostPorts: this.hostPorts,
      })
      if (choice.preset !== null)
        return this.preset(composeName, raw, choice.preset, choice.options, choice.dropped)
      if (choice.why !== null)
        this.notes.push(
          `${composeName}: a plain container, not the ${presetFamily(image)} preset, because ${choice.why}`,
        )
    }
    return this.container(composeName, raw, { image, env, command, ports: ports.ok, mounts: mounts.ok })
  }

  private preset(
    composeName: string,
    raw: Record<string, unknown>,
    preset: PresetName,
    options: Record<string, unknown>,
    dropped: ReadonlyArray<{ field: string; reason: string }>,
  ): Converted {
    const name = this.names.get(composeName) as string
    this.problems(composeName, dropped)
    if (typeof options.hostPort === 'number') {
      const port = {
        container: preset === 'postgres' ? 5432 : 6379,
        host: options.hostPort,
        protocol: 'tcp' as const,
      }
      if (!this.claimHostPort(composeName, 'ports[0]', port)) delete options.hostPort
    }
    if (raw.healthcheck !== undefined)
      this.notes.push(
        `${composeName}: the ${preset} preset is ready when ${preset === 'postgres' ? 'PostgreSQL accepts connections on its port' : 'PING on its port answers PONG'}, so its Compose healthcheck is not needed`,
      )
    if (raw.pull_policy !== undefined) {
      const pull = preset === 'redis' ? pullPolicy(raw.pull_policy) : null
      if (pull === null)
        this.problem(
          composeName,
          'pull_policy',
          preset === 'redis'
            ? (FIELD_REASONS.pull_policy as string)
            : 'the postgres preset pulls its image only when it is missing',
        )
      else if (pull !== 'missing') options.pull = pull
    }
    this.otherFields(composeName, raw, PRESET_FIELDS)
    const call = new PresetCall(preset, options, name)
    return {
      composeName,
      name,
      raw,
      kind: 'container',
      preset,
      definition: call,
      presetOptions: options,
      outputs: [...new Set(['host', ...PRESET_OUTPUTS[preset]])],
      volumes: [],
      hasHealthcheck: true,
    }
  }

  private container(
    composeName: string,
    raw: Record<string, unknown>,
    read: {
      image: string | null
      env: EnvironmentRead
      command: ReturnType<typeof readCommand>
      ports: Array<{ index: number; port: ComposePort }>
      mounts: Array<{ index: number; mount: ComposeMount }>
    },
  ): Converted | null {
    const name = this.names.get(composeName) as string
    const definition: Record<string, unknown> = { kind: 'container' }
    if (!this.imageOrBuild(composeName, raw, read.image, definition)) return null
    if (raw.pull_policy !== undefined) {
      const pull = pullPolicy(raw.pull_policy)
      if (pull === null) this.problem(composeName, 'pull_policy', FIELD_REASONS.pull_policy as string)
      else if (pull !== 'missing') definition.pull = pull
    }
    this.problems(composeName, read.command.problems)
    if (read.command.argv !== null) definition.command = read.command.argv
    const ports = this.ports(composeName, read.ports)
    if (Object.keys(ports).length > 0) definition.ports = ports
    this.environment(composeName, raw, read.env, definition)
    const volumes = this.mounts(composeName, read.mounts)
    if (volumes.strings.length > 0) definition.volumes = volumes.strings
    const hasHealthcheck = this.healthcheck(composeName, raw.healthcheck, definition)
    const firstTcp = Object.entries(ports).find(
      ([, port]) => typeof port === 'number' || port.protocol !== 'udp',
    )
    if (!hasHealthcheck && firstTcp !== undefined) {
      definition.readiness = { type: 'tcp', port: firstTcp[0] }
      this.tcpReadiness.push(composeName)
    }
    // Placed here so that the dependencies print before the outputs; filled in once all are known.
    definition.dependsOn = undefined
    const outputs = urlOutput(
      ports,
      read.ports.map((entry) => entry.port),
      read.env.env,
    )
    if (outputs !== null) definition.outputs = outputs
    const watch = this.watch(composeName, raw.develop)
    if (watch.length > 0) definition.watch = watch
    if (raw.expose !== undefined)
      this.notes.push(
        `${composeName}: expose needs no counterpart: services reach each other's ports on hearth's network`,
      )
    this.otherFields(composeName, raw, CONTAINER_FIELDS)
    return {
      composeName,
      name,
      raw,
      kind: 'container',
      preset: null,
      definition,
      presetOptions: null,
      outputs: ['host', ...Object.keys(ports).map((port) => `${port}Port`), ...Object.keys(outputs ?? {})],
      volumes: volumes.named,
      hasHealthcheck,
    }
  }

  /** A service others wait for with `service_completed_successfully`: a hearth job. */
  private job(composeName: string, raw: Record<string, unknown>): Converted | null {
    const name = this.names.get(composeName) as string
    const image = nonEmptyString(raw.image)
    if (raw.build !== undefined)
      this.problem(
        composeName,
        'build',
        `a one-shot (others wait for it to complete) is a hearth job, and a job runs an image hearth does not build: build it and give its tag as image${image === null ? '; left out' : `; ${image} is used as it is`}`,
      )
    if (image === null) {
      if (raw.build === undefined)
        this.problem(composeName, 'image', 'a job needs an image to run in: left out')
      return null
    }
    const command = readCommand(raw.command)
    this.problems(composeName, command.problems)
    if (command.argv === null) {
      this.problem(
        composeName,
        command.problems.length === 0 ? 'command' : '(service)',
        command.problems.length === 0
          ? "a hearth job needs its command written out (Compose ran the image's default one): left out; add it with kind: 'job'"
          : 'a hearth job needs a command it can read: left out',
      )
      return null
    }
    const definition: Record<string, unknown> = { kind: 'job', image, command: command.argv }
    this.environment(composeName, raw, this.readEnv(composeName, raw), definition)
    definition.dependsOn = undefined
    for (const field of ['ports', 'volumes', 'healthcheck'] as const) {
      if (raw[field] === undefined) continue
      this.problem(
        composeName,
        field,
        field === 'healthcheck'
          ? 'a job is done when it exits 0: it has no readiness'
          : `a hearth job has no ${field}: it runs its command and exits`,
      )
    }
    this.otherFields(composeName, raw, JOB_FIELDS)
    return {
      composeName,
      name,
      raw,
      kind: 'job',
      preset: null,
      definition,
      presetOptions: null,
      outputs: ['host'],
      volumes: [],
      hasHealthcheck: false,
    }
  }

  // ── fields ────────────────────────────────────────────────────────────────────────────────────

  /** `image` and `build` into the definition; false when there is nothing to run. */
  private imageOrBuild(
    composeName: string,
    raw: Record<string, unknown>,
    image: string | null,
    definition: Record<string, unknown>,
  ): boolean {
    if (raw.build === undefined) {
      if (image !== null) {
        definition.image = image
        return true
      }
      this.problem(composeName, 'image', 'neither image nor build: nothing to run; left out')
      return false
    }
    const build = readBuild(raw.build, this.composeDir, this.options.root, this.variables)
    this.problems(composeName, build.problems)
    if (build.build !== null) {
      definition.build = build.build
      if (image !== null)
        this.notes.push(
          `${composeName}: built from ${build.build.context}; hearth tags its builds itself, not as ${image}`,
        )
      return true
    }
    if (image !== null) {
      definition.image = image
      this.problem(composeName, 'build', `${build.failure}; the image ${image} is used as it is`)
      return true
    }
    this.problem(composeName, 'build', `${build.failure}; with no image either, the service is left out`)
    return false
  }

  private readPorts(composeName: string, value: unknown): ListRead<{ index: number; port: ComposePort }> {
    return this.readList(composeName, 'ports', value, (entry, index) => {
      const parsed = parsePort(entry)
      if (!parsed.ok) return parsed
      if (parsed.port.hostIp === null || !LOOPBACK.has(parsed.port.hostIp)) this.anyInterface = true
      return { ok: true, item: { index, port: parsed.port } }
    })
  }

  /** A list field (`ports`, `volumes`): each entry parsed, each one that does not parse listed. */
  private readList<T>(
    composeName: string,
    field: string,
    value: unknown,
    parse: (entry: unknown, index: number) => { ok: true; item: T } | { ok: false; reason: string },
  ): ListRead<T> {
    if (value === undefined || value === null) return { ok: [], failed: false }
    if (!Array.isArray(value)) {
      this.problem(composeName, field, `not a list of ${field}`)
      return { ok: [], failed: true }
    }
    const ok: T[] = []
    let failed = false
    for (const [index, entry] of value.entries()) {
      const parsed = parse(entry, index)
      if (parsed.ok) ok.push(parsed.item)
      else {
        failed = true
        this.problem(composeName, `${field}[${index}]`, parsed.reason)
      }
    }
    return { ok, failed }
  }

  /** Named ports: a container port, or `{ container, host, protocol }` when fixed or udp. */
  private ports(
    composeName: string,
    entries: ReadonlyArray<{ index: number; port: ComposePort }>,
  ): Record<string, number | { container: number; host?: number; protocol?: 'udp' }> {
    const names = portNames(entries.map(({ port }) => port))
    const out: Record<string, number | { container: number; host?: number; protocol?: 'udp' }> = {}
    const seen = new Set<string>()
    entries.forEach(({ index, port }, position) => {
      const key = `${port.container}/${port.protocol}`
      if (seen.has(key)) {
        this.problem(
          composeName,
          `ports[${index}]`,
          `container port ${key} is published twice: hearth publishes each container port once`,
        )
        return
      }
      seen.add(key)
      let host: number | null = port.host
      if (host !== null && !this.hostPorts) {
        this.freedPorts.push(`${composeName} ${host}`)
        host = null
      }
      if (host !== null && !this.claimHostPort(composeName, `ports[${index}]`, { ...port, host })) host = null
      const name = names[position] as string
      if (host === null && port.protocol === 'tcp') out[name] = port.container
      else
        out[name] = {
          container: port.container,
          ...(host === null ? {} : { host }),
          ...(port.protocol === 'udp' ? { protocol: 'udp' as const } : {}),
        }
    })
    return out
  }

  /** Takes a fixed host port for a service; false (and listed) when another service has it. */
  private claimHostPort(
    composeName: string,
    field: string,
    port: { container: number; host: number; protocol: 'tcp' | 'udp' },
  ): boolean {
    const key = `${port.protocol}/${port.host}`
    const owner = this.takenHostPorts.get(key)
    if (owner !== undefined) {
      this.problem(
        composeName,
        field,
        `host port ${port.host} is published by ${owner} too: this one gets a free port from the engine`,
      )
      return false
    }
    this.takenHostPorts.set(key, composeName)
    this.fixedPorts.push(`${composeName} ${port.host}`)
    return true
  }

  private environment(
    composeName: string,
    raw: Record<string, unknown>,
    read: EnvironmentRead,
    definition: Record<string, unknown>,
  ): void {
    this.problems(composeName, read.problems)
    for (const name of read.fromShell) {
      this.problem(
        composeName,
        `environment.${name}`,
        'takes its value from the shell Compose runs in: set it in env (hearth never copies the shell)',
      )
    }
    if (raw.env_file !== undefined) {
      const files = envFiles(raw.env_file)
      this.problem(
        composeName,
        'env_file',
        `hearth does not read ${files.join(', ') || 'env files'} (env files may hold secrets): put the variables the service needs in env`,
      )
    }
    if (Object.keys(read.env).length > 0) definition.env = read.env
  }

  private readMounts(composeName: string, value: unknown): ListRead<{ index: number; mount: ComposeMount }> {
    return this.readList(composeName, 'volumes', value, (entry, index) => {
      // `${PWD}/data:/data` without PWD would bind the host's /data (`${HOME}/.aws`, its /.aws).
      const unset = this.unsetUnder(['services', composeName, 'volumes', index])
      if (unset !== null) return { ok: false, reason: `${unset.why}: left out` }
      const parsed = parseMount(entry)
      return parsed.ok ? { ok: true, item: { index, mount: parsed.mount } } : parsed
    })
  }

  /** hearth's volume strings: `name:/path[:ro]`, `./folder:/path[:ro]` (project-relative). */
  private mounts(
    composeName: string,
    mounts: ReadonlyArray<{ index: number; mount: ComposeMount }>,
  ): { strings: string[]; named: Array<{ name: string; field: string }> } {
    const strings: string[] = []
    const named: Array<{ name: string; field: string }> = []
    const declared = isRecord(this.data.volumes) ? this.data.volumes : {}
    for (const { index, mount } of mounts) {
      const field = `volumes[${index}]`
      if (mount.dropped.length > 0)
        this.problem(
          composeName,
          field,
          `${mount.dropped.join(', ')}: hearth mounts with none of these options`,
        )
      if (mount.target.includes(':')) {
        this.problem(composeName, field, `the target ${mount.target} holds a ":", which hearth cannot mount`)
        continue
      }
      const mode = mount.readOnly ? ':ro' : ''
      if (mount.type === 'bind') {
        const source = projectPath(mount.source as string, this.composeDir, this.options.root)
        if (source === null || source.includes(':')) {
          this.problem(
            composeName,
            field,
            `${mount.source}: hearth binds folders of the project or absolute paths`,
          )
          continue
        }
        const written = source.startsWith('/') || isOutside(source) ? source : `./${source}`
        strings.push(`${written.replace(/^\.\/\.$/, '.')}:${mount.target}${mode}`)
        continue
      }
      if (mount.source === null) {
        this.problem(
          composeName,
          field,
          `an anonymous volume at ${mount.target}: the path stays in the container, which hearth recreates when its definition changes`,
        )
        continue
      }
      if (!Object.hasOwn(declared, mount.source)) {
        this.problem(
          composeName,
          field,
          `the volume ${mount.source} is not declared under the top-level volumes`,
        )
        continue
      }
      if (!VOLUME_NAME.test(mount.source)) {
        this.problem(composeName, field, `hearth cannot name a volume "${mount.source}"`)
        continue
      }
      strings.push(`${mount.source}:${mount.target}${mode}`)
      named.push({ name: mount.source, field })
      this.topLevelVolume(mount.source)
    }
    return { strings, named }
  }

  /** Options of a top-level volume a converted service uses, which hearth's own volumes do not have. */
  private topLevelVolume(name: string): void {
    const spec = (this.data.volumes as Record<string, unknown>)[name]
    if (!isRecord(spec) || this.reportedVolumes.has(name)) return
    this.reportedVolumes.add(name)
    for (const key of Object.keys(spec)) {
      this.problem(
        null,
        `volumes.${name}.${key}`,
        key === 'external'
          ? 'hearth creates (and `hearth down` removes) volumes of its own: the data in the external volume is not used'
          : 'hearth creates plain local volumes of its own',
      )
    }
  }

  /** The engine healthcheck, and readiness from it; false when the service has none. */
  private healthcheck(composeName: string, value: unknown, definition: Record<string, unknown>): boolean {
    if (value === undefined || value === null) return false
    const read = readHealthcheck(value)
    if (read.kind === 'none') {
      this.problem(
        composeName,
        'healthcheck',
        "it turns off the image's own HEALTHCHECK, which hearth cannot do (hearth's readiness does not use it)",
      )
      return false
    }
    if (read.kind === 'invalid') {
      this.problem(composeName, 'healthcheck', read.reason)
      return false
    }
    const commands = typeof read.command === 'string' ? [read.command] : read.command
    if (commands.some(hasTemplateBraces)) {
      this.problem(
        composeName,
        'healthcheck.test',
        'hearth reads "{{" and "}}" as a template: write the test in the config yourself',
      )
      return false
    }
    this.problems(
      composeName,
      read.problems.map((problem) => ({ field: `healthcheck.${problem.field}`, reason: problem.reason })),
    )
    const intervalMs = positive(read.intervalMs)
    const timeoutMs = positive(read.timeoutMs)
    definition.healthcheck = {
      command: read.command,
      ...(intervalMs === null ? {} : { intervalMs }),
      ...(timeoutMs === null ? {} : { timeoutMs }),
      ...(read.retries === null ? {} : { retries: read.retries }),
    }
    // How long Compose lets the service take before it is unhealthy for good, at its defaults.
    const budget =
      (read.startPeriodMs ?? 0) + (intervalMs ?? 30_000) * (read.retries ?? 3) + (timeoutMs ?? 30_000)
    const timing = budget > 60_000 ? { timeoutMs: budget } : {}
    if (intervalMs === null || intervalMs <= 1_000) {
      definition.readiness = { type: 'healthcheck', ...timing }
    } else {
      // Docker 20.10 runs the first check one interval after the start: hearth runs the test itself,
      // from the start, so the service is ready as soon as it passes.
      definition.readiness = { type: 'command', command: read.command, ...timing }
      this.probedHealthchecks.push(composeName)
    }
    return true
  }

  /** `develop.watch` paths as hearth's watch globs (a change restarts or rebuilds the service). */
  private watch(composeName: string, value: unknown): string[] {
    if (!isRecord(value)) return []
    const globs: string[] = []
    const rules = Array.isArray(value.watch) ? value.watch : []
    for (const [index, rule] of rules.entries()) {
      if (!isRecord(rule) || typeof rule.path !== 'string') continue
      const relative = projectPath(rule.path, this.composeDir, this.options.root)
      if (relative === null || isOutside(relative)) {
        this.problem(
          composeName,
          `develop.watch[${index}]`,
          `${rule.path} is outside the folder of the config: hearth watches the files inside it`,
        )
        continue
      }
      const base = relative === '.' ? '' : `${relative}/`
      globs.push(/\.[^/]+$/.test(relative) && relative !== '.' ? relative : `${base}**`)
      if (rule.ignore !== undefined)
        this.problem(
          composeName,
          `develop.watch[${index}].ignore`,
          'hearth watches the whole path: narrow the glob instead',
        )
    }
    for (const key of Object.keys(value))
      if (key !== 'watch') this.problem(composeName, `develop.${key}`, 'hearth has no equivalent')
    return [...new Set(globs)]
  }

  /** Fields this kind of service does not convert, listed with why. */
  private otherFields(composeName: string, raw: Record<string, unknown>, handled: ReadonlySet<string>): void {
    for (const key of Object.keys(raw)) {
      if (handled.has(key) || key.startsWith('x-') || this.listed.get(composeName)?.has(key)) continue
      this.problem(composeName, key, fieldReason(key))
    }
  }

  // ── across services ───────────────────────────────────────────────────────────────────────────

  private dependencies(service: Converted, services: ReadonlyMap<string, Converted>): void {
    const entries = dependsOnEntries(service.raw.depends_on)
    if (entries === null) {
      this.problem(service.composeName, 'depends_on', 'not a list or mapping of services')
      return
    }
    const names: string[] = []
    for (const entry of entries) {
      const field = `depends_on.${entry.service}`
      const target = services.get(entry.service)
      if (target === undefined) {
        this.problem(
          service.composeName,
          field,
          this.dropped.has(entry.service)
            ? `${entry.service} was not converted (see above): this dependency is left out`
            : `${entry.service} is not among the converted services (a profile, or no such service): left out`,
        )
        continue
      }
      if (!CONDITIONS.has(entry.condition)) {
        this.problem(
          service.composeName,
          `${field}.condition`,
          `unknown condition "${entry.condition}": waits until ready`,
        )
      }
      if (!names.includes(target.name)) names.push(target.name)
      if (entry.condition === 'service_started' && target.kind !== 'job')
        this.started.push(`${service.composeName} → ${entry.service}`)
      if (entry.condition === 'service_healthy' && !target.hasHealthcheck)
        this.notes.push(
          `${service.composeName} waits for ${entry.service} to be healthy, but ${entry.service} has no healthcheck: hearth waits until it is ready, which for it means started${target.kind === 'container' && isRecord(target.definition) && isRecord(target.definition.readiness) ? ' and accepting connections' : ''}`,
        )
      if (entry.restart)
        this.problem(
          service.composeName,
          `${field}.restart`,
          `hearth does not restart ${entry.service}'s dependents when it restarts`,
        )
      if (!entry.required)
        this.notes.push(
          `${service.composeName}: its dependency on ${entry.service} is optional in Compose; hearth always waits for it`,
        )
    }
    if (names.length > 0 && !(service.definition instanceof PresetCall)) service.definition.dependsOn = names
  }

  /** A named volume two Compose services share becomes one volume per service in hearth. */
  private sharedVolumes(services: readonly Converted[]): void {
    const users = new Map<string, string[]>()
    for (const service of services) {
      for (const { name, field } of service.volumes) {
        const before = users.get(name) ?? []
        if (before.length > 0)
          this.problem(
            service.composeName,
            field,
            `the volume ${name} is shared with ${before.join(', ')} in Compose; hearth gives each service a volume of its own, so they do not see each other's files`,
          )
        users.set(name, [...before, service.composeName])
      }
    }
  }

  /** Two presets of a kind would both give the tests DATABASE_URL (or REDIS_URL): the first keeps it. */
  private presetTestEnv(services: readonly Converted[]): void {
    const first = new Map<PresetName, string>()
    for (const service of services) {
      if (service.preset === null || service.presetOptions === null) continue
      const owner = first.get(service.preset)
      if (owner === undefined) {
        first.set(service.preset, service.composeName)
        continue
      }
      service.presetOptions.testEnv = {}
      const variable = service.preset === 'postgres' ? 'DATABASE_URL' : 'REDIS_URL'
      this.notes.push(
        `${service.composeName}: its tests get no ${variable} (${owner} gives that one); ${outputEnvName(service.name, 'url')} holds its url`,
      )
    }
  }

  /**
   * `${VAR}` without a value in the fields that were converted: "" stands in its place, as Compose
   * puts it (a required one, which stops Compose, is listed as such).
   */
  private unsetVariables(services: ReadonlyMap<string, Converted>): void {
    const places = [
      ...this.interpolation.required.map(({ at }) => at),
      ...this.interpolation.unresolved.map(({ at }) => at),
    ]
    const seen = new Set<string>()
    for (const at of places) {
      if (at[0] !== 'services' || typeof at[1] !== 'string') continue
      const service = services.get(at[1])
      if (service === undefined) continue
      const field = fieldPath(at.slice(2), service.raw)
      const top = String(at[2] ?? '')
      if (seen.has(`${at[1]}\0${field}`) || this.isListed(service.composeName, top)) continue
      if (this.isListed(service.composeName, field)) continue
      seen.add(`${at[1]}\0${field}`)
      const { why, several } = this.unsetUnder(at) as { why: string; several: boolean }
      this.problem(
        service.composeName,
        field,
        `${why}, and the config has "" in ${several ? 'their' : 'its'} place: write the value there`,
      )
    }
  }

  private summaryNotes(): void {
    if (this.fixedPorts.length > 0)
      this.notes.push(
        `kept the host ports Compose published (${this.fixedPorts.join(', ')}), for tests that expect them there; with \`--free-ports\` (or without host in the config) the engine picks free ones, so two checkouts run side by side, and tests read the addresses from HEARTH_<SERVICE>_<OUTPUT>`,
      )
    if (this.freedPorts.length > 0)
      this.notes.push(
        `left out the host ports Compose published (${this.freedPorts.join(', ')}): the engine picks free ones; tests read the addresses from HEARTH_<SERVICE>_<OUTPUT>`,
      )
    if (this.anyInterface)
      this.notes.push(
        'hearth publishes ports on 127.0.0.1 only, where Compose publishes them on every interface unless given an address',
      )
    if (this.started.length > 0)
      this.notes.push(
        `depends_on service_started became dependsOn, and hearth starts a service once its dependencies are ready, not merely started: ${this.started.join(', ')}`,
      )
    if (this.probedHealthchecks.length > 0)
      this.notes.push(
        `${this.probedHealthchecks.join(', ')}: ready when hearth's own run of the healthcheck test passes (the engine's first check comes only one interval after the start)`,
      )
    if (this.tcpReadiness.length > 0)
      this.notes.push(
        `${this.tcpReadiness.join(', ')}: no healthcheck, so ready once the first port accepts connections; a healthcheck, or readiness: ready.http(…), is a surer sign`,
      )
    const used = [...this.interpolation.used].sort()
    if (used.length > 0)
      this.notes.push(
        `took ${used.map((name) => `\${${name}}`).join(', ')} from ${this.options.variablesFrom ?? 'the variables given'}: ${used.length === 1 ? 'its value is' : 'their values are'} in the config now; check that ${used.length === 1 ? 'it is not' : 'none is'} a secret before committing it`,
      )
  }

  private result(converted: readonly Converted[]): ComposeConversion {
    const name = this.options.name ?? environmentName(this.data.name)
    const services: ComposeService[] = converted.map((service) => ({
      name: service.name,
      composeName: service.composeName,
      environment: name,
      kind: service.kind,
      preset: service.preset,
      outputs: service.outputs,
      definition: service.definition,
      presetOptions: service.presetOptions,
    }))
    const imports: Record<string, string[]> = {}
    for (const service of services) {
      if (service.preset === null) continue
      const module = PRESET_MODULES[service.preset]
      const names = imports[module] ?? []
      if (!names.includes(service.preset)) names.push(service.preset)
      imports[module] = names
    }
    const comment = [`The services of ${this.file}, converted by \`hearth import-compose\`.`]
    if (this.unconverted.length > 0) {
      comment.push('', 'Not converted (the Compose file has these, this config does not):')
      for (const item of this.unconverted) comment.push(...wrap(`- ${describeUnconverted(item)}`, 96, '  '))
    }
    const environment: EnvironmentSource = {
      variable: variableName(name),
      comment,
      definition: {
        name,
        services: Object.fromEntries(services.map((service) => [service.name, service.definition])),
      },
    }
    return { environment, services, imports, unconverted: this.unconverted, notes: [...new Set(this.notes)] }
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────

function variableList(names: readonly string[]): string {
  return names.map((name) => `\${${name}}`).join(', ')
}

/**
 * `Compose requires ${DB_PASSWORD} ("set it in .env") and stops without it (no default, …)`. The
 * message is the Compose file's author's text, as written, on one line.
 */
function requiredReason(variables: readonly RequiredVariable[], lookedIn: string): string {
  const unique = [...new Map(variables.map((variable) => [variable.name, variable])).values()]
  const messages = unique
    .map((variable) => variable.message.replace(/\s+/g, ' ').trim())
    .filter((message) => message !== '')
    .map((message) => `"${message.length > 80 ? `${message.slice(0, 79)}…` : message}"`)
  return `Compose requires ${variableList(unique.map((variable) => variable.name))}${messages.length === 0 ? '' : ` (${messages.join(', ')})`} and stops without ${unique.length === 1 ? 'it' : 'them'} (${lookedIn})`
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null
}

function positive(ms: number | null): number | null {
  return ms === null || ms <= 0 ? null : ms
}

/** What keeps a preset from standing in, whatever its image. */
function presetBlocker(raw: Record<string, unknown>, unreadable: boolean): string | null {
  if (raw.build !== undefined) return 'it is built from a Dockerfile'
  if (raw.entrypoint !== undefined) return 'it has an entrypoint of its own'
  if (raw.depends_on !== undefined) return 'it depends on other services'
  if (unreadable) return 'some of its ports or volumes could not be read'
  return null
}

/** Compose's `pull_policy` as hearth's `pull`, or null when hearth has no such policy. */
function pullPolicy(value: unknown): 'always' | 'never' | 'missing' | null {
  switch (value) {
    case 'always':
      return 'always'
    case 'never':
      return 'never'
    case 'missing':
    case 'if_not_present':
    case 'build':
      return 'missing'
    default:
      return null
  }
}

function envFiles(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value]
  return items.flatMap((item) =>
    typeof item === 'string' ? [item] : isRecord(item) && typeof item.path === 'string' ? [item.path] : [],
  )
}

/** A `url` output for a service whose port says what it speaks (http, https, postgres, redis). */
function urlOutput(
  ports: Readonly<Record<string, unknown>>,
  composePorts: readonly ComposePort[],
  env: Readonly<Record<string, string>>,
): Record<string, string> | null {
  const names = portNames(composePorts)
  for (const name of Object.keys(ports)) {
    const appProtocol = composePorts[names.indexOf(name)]?.appProtocol ?? null
    const scheme =
      appProtocol === 'http' || appProtocol === 'https' ? appProtocol : /^https?\d*$/.exec(name)?.[0]
    if (scheme !== undefined)
      return { url: `${scheme.startsWith('https') ? 'https' : 'http'}://{{host}}:{{ports.${name}}}` }
  }
  if ('postgres' in ports && env.POSTGRES_PASSWORD !== undefined) {
    const user = env.POSTGRES_USER || 'postgres'
    const database = env.POSTGRES_DB || user
    const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(env.POSTGRES_PASSWORD)}`
    return { url: `postgres://${credentials}@{{host}}:{{ports.postgres}}/${encodeURIComponent(database)}` }
  }
  if ('redis' in ports) return { url: 'redis://{{host}}:{{ports.redis}}' }
  return null
}

/** `['environment', 2]` → `environment.API_KEY` (a list entry by its variable), `['ports', 0]` → `ports[0]`. */
function fieldPath(at: At, raw: Record<string, unknown>): string {
  if (at[0] === 'environment' && typeof at[1] === 'number' && Array.isArray(raw.environment)) {
    const entry = String(raw.environment[at[1]] ?? '')
    return `environment.${entry.split('=')[0]}`
  }
  let out = ''
  for (const segment of at)
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`
  return out
}
