/**
 * `{{ … }}` templates in env values, outputs and commands. A placeholder is a dotted path:
 * `host`, `ports.http`, `env.POSTGRES_USER`, or `<service>.<output>` for a dependency's output.
 * Deliberately not `${…}`: that would collide with TypeScript template literals.
 */

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g
const PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/

export interface TemplateReference {
  /** The dotted path as written, e.g. `db.url`. */
  path: string
  segments: readonly string[]
}

export type TemplateParse = { ok: true; references: TemplateReference[] } | { ok: false; error: string }

/** Finds every placeholder of a template, or says what is malformed. */
export function parseTemplate(template: string): TemplateParse {
  const references: TemplateReference[] = []
  for (const match of template.matchAll(PLACEHOLDER)) {
    const path = match[1] ?? ''
    if (!PATH.test(path)) {
      return { ok: false, error: `"{{${path}}}" is not a reference (expected e.g. {{host}} or {{db.url}})` }
    }
    references.push({ path, segments: path.split('.') })
  }
  const rest = template.replace(PLACEHOLDER, '')
  if (rest.includes('{{') || rest.includes('}}')) {
    return { ok: false, error: 'unbalanced "{{" or "}}"' }
  }
  return { ok: true, references }
}

/**
 * Replaces every placeholder with `lookup(path)`. Throws if a path has no value: validation has
 * checked every reference before anything is rendered, so a miss here is a bug, not user input.
 */
export function renderTemplate(template: string, lookup: (path: string) => string | undefined): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const value = lookup(path)
    if (value === undefined) throw new Error(`template reference {{${path}}} has no value`)
    return value
  })
}

/** A flat lookup over nested records: `lookupIn({ ports: { http: '80' } })('ports.http') === '80'`. */
export function lookupIn(values: Readonly<Record<string, unknown>>): (path: string) => string | undefined {
  return (path) => {
    let current: unknown = values
    for (const segment of path.split('.')) {
      if (typeof current !== 'object' || current === null) return undefined
      current = (current as Record<string, unknown>)[segment]
    }
    if (typeof current === 'string') return current
    if (typeof current === 'number') return String(current)
    return undefined
  }
}
