/**
 * What the converter needs to know about the services of a Compose file as a whole: their names in
 * hearth, their dependencies, and which of them are one-shots.
 */

import { isRecord } from './text.js'

/**
 * hearth's rule for environment and service names (its validator's): a lowercase letter, then
 * lowercase letters, digits and `-`.
 */
export const HEARTH_NAME = /^[a-z][a-z0-9-]*$/

/** Whether hearth takes `name` as an environment or service name. */
export function isHearthName(name: string): boolean {
  return HEARTH_NAME.test(name)
}

/** Names a hearth service cannot take: templates give them another meaning. */
const RESERVED_NAMES = new Set(['host', 'ports', 'env', 'hearth'])

export interface DependsOnEntry {
  service: string
  condition: string
  required: boolean
  restart: boolean
}

/** `depends_on` as a list (service_started each) or a mapping with conditions; null when neither. */
export function dependsOnEntries(value: unknown): DependsOnEntry[] | null {
  if (value === undefined || value === null) return []
  if (Array.isArray(value))
    return value.map((item) => ({
      service: String(item),
      condition: 'service_started',
      required: true,
      restart: false,
    }))
  if (!isRecord(value)) return null
  return Object.entries(value).map(([service, spec]) => {
    const record = isRecord(spec) ? spec : {}
    return {
      service,
      condition: typeof record.condition === 'string' ? record.condition : 'service_started',
      required: record.required !== false,
      restart: record.restart === true,
    }
  })
}

/** The services others wait for with `service_completed_successfully`: Compose's one-shots. */
export function findJobs(services: ReadonlyMap<string, Record<string, unknown>>): Set<string> {
  const jobs = new Set<string>()
  for (const raw of services.values()) {
    for (const entry of dependsOnEntries(raw.depends_on) ?? []) {
      if (entry.condition === 'service_completed_successfully' && services.has(entry.service))
        jobs.add(entry.service)
    }
  }
  return jobs
}

/** Compose service names as hearth names: `my_db` → `my-db`, `Web` → `web`, clashes numbered. */
export function assignNames(composeNames: readonly string[]): Map<string, string> {
  const names = new Map<string, string>()
  const taken = new Set<string>()
  // Names that are valid already keep them; the others fit around them.
  for (const composeName of composeNames) {
    if (isHearthName(composeName) && !RESERVED_NAMES.has(composeName)) {
      names.set(composeName, composeName)
      taken.add(composeName)
    }
  }
  for (const composeName of composeNames) {
    if (names.has(composeName)) continue
    let base = composeName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
    if (!/^[a-z]/.test(base)) base = `service-${base}`.replace(/-$/, '')
    if (RESERVED_NAMES.has(base)) base = `${base}-service`
    let name = base
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`
    names.set(composeName, name)
    taken.add(name)
  }
  return names
}

/** The environment's name from Compose's top-level `name`, when hearth can take it. */
export function environmentName(value: unknown): string {
  if (typeof value !== 'string') return 'compose'
  const name = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return isHearthName(name) ? name : 'compose'
}
