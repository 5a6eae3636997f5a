import { outputEnvName } from '@hearth/environments'
import { PresetCall } from '../compose/presets.js'
import { wrap } from '../compose/text.js'
import { type ConfigSource, type EnvironmentSource, variableName } from '../scaffold/source.js'
import type { HardCodedAddress } from './env-references.js'
import type { PlannedGroup } from './groups.js'
import type { ScriptFinding } from './scripts.js'
import {
  classifyVariable,
  isIncidentalVariable,
  PRESETS,
  SERVICE_KINDS,
  type ServiceKind,
} from './service-variables.js'

/**
 * From what `hearth init` found to the config it writes (a {@link ConfigSource} for the shared
 * renderer) and the report it prints. Pure: the scan (`scan.ts`) did the reading.
 */

/** A test group with what its files (and the files they import, and its setup files) say. */
export interface GroupFindings {
  group: PlannedGroup
  /** Variable → the files that read it (relative to the root), in order of first appearance. */
  variables: ReadonlyMap<string, readonly string[]>
  /** Variables read next to a URL of an engine hearth has no preset for (`mysql://…`). */
  foreign: ReadonlySet<string>
  addresses: ReadonlyArray<HardCodedAddress & { file: string }>
}

/** A converted Compose file, as init uses it (see `compose-source.ts`). */
export interface ComposeSource {
  /** Relative to the root. */
  file: string
  environment: EnvironmentSource
  services: ReadonlyArray<{
    name: string
    preset: ServiceKind | null
    /**
     * The server it runs: its preset's kind, or for a plain container, the kind its image (or the
     * scheme of its `url` output) says; null for anything else.
     */
    family: ServiceKind | null
    /** The preset outputs (`url`, `host`, `port`, `user`…) a service of a family can hand the tests. */
    provides: readonly string[]
    /** Why a service of a family cannot hand the tests every output (`it publishes no port 5432`). */
    lacking: string | null
    outputs: readonly string[]
  }>
  imports: Readonly<Record<string, readonly string[]>>
  /**
   * The environment with these variables handed to the tests by `service`: name → one of its
   * outputs, or, for a service of a family, one of the preset outputs it `provides`.
   */
  withVariables(
    environment: EnvironmentSource,
    service: string,
    variables: Readonly<Record<string, string>>,
  ): EnvironmentSource
  unconverted: ReadonlyArray<{ service: string | null; field: string; reason: string }>
  notes: readonly string[]
  /** Other Compose files found, not converted. */
  others: readonly string[]
}

export interface InitInput {
  project: string
  /** The workspace manifest (`pnpm-workspace.yaml`, `package.json`) and its packages, relative. */
  workspace: { file: string; packages: readonly string[] } | null
  groups: readonly GroupFindings[]
  compose: ComposeSource | null
  scripts: readonly ScriptFinding[]
}

/** A service the tests use, and where it comes from. */
export interface PlannedService {
  kind: ServiceKind | null
  environment: string
  service: string
  /** `compose`: a service of the Compose file; `preset`: one init added for the variables tests read. */
  origin: 'compose' | 'preset'
  /** Variable → output, as handed to the tests. */
  variables: Record<string, string>
  hostPort?: number
}

export interface InitReport {
  services: PlannedService[]
  groups: Array<{
    name: string
    source: string
    files: number
    environment: string | null
    variables: string[]
    listedFiles: boolean
  }>
  /** Variables tests read that no service provides (and that are not the runtime's own). */
  unprovided: Array<{ name: string; files: readonly string[] }>
  /** Remarks on choices made (conflicting ports, credentials taken from a URL…). */
  notes: string[]
}

export interface InitPlan {
  source: ConfigSource
  /** The preset packages the config imports. */
  presets: string[]
  report: InitReport
}

interface KindUsage {
  variables: Map<string, string>
  readers: Map<string, Set<string>>
  groups: Set<string>
  /** Non-fallback hard-coded addresses: the suite connects there itself. */
  pinned: Array<HardCodedAddress & { file: string }>
}

export function planInit(input: InitInput): InitPlan {
  const notes: string[] = []
  const usage = new Map<ServiceKind, KindUsage>()
  /** Group → what its tests need: kinds of service, or `compose` (a Compose service by its outputs). */
  const needs = new Map<string, Set<ServiceKind | 'compose'>>()
  const unprovided = new Map<string, Set<string>>()
  const use = (kind: ServiceKind): KindUsage => {
    let entry = usage.get(kind)
    if (entry === undefined) {
      entry = { variables: new Map(), readers: new Map(), groups: new Set(), pinned: [] }
      usage.set(kind, entry)
    }
    return entry
  }

  for (const { group, variables, foreign, addresses } of input.groups) {
    const kinds = new Set<ServiceKind | 'compose'>()
    for (const [name, files] of variables) {
      const known = foreign.has(name) ? null : classifyVariable(name)
      if (known === null) {
        if (!isIncidentalVariable(name)) {
          const readers = unprovided.get(name) ?? new Set<string>()
          for (const file of files) readers.add(file)
          unprovided.set(name, readers)
        }
        continue
      }
      kinds.add(known.kind)
      const entry = use(known.kind)
      entry.variables.set(name, known.output)
      const readers = entry.readers.get(name) ?? new Set<string>()
      for (const file of files) readers.add(file)
      entry.readers.set(name, readers)
      entry.groups.add(group.name)
    }
    for (const address of addresses) {
      if (address.fallback) continue
      kinds.add(address.kind)
      const entry = use(address.kind)
      entry.pinned.push(address)
      entry.groups.add(group.name)
    }
    needs.set(group.name, kinds)
  }

  const imports: Record<string, string[]> = {}
  const addImport = (module: string, name: string) => {
    const names = imports[module] ?? []
    if (!names.includes(name)) names.push(name)
    imports[module] = names
  }
  const services: PlannedService[] = []
  const environments: EnvironmentSource[] = []
  /** Group → the environment its tests use. */
  const environmentOf = new Map<string, string>()
  const usedKinds = SERVICE_KINDS.filter((kind) => usage.has(kind))

  if (input.compose !== null) {
    const compose = input.compose
    for (const [module, names] of Object.entries(compose.imports))
      for (const name of names) addImport(module, name)
    let environment = compose.environment
    const testLines: string[] = []
    const environmentName = String(environment.definition.name)
    for (const kind of usedKinds) {
      const entry = usage.get(kind) as KindUsage
      // A preset first, else a plain container of the same server (init scripts, trust auth…).
      const match =
        compose.services.find((service) => service.preset === kind) ??
        compose.services.find((service) => service.family === kind)
      if (match !== undefined) {
        const variables: Record<string, string> = {}
        for (const [name, output] of entry.variables) {
          if (match.provides.includes(output)) {
            variables[name] = output
            continue
          }
          const readers = unprovided.get(name) ?? new Set<string>()
          for (const file of entry.readers.get(name) ?? []) readers.add(file)
          unprovided.set(name, readers)
          entry.variables.delete(name)
          notes.push(
            `${name}: the Compose service ${match.name}, a plain ${PRESETS[kind].label} container, has no ${output} ` +
              `to give the tests${match.lacking === null ? '' : ` (${match.lacking})`}`,
          )
        }
        environment = compose.withVariables(environment, match.name, variables)
        services.push({
          kind,
          environment: environmentName,
          service: match.name,
          origin: 'compose',
          variables,
        })
        testLines.push(...describeUsage(kind, entry, {}, match.name))
        if (entry.pinned.length > 0)
          notes.push(
            `${entry.pinned[0]?.file} connects to ${PRESETS[kind].label} on port ${entry.pinned[0]?.port} itself: ` +
              `the Compose service ${match.name} keeps the ports ${compose.file} gives it`,
          )
        continue
      }
      // Tests read a variable no Compose service provides: the preset joins the Compose environment.
      const taken = new Set(Object.keys(servicesOf(environment)))
      let name = PRESETS[kind].service
      for (let n = 2; taken.has(name); n++) name = `${PRESETS[kind].service}${n}`
      const planned = presetService(kind, entry, notes, name)
      testLines.push(...describeUsage(kind, entry, planned.service, name))
      environment = {
        ...environment,
        definition: {
          ...environment.definition,
          services: { ...servicesOf(environment), [name]: planned.call },
        },
      }
      addImport(PRESETS[kind].module, PRESETS[kind].factory)
      services.push({ ...planned.service, environment: environmentName, service: name })
    }
    // `API_URL` and a Compose service `api` with a `url` output: the tests get it under that name.
    for (const [variable] of [...unprovided]) {
      const match = compose.services.find(
        (service) =>
          service.preset === null &&
          service.outputs.some((output) => variable === outputVariable(service.name, output)),
      )
      if (match === undefined) continue
      const output = match.outputs.find((candidate) => variable === outputVariable(match.name, candidate))
      if (output === undefined) continue
      environment = compose.withVariables(environment, match.name, { [variable]: output })
      const existing = services.find((service) => service.service === match.name)
      if (existing !== undefined) existing.variables[variable] = output
      else
        services.push({
          kind: null,
          environment: environmentName,
          service: match.name,
          origin: 'compose',
          variables: { [variable]: output },
        })
      for (const { group, variables } of input.groups) {
        if (variables.has(variable)) needs.get(group.name)?.add('compose')
      }
      unprovided.delete(variable)
    }
    if (testLines.length > 0)
      environment = {
        ...environment,
        comment: [...(environment.comment ?? []), '', 'For the tests:', ...testLines],
      }
    environments.push(environment)
    for (const [group, kinds] of needs) if (kinds.size > 0) environmentOf.set(group, environmentName)
  } else {
    // One environment per set of services used together: a group that needs both gets both.
    const together = usedKinds.length > 1 && [...needs.values()].some((kinds) => kinds.size > 1)
    const sets: ServiceKind[][] = together ? [usedKinds] : usedKinds.map((kind) => [kind])
    // The renderer renames a constant that would shadow an import (`postgres` → `postgresEnvironment`).
    const taken = new Set<string>()
    for (const kinds of sets) {
      const name = kinds.length === 1 ? PRESETS[kinds[0] as ServiceKind].environment : 'backend'
      const definitionServices: Record<string, unknown> = {}
      const comment: string[] = []
      for (const kind of kinds) {
        const entry = usage.get(kind) as KindUsage
        const planned = presetService(kind, entry, notes, PRESETS[kind].service)
        definitionServices[PRESETS[kind].service] = planned.call
        addImport(PRESETS[kind].module, PRESETS[kind].factory)
        services.push({ ...planned.service, environment: name, service: PRESETS[kind].service })
        comment.push(...describeUsage(kind, entry, planned.service, PRESETS[kind].service))
      }
      const users = [...new Set(kinds.flatMap((kind) => [...(usage.get(kind)?.groups ?? [])]))]
      const variable = variableName(name, taken)
      taken.add(variable)
      environments.push({
        variable,
        comment,
        definition: {
          name,
          description: `${kinds.map((kind) => PRESETS[kind].label).join(' and ')} for the ${list(users)} tests`,
          services: definitionServices,
        },
      })
      for (const [group, groupKinds] of needs) {
        if (kinds.some((kind) => groupKinds.has(kind))) environmentOf.set(group, name)
      }
    }
  }

  const tests = input.groups.map(({ group }) => ({
    name: group.name,
    include: group.include,
    exclude: group.exclude.length > 0 ? group.exclude : undefined,
    environment: environmentOf.get(group.name),
  }))
  for (const { group } of input.groups) {
    if (group.listedFiles === true)
      notes.push(
        `group ${group.name} lists its files one by one: its Vitest project's globs overlap another project's`,
      )
  }

  const source: ConfigSource = {
    header: header(input),
    imports,
    environments,
    config: { project: input.project, tests },
  }
  return {
    source,
    presets: Object.keys(imports).sort(),
    report: {
      services,
      groups: input.groups.map(({ group, variables }) => ({
        name: group.name,
        source: group.source,
        files: group.files.length,
        environment: environmentOf.get(group.name) ?? null,
        variables: [...variables.keys()].filter(
          (name) => classifyVariable(name) !== null || services.some((service) => name in service.variables),
        ),
        listedFiles: group.listedFiles === true,
      })),
      unprovided: [...unprovided].map(([name, files]) => ({ name, files: [...files].sort() })),
      notes,
    },
  }
}

function servicesOf(environment: EnvironmentSource): Record<string, unknown> {
  return (environment.definition.services ?? {}) as Record<string, unknown>
}

/**
 * The name a test may read an output under: hearth's own `HEARTH_<SERVICE>_<OUTPUT>` without its
 * prefix (`api` + `httpPort` → `API_HTTP_PORT`, `read-model` + `url` → `READ_MODEL_URL`).
 */
function outputVariable(service: string, output: string): string {
  return outputEnvName(service, output).replace(/^HEARTH_/, '')
}

/** The preset call for a kind: its `env` for the variables read, `hostPort` and credentials a suite hard-codes. */
function presetService(
  kind: ServiceKind,
  entry: KindUsage,
  notes: string[],
  key: string,
): { call: PresetCall; service: Omit<PlannedService, 'environment' | 'service'> } {
  const preset = PRESETS[kind]
  const options: Record<string, unknown> = {}
  let hostPort: number | undefined
  if (entry.pinned.length > 0) {
    const first = entry.pinned[0] as HardCodedAddress & { file: string }
    hostPort = first.port
    const others = [...new Set(entry.pinned.map((address) => address.port))].filter(
      (port) => port !== hostPort,
    )
    if (others.length > 0)
      notes.push(
        `the tests connect to ${preset.label} on ports ${[hostPort, ...others].join(', ')}: ` +
          `${preset.service} listens on ${hostPort} (${first.file}:${first.line})`,
      )
    if (kind === 'postgres') {
      for (const field of ['database', 'user', 'password'] as const) {
        const value = entry.pinned.find((address) => address[field] !== undefined)?.[field]
        if (value !== undefined) options[field] = value
      }
    }
    options.hostPort = hostPort
  }
  const variables = Object.fromEntries(entry.variables)
  if (Object.keys(variables).length > 0) options.env = variables
  const call = new PresetCall(kind, options, key)
  return {
    call,
    service: {
      kind,
      origin: 'preset',
      variables,
      ...(hostPort === undefined ? {} : { hostPort }),
    },
  }
}

function describeUsage(
  kind: ServiceKind,
  entry: KindUsage,
  service: { hostPort?: number },
  name: string,
): string[] {
  const preset = PRESETS[kind]
  const readers = [...new Set([...entry.readers.values()].flatMap((files) => [...files]))].sort()
  const lines: string[] = []
  if (entry.variables.size > 0) {
    const more =
      readers.length > 1 ? ` and ${readers.length - 1} more file${readers.length > 2 ? 's' : ''}` : ''
    lines.push(
      `${name} (${preset.label}): ${[...entry.variables.keys()].join(', ')}, read in ${readers[0]}${more}.`,
    )
  }
  if (service.hostPort !== undefined) {
    const first = entry.pinned[0]
    lines.push(
      `${name} listens on 127.0.0.1:${service.hostPort}: ${first?.file ?? 'the tests'} connect${first === undefined ? '' : 's'} there.`,
    )
  }
  return lines
}

function header(input: InitInput): string[] {
  const sources: string[] = []
  if (input.workspace !== null) sources.push(input.workspace.file)
  if (input.compose !== null) sources.push(input.compose.file)
  for (const { group } of input.groups) {
    if (!group.source.startsWith('Vitest defaults') && !sources.includes(group.source))
      sources.push(group.source)
  }
  const from = sources.length === 0 ? "Vitest's defaults" : list(sources)
  return [
    ...wrap(`Written by \`hearth init\` from ${from}, and the environment variables the tests read.`, 96),
    'Review it, then run `hearth ci`.',
  ]
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}
