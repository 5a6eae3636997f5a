/**
 * The checks that look at more than one value at a time, which a schema does not express well:
 * dependencies that name services, dependency cycles, templates that name ports, env variables and
 * other services' outputs, readiness checks that name ports, a fallback's outputs, a fixed host
 * port taken twice, duplicate names, test groups that name environments.
 *
 * They run on the snapshot (plain data) after the schema, over every part whatever else is wrong,
 * and look only at values of the right type: a value of the wrong type already has its problem
 * from the schema.
 */

import { fixedPort, NAME } from './config-schema.js'
import type { ConfigPath, Problem } from './config-snapshot.js'
import { closest, quote } from './config-words.js'
import { findCycles } from './graph.js'
import { parseTemplate } from './template.js'

type Report = (at: ConfigPath, message: string, fix: string) => void
type Data = Record<string, unknown>

const recordOf = (value: unknown): Data | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RegExp)
    ? (value as Data)
    : null
const arrayOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : [])
const keysOf = (value: unknown): string[] => Object.keys(recordOf(value) ?? {})
const stringsOf = (value: unknown): [key: string, value: string][] =>
  Object.entries(recordOf(value) ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  )

/** `path(at)`: a place written out as in messages, `environments.backend.services.db.ports.pg`. */
export function checkReferences(config: unknown, path: (at: ConfigPath) => string): Problem[] {
  const problems: Problem[] = []
  const report: Report = (at, message, fix) => problems.push({ at, message, fix })
  const root = recordOf(config)
  if (root === null) return problems

  const environmentNames: string[] = []
  const firstWithName = new Map<string, number>()
  arrayOf(root.environments).forEach((raw, index) => {
    const environment = recordOf(raw)
    const name = typeof environment?.name === 'string' ? environment.name : null
    if (name !== null) environmentNames.push(name)
    if (name !== null && NAME.test(name)) {
      const first = firstWithName.get(name)
      if (first === undefined) firstWithName.set(name, index)
      else {
        report(
          ['environments', index, 'name'],
          `duplicate environment name ${quote(name)} (environments[${first}] has it too)`,
          'give each environment its own name',
        )
      }
    }
    const services = recordOf(environment?.services)
    if (services !== null)
      checkEnvironment(report, path, ['environments', index, 'services'], name ?? '', services)
  })

  const known = [...new Set(environmentNames)]
  const firstGroup = new Map<string, number>()
  arrayOf(root.tests).forEach((raw, index) => {
    const group = recordOf(raw)
    if (typeof group?.name === 'string' && group.name.trim() !== '') {
      const first = firstGroup.get(group.name)
      if (first === undefined) firstGroup.set(group.name, index)
      else {
        report(
          ['tests', index, 'name'],
          `duplicate test group name ${quote(group.name)} (tests[${first}] has it too)`,
          'give each test group its own name',
        )
      }
    }
    const environment = group?.environment
    if (typeof environment === 'string' && environment.trim() !== '' && !known.includes(environment)) {
      const suggestion = closest(environment, known)
      report(
        ['tests', index, 'environment'],
        `unknown environment ${quote(environment)}`,
        known.length === 0
          ? 'define the environment under environments'
          : suggestion !== null
            ? `did you mean ${quote(suggestion)}?`
            : `use one of ${known.map(quote).join(', ')}`,
      )
    }
  })
  return problems
}

function checkEnvironment(
  report: Report,
  path: (at: ConfigPath) => string,
  at: ConfigPath,
  environment: string,
  services: Data,
): void {
  const written = new Map<string, string[]>()
  for (const [name, raw] of Object.entries(services)) {
    const service = recordOf(raw)
    if (service === null) continue
    const here = [...at, name]
    written.set(
      name,
      arrayOf(service.dependsOn).filter((dep): dep is string => typeof dep === 'string'),
    )
    const dependsOn = checkDependsOn(
      report,
      [...here, 'dependsOn'],
      name,
      service.dependsOn,
      services,
      environment,
    )
    checkService(report, here, service, { services, self: name, dependsOn })
    const fallback = recordOf(service.fallback)
    if (fallback === null || fallback.kind !== 'process') continue
    // The stand-in runs with its container's dependencies, under the container's name.
    checkService(report, [...here, 'fallback'], fallback, { services, self: name, dependsOn })
    const declared = fallback.outputs === undefined ? {} : recordOf(fallback.outputs)
    const missing = keysOf(service.outputs).filter(
      (output) => declared !== null && !Object.hasOwn(declared, output),
    )
    if (missing.length > 0) {
      report(
        [...here, 'fallback', 'outputs'],
        `the fallback lacks the container's outputs ${missing.map(quote).join(', ')}`,
        'declare the same outputs on the fallback, so dependents get them whichever runs',
      )
    }
  }

  for (const cycle of findCycles(written)) {
    // A service on its own dependsOn is reported by checkDependsOn, at its entry.
    if (cycle.length === 2) continue
    const [first, second] = cycle as [string, string]
    // Point at the entry that closes the first edge of the cycle: `a.dependsOn[1]` for `a → b`.
    const index = arrayOf(recordOf(services[first])?.dependsOn).indexOf(second)
    report(
      [...at, first, 'dependsOn', index],
      `dependency cycle: ${cycle.join(' → ')}`,
      'remove one of these dependsOn entries so that the services can start in order',
    )
  }

  // Keyed by protocol too: TCP 53 and UDP 53 are two different ports.
  const owners = new Map<string, string>()
  for (const [name, raw] of Object.entries(services)) {
    const service = recordOf(raw)
    for (const [port, spec] of Object.entries(recordOf(service?.ports) ?? {})) {
      const fixed = fixedPort(service?.kind, spec)
      if (fixed === null) continue
      const where: ConfigPath = [...at, name, 'ports', port]
      const key = `${fixed.protocol}/${fixed.host}`
      const owner = owners.get(key)
      if (owner === undefined) owners.set(key, path(where))
      else {
        report(
          where,
          `host port ${fixed.host} is also taken by ${owner}`,
          'give one of them another port, or leave host unset to have a free one chosen',
        )
      }
    }
  }
}

/** Problems with the names a service depends on; returns those that name another service, once each. */
function checkDependsOn(
  report: Report,
  at: ConfigPath,
  self: string,
  value: unknown,
  services: Data,
  environment: string,
): string[] {
  const known = Object.keys(services)
  const seen = new Set<string>()
  arrayOf(value).forEach((dep, index) => {
    if (typeof dep !== 'string') return
    if (dep === self && !seen.has(dep)) {
      report([...at, index], `${quote(dep)} depends on itself`, `remove ${quote(dep)} from its own dependsOn`)
    } else if (seen.has(dep)) {
      report([...at, index], `${quote(dep)} is listed twice`, 'remove the repeated entry')
    } else if (!known.includes(dep)) {
      const suggestion = closest(dep, known)
      report(
        [...at, index],
        `unknown service ${quote(dep)}; environment ${quote(environment)} has ${known.map(quote).join(', ')}`,
        suggestion === null
          ? `name one of those services, or add a service named ${quote(dep)}`
          : `did you mean ${quote(suggestion)}?`,
      )
    }
    seen.add(dep)
  })
  return [...seen].filter((dep) => dep !== self && known.includes(dep))
}

interface ServiceScope {
  /** The environment's services, to check references against. */
  services: Data
  /** The service whose fields these are. */
  self: string
  /** The services it depends on (and may so reference). */
  dependsOn: readonly string[]
}

interface TemplateScope extends ServiceScope {
  portNames: readonly string[]
  envNames: readonly string[]
  /** What kind of field holds the template: only outputs may use `{{env.<NAME>}}`. */
  field: 'env' | 'output' | 'command'
}

function checkService(report: Report, at: ConfigPath, service: Data, scope: ServiceScope): void {
  const portNames = service.kind === 'job' ? [] : keysOf(service.ports)
  const templates = { ...scope, portNames, envNames: keysOf(service.env) }
  for (const [key, value] of stringsOf(service.env)) {
    checkTemplate(report, [...at, 'env', key], value, { ...templates, field: 'env' })
  }
  for (const [key, value] of stringsOf(service.outputs)) {
    checkTemplate(report, [...at, 'outputs', key], value, { ...templates, field: 'output' })
  }
  const ownOutputs = [
    ...new Set(['host', ...portNames.map((port) => `${port}Port`), ...keysOf(service.outputs)]),
  ]
  for (const [key, value] of stringsOf(service.testEnv)) {
    checkOwnOutputTemplate(report, [...at, 'testEnv', key], value, ownOutputs)
  }
  if (service.kind !== 'job') checkReadinessPorts(report, [...at, 'readiness'], service.readiness, portNames)
  checkSecrets(report, [...at, 'secrets'], service)
  // Commands may use the same references as env values: `["serve", "--port", "{{ports.http}}"]`.
  const command = service.command
  const commandScope: TemplateScope = { ...templates, field: 'command' }
  if (typeof command === 'string') checkTemplate(report, [...at, 'command'], command, commandScope)
  arrayOf(command).forEach((arg, index) => {
    if (typeof arg === 'string') checkTemplate(report, [...at, 'command', index], arg, commandScope)
  })
}

function checkReadinessPorts(
  report: Report,
  at: ConfigPath,
  value: unknown,
  portNames: readonly string[],
): void {
  const check = recordOf(value)
  if (check === null) return
  const port = check.port
  if (
    (check.type === 'tcp' || check.type === 'http' || check.type === 'postgres' || check.type === 'redis') &&
    typeof port === 'string' &&
    port.trim() !== '' &&
    !portNames.includes(port)
  ) {
    report(
      [...at, 'port'],
      `unknown port ${quote(port)}`,
      portNames.length === 0
        ? 'declare it under ports first'
        : `use one of ${portNames.map(quote).join(', ')}`,
    )
  }
  if (check.type === 'all') {
    arrayOf(check.checks).forEach((item, index) => {
      checkReadinessPorts(report, [...at, 'checks', index], item, portNames)
    })
  }
}

function checkTemplate(report: Report, at: ConfigPath, template: string, scope: TemplateScope): void {
  const parsed = parseTemplate(template)
  if (!parsed.ok) {
    report(
      at,
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
      report(
        at,
        `{{${refPath}}} names no port of this service`,
        scope.portNames.length === 0
          ? 'declare the port under ports first'
          : `use one of ${scope.portNames.map((p) => `{{ports.${p}}}`).join(', ')}`,
      )
      continue
    }
    if (head === 'env') {
      if (scope.field === 'env') {
        report(
          at,
          `{{${refPath}}}: env values cannot reference other env values`,
          'write the value out, or reference {{host}}, {{ports.<name>}} or a dependency output',
        )
      } else if (scope.field === 'command') {
        report(
          at,
          `{{${refPath}}}: commands cannot reference env values`,
          'the command runs with the env set: use $NAME in a shell string, or reference {{host}}, {{ports.<name>}} or a dependency output',
        )
      } else if (second === undefined || rest.length > 0 || !scope.envNames.includes(second)) {
        report(
          at,
          `{{${refPath}}} names no env variable of this service`,
          `use one of ${scope.envNames.map((e) => `{{env.${e}}}`).join(', ') || '(none defined)'}`,
        )
      }
      continue
    }
    const target = Object.hasOwn(scope.services, head) ? scope.services[head] : undefined
    if (target === undefined || second === undefined || rest.length > 0) {
      const suggestion =
        target === undefined ? closest(head, [...Object.keys(scope.services), 'host', 'ports', 'env']) : null
      report(
        at,
        `{{${refPath}}} is not a known reference`,
        suggestion === null
          ? 'use {{host}}, {{ports.<name>}}, {{env.<NAME>}} (outputs only) or {{<service>.<output>}}'
          : `did you mean {{${[suggestion, ...segments.slice(1)].join('.')}}}? References are {{host}}, {{ports.<name>}}, {{env.<NAME>}} (outputs only) or {{<service>.<output>}}`,
      )
      continue
    }
    if (head === scope.self) {
      // Adding itself to dependsOn would be a cycle: its own values come from host and ports.
      report(
        at,
        `{{${refPath}}}: a service cannot reference its own outputs`,
        'use {{host}} and {{ports.<name>}} directly',
      )
      continue
    }
    if (!scope.dependsOn.includes(head)) {
      report(
        at,
        `{{${refPath}}} uses service ${quote(head)}, which this service does not depend on`,
        `add ${quote(head)} to dependsOn`,
      )
      continue
    }
    const available = outputNamesOf(target)
    if (!available.includes(second)) {
      report(
        at,
        `service ${quote(head)} has no output ${quote(second)}`,
        `use one of ${available.map(quote).join(', ')}`,
      )
    }
  }
}

/** Each name in `secrets` is one of the service's env, outputs or testEnv entries. */
function checkSecrets(report: Report, at: ConfigPath, service: Data): void {
  const names = [...new Set([...keysOf(service.env), ...keysOf(service.outputs), ...keysOf(service.testEnv)])]
  arrayOf(service.secrets).forEach((name, index) => {
    if (typeof name !== 'string' || names.includes(name)) return
    const suggestion = closest(name, names)
    report(
      [...at, index],
      `${quote(name)} is none of this service's env, outputs or testEnv entries`,
      suggestion !== null
        ? `did you mean ${quote(suggestion)}?`
        : names.length === 0
          ? 'remove it: the service has no env, outputs or testEnv to mark'
          : `list some of ${names.map(quote).join(', ')}`,
    )
  })
}

/** A `testEnv` value: a template over the service's own outputs, `{{url}}`. */
function checkOwnOutputTemplate(
  report: Report,
  at: ConfigPath,
  template: string,
  outputs: readonly string[],
): void {
  const parsed = parseTemplate(template)
  if (!parsed.ok) {
    report(
      at,
      `invalid template: ${parsed.error}`,
      "write references to this service's outputs, e.g. {{url}}",
    )
    return
  }
  for (const { path: refPath } of parsed.references) {
    if (outputs.includes(refPath)) continue
    const suggestion = closest(refPath, outputs)
    report(
      at,
      `{{${refPath}}} is not an output of this service`,
      suggestion === null
        ? `use one of ${outputs.map((name) => `{{${name}}}`).join(', ')}`
        : `did you mean {{${suggestion}}}?`,
    )
  }
}

/** The outputs a service will have: declared ones, `host`, and `<port>Port` per port. */
function outputNamesOf(value: unknown): string[] {
  const service = recordOf(value)
  const ports = keysOf(service?.ports).map((name) => `${name}Port`)
  return [...new Set(['host', ...ports, ...keysOf(service?.outputs)])]
}
