import { isRecord } from './tsconfig.js'

/** How one resolution reads conditions of an `exports` / `imports` map. */
export interface ConditionPolicy {
  /**
   * Conditions that point at sources (`@hearth/source`, `source`, a tsconfig's `customConditions`):
   * taken before anything else when an object has one of them, whatever its key order.
   */
  isSourceCondition: (condition: string) => boolean
  /** Runtime conditions, matched in the object's key order as Node does (`default` always matches). */
  active: ReadonlySet<string>
}

/**
 * The targets (`./dist/x.js`, or a bare specifier in an `imports` map) that `subpath` (`.`,
 * `./feature`, `#internal`) maps to, in the order to try them: source conditions first, then the
 * runtime conditions in key order, then `types` as a last resort (a types-only entry still leads to
 * the sources through the output → source mapping). Empty when the map does not export the subpath.
 *
 * Unlike Node, which stops at the first matching condition, every matching target is returned:
 * the caller takes the first that exists, so a missing build output falls back to a later entry
 * rather than losing the edge.
 */
export function exportTargets(map: unknown, subpath: string, policy: ConditionPolicy): string[] {
  const entries = subpathEntries(map, subpath.startsWith('#'))
  if (!entries) return []
  const match = matchSubpath(entries, subpath)
  if (!match) return []
  const targets = [
    ...conditionTargets(match.target, policy, false),
    ...conditionTargets(match.target, policy, true),
  ]
  const substituted = targets.map((target) =>
    match.capture === undefined ? target : target.replaceAll('*', match.capture),
  )
  return [...new Set(substituted)]
}

/** `exports` as a subpath map: a string, array or condition object is the `.` entry. */
function subpathEntries(map: unknown, imports: boolean): Record<string, unknown> | undefined {
  if (imports) return isRecord(map) ? map : undefined
  if (typeof map === 'string' || Array.isArray(map)) return { '.': map }
  if (!isRecord(map)) return undefined
  const keys = Object.keys(map)
  return keys.some((key) => key.startsWith('.')) ? map : { '.': map }
}

interface SubpathMatch {
  target: unknown
  capture?: string
}

/** Node's PACKAGE_IMPORTS_EXPORTS_RESOLVE: an exact key, else the best `*` pattern (or legacy folder key). */
export function matchSubpath(entries: Record<string, unknown>, subpath: string): SubpathMatch | undefined {
  if (Object.hasOwn(entries, subpath) && !subpath.includes('*')) return { target: entries[subpath] }
  let best: { key: string; prefix: string; capture: string } | undefined
  for (const key of Object.keys(entries)) {
    const star = key.indexOf('*')
    if (star < 0) {
      // Deprecated folder mappings: `"./features/": "./src/features/"`.
      if (key.endsWith('/') && subpath.startsWith(key) && (!best || key.length > best.prefix.length)) {
        best = { key, prefix: key, capture: subpath.slice(key.length) }
      }
      continue
    }
    const prefix = key.slice(0, star)
    const suffix = key.slice(star + 1)
    if (
      subpath.startsWith(prefix) &&
      subpath !== prefix &&
      subpath.length >= key.length &&
      subpath.endsWith(suffix) &&
      (!best || comparePatternKeys(key, best.key) < 0)
    ) {
      best = { key, prefix, capture: subpath.slice(prefix.length, subpath.length - suffix.length) }
    }
  }
  if (!best) return undefined
  const target = entries[best.key]
  if (!best.key.includes('*')) {
    // A folder mapping appends the rest of the subpath to its target.
    return typeof target === 'string' ? { target: target + best.capture } : undefined
  }
  return { target, capture: best.capture }
}

/** Node's PATTERN_KEY_COMPARE: the longer prefix before `*` wins, then the longer key. */
function comparePatternKeys(a: string, b: string): number {
  const aStar = a.indexOf('*')
  const bStar = b.indexOf('*')
  const aBase = aStar < 0 ? a.length : aStar + 1
  const bBase = bStar < 0 ? b.length : bStar + 1
  if (aBase !== bBase) return bBase - aBase
  return b.length - a.length
}

/** The targets of a (possibly nested) condition value; `typesPass` collects only what `types` leads to. */
function conditionTargets(
  value: unknown,
  policy: ConditionPolicy,
  typesPass: boolean,
  inTypes = false,
): string[] {
  if (typeof value === 'string') return !typesPass || inTypes ? [value] : []
  if (Array.isArray(value)) return value.flatMap((item) => conditionTargets(item, policy, typesPass, inTypes))
  if (!isRecord(value)) return [] // null: explicitly not exported
  const keys = Object.keys(value)
  const targets: string[] = []
  for (const key of keys) {
    if (policy.isSourceCondition(key))
      targets.push(...conditionTargets(value[key], policy, typesPass, inTypes))
  }
  for (const key of keys) {
    if (policy.isSourceCondition(key)) continue
    if (key === 'default' || policy.active.has(key)) {
      targets.push(...conditionTargets(value[key], policy, typesPass, inTypes))
    } else if (typesPass && (key === 'types' || key === 'typings')) {
      targets.push(...conditionTargets(value[key], policy, typesPass, true))
    }
  }
  return targets
}
