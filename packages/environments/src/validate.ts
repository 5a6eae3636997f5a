import path from 'node:path'
import type { z } from 'zod'
import { checkReferences } from './config-references.js'
import {
  configSchema,
  FIELD,
  HERE,
  NAME,
  type ServiceDraft,
  unsay,
  type ValidConfig,
} from './config-schema.js'
import {
  type ConfigPath,
  defaultExport,
  PLACE_DEPTH,
  type Problem,
  placeKey,
  type Snapshot,
  snapshotConfig,
} from './config-snapshot.js'
import { closest, quote } from './config-words.js'
import { topologicalOrder } from './graph.js'
import { ConfigError, type ConfigIssue } from './issues.js'
import { markSecrets } from './secrets.js'
import type { NormalizedConfig, NormalizedEnvironment, NormalizedService } from './types.js'

export { DEFAULTS } from './config-schema.js'

export interface ValidateOptions {
  /** Absolute project root. */
  root: string
  /** The config file, relative to the root (used in messages). */
  file: string
  /** Project name when the config sets none. */
  defaultProject: string
}

export type ValidationResult = { ok: true; config: NormalizedConfig } | { ok: false; issues: ConfigIssue[] }

/**
 * Checks a loaded config and returns it normalized, or returns every problem found (never just the
 * first), each with its file, its path and a fix. Never throws, whatever the value (getters that
 * throw, proxies, cycles, symbols…), and never reads the value after the first step:
 *
 * 1. a snapshot copies the value into plain data, one guarded read at a time (`config-snapshot.ts`);
 * 2. the schema checks its shape and gives its normalized form (`config-schema.ts`, zod);
 * 3. the reference checks look across values: dependencies, cycles, templates, ports
 *    (`config-references.ts`). They run even where the shape is wrong elsewhere.
 */
export function validateConfig(input: unknown, options: ValidateOptions): ValidationResult {
  return validateSnapshot(snapshotConfig(input, PLACE_DEPTH), options)
}

/** `validateConfig` from its first step's copy (the loader takes that copy itself: its cache key). */
export function validateSnapshot(snapshot: Snapshot, options: ValidateOptions): ValidationResult {
  const places = new Places(snapshot, options)
  const parsed = configSchema.safeParse(snapshot.value)
  const unread = snapshot.problems.map((problem) => problem.at)
  const shape = parsed.success ? [] : parsed.error.issues.flatMap((issue) => problemsOf(issue, []))
  const problems = [
    ...snapshot.problems,
    // What could not be read has its problem already; the schema would only add "got a symbol".
    ...shape.filter((problem) => !unread.some((at) => startsWith(problem.at, at))),
    ...checkReferences(snapshot.value, (at) => places.path(at)),
  ]
  if (!parsed.success || problems.length > 0) return { ok: false, issues: places.issues(problems) }
  return { ok: true, config: normalize(parsed.data, places, options) }
}

/**
 * The config a loaded module exports, validated: what `loadConfig` does once the file has run,
 * without its cache. Throws `ConfigError` and nothing else, whatever the module holds: its exports
 * are read through guarded reads only (a getter or a proxy that throws is a problem in the config,
 * not a crash).
 */
export function configFromModule(namespace: unknown, options: ValidateOptions): NormalizedConfig {
  const result = validateConfig(defaultExport(namespace, options.file), options)
  if (!result.ok) throw new ConfigError(result.issues)
  return result.config
}

/** The problems a zod issue stands for, at their full paths. */
function problemsOf(issue: z.core.$ZodIssue, prefix: ConfigPath): Problem[] {
  const at = [...prefix, ...issue.path]
  // A union of forms told apart by type (a port number or a port object, a shell string or an
  // argv array): report the problems of the form the value has, rather than "matches none".
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const tried = issue.errors.filter(
      (branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
    )
    if (tried.length === 1) return (tried[0] ?? []).flatMap((inner) => problemsOf(inner, at))
  }
  const { message, fix } = unsay(issue.message)
  if (issue.code === 'unrecognized_keys') {
    const fields = fix.split(', ')
    return issue.keys.map((key) => {
      const suggestion = closest(key, fields)
      return {
        at: [...at, key],
        message: `unknown field ${quote(key)}`,
        fix:
          suggestion === null
            ? `remove it; the fields here are ${fields.join(', ')}`
            : `did you mean ${quote(suggestion)}? The fields here are ${fields.join(', ')}`,
      }
    })
  }
  return [{ at, message, fix }]
}

function startsWith(at: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= at.length && prefix.every((key, index) => key === at[index])
}

// ── where problems are, and in which order ──────────────────────────────────────────────────────

/**
 * Problems are grouped by the part of the config they are in (a service, a test group, a field of
 * an environment or of the config), parts in the order they were written; within a part, what
 * could not be read comes first, then the shape, then the references.
 */
function partOf(at: ConfigPath): ConfigPath {
  if (at[0] === 'environments' && at[2] === 'services' && at.length >= 4) return at.slice(0, 4)
  if (at[0] === 'environments') return at.slice(0, 3)
  if (at[0] === 'tests') return at.slice(0, 2)
  return at.slice(0, 1)
}
/** A report is read by a person: past this many problems, it says how many more there are. */
const MAX_ISSUES = 100

class Places {
  /** Per environment, the name its paths are written with, or null (`environments[2]`). */
  private readonly environmentNames: (string | null)[] = []
  private readonly environmentFiles: (string | null)[] = []

  constructor(
    private readonly snapshot: Snapshot,
    private readonly options: ValidateOptions,
  ) {
    const root = snapshot.value
    const environments = isData(root) && Array.isArray(root.environments) ? root.environments : []
    const taken = new Set<string>()
    for (const environment of environments) {
      const name = isData(environment) ? environment.name : undefined
      const usable = typeof name === 'string' && NAME.test(name) && !taken.has(name)
      if (usable) taken.add(name)
      this.environmentNames.push(usable ? name : null)
      const source = isData(environment) ? snapshot.sourceFiles.get(environment) : undefined
      this.environmentFiles.push(source === undefined ? null : this.relative(source))
    }
  }

  /** A place as messages write it: `environments.backend.services.api.dependsOn[0]`. */
  path(at: ConfigPath): string {
    if (at.length === 0) return '(default export)'
    let text = ''
    let rest = at
    const name = at[0] === 'environments' && typeof at[1] === 'number' ? this.environmentNames[at[1]] : null
    if (typeof name === 'string') {
      text = `environments.${name}`
      rest = at.slice(2)
    }
    for (const key of rest) {
      if (typeof key === 'number') text += `[${key}]`
      else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]{0,63}$/.test(key))
        text += text === '' ? key : `.${key}`
      else text += `[${quote(key)}]`
    }
    return text
  }

  /** The file a place is written in: its environment's, when defineEnvironment recorded one. */
  file(at: ConfigPath): string {
    const index = at[0] === 'environments' && typeof at[1] === 'number' ? at[1] : -1
    return this.environmentFiles[index] ?? this.options.file
  }

  environmentFile(index: number): string {
    return this.environmentFiles[index] ?? this.options.file
  }

  issues(problems: readonly Problem[]): ConfigIssue[] {
    const ordered = problems
      .map((problem, index) => ({ problem, index, part: this.order(partOf(problem.at)) }))
      .sort((a, b) => a.part - b.part || a.index - b.index)
    const seen = new Set<string>()
    const issues: ConfigIssue[] = []
    for (const [index, { problem }] of ordered.entries()) {
      if (issues.length === MAX_ISSUES) {
        const more = ordered.length - index
        issues.push({
          file: this.options.file,
          path: '(default export)',
          message: `and ${more} more ${more === 1 ? 'problem' : 'problems'} after these`,
          fix: 'fix the problems above first: the rest are often the same mistake again',
        })
        break
      }
      const where = this.path(problem.at)
      const last = problem.at.at(-1)
      const issue: ConfigIssue = {
        file: this.file(problem.at),
        path: where,
        message: problem.message.split(FIELD).join(quote(last)),
        fix: problem.fix.split(HERE).join(where),
      }
      const key = `${issue.file}\0${issue.path}\0${issue.message}`
      if (seen.has(key)) continue
      seen.add(key)
      issues.push(issue)
    }
    return issues
  }

  /** When a place was read, or the nearest place above it that was (a missing field's object). */
  private order(at: ConfigPath): number {
    for (let length = at.length; length > 0; length--) {
      const order = this.snapshot.order.get(placeKey(at.slice(0, length)))
      if (order !== undefined) return order
    }
    return 0
  }

  /** A definition's source file relative to the root, or absolute when outside it. */
  private relative(source: string): string {
    const relative = path.relative(this.options.root, source)
    return relative.startsWith('..') ? source : relative.split(path.sep).join('/')
  }
}

function isData(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// ── the normalized config ───────────────────────────────────────────────────────────────────────

function normalize(config: ValidConfig, places: Places, options: ValidateOptions): NormalizedConfig {
  const environments: Record<string, NormalizedEnvironment> = {}
  config.environments.forEach((environment, index) => {
    const services: Record<string, NormalizedService> = {}
    for (const [name, draft] of Object.entries(environment.services)) {
      services[name] = named(draft, name, environment.name)
    }
    const graph = new Map(Object.values(services).map((service) => [service.name, service.dependsOn]))
    const order = topologicalOrder(graph)
    environments[environment.name] = {
      name: environment.name,
      description: environment.description,
      file: places.environmentFile(index),
      services: markSecrets(services, order),
      order,
    }
  })
  return {
    project: config.project ?? options.defaultProject,
    root: options.root,
    file: options.file,
    idleTtlMs: config.idleTtl,
    fallback: config.fallback,
    environments,
    tests: config.tests,
  }
}

function named(draft: ServiceDraft, name: string, environment: string): NormalizedService {
  if (draft.kind !== 'container') return { ...draft, name, environment }
  const fallback = draft.fallback === null ? null : { ...draft.fallback, name, environment }
  return { ...draft, name, environment, fallback }
}
