import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ConfigError } from './issues.js'
import type { NormalizedConfig } from './types.js'
import { validateConfig } from './validate.js'

/** The names hearth looks for, in this order, in the project root. */
export const CONFIG_FILES = ['hearth.config.ts', 'hearth.config.mts', 'hearth.config.js', 'hearth.config.mjs'] as const

/** The nearest folder, from `cwd` upwards, holding a hearth config file, or null. */
export function findConfigFile(cwd: string): string | null {
  let dir = path.resolve(cwd)
  for (;;) {
    for (const name of CONFIG_FILES) {
      const candidate = path.join(dir, name)
      if (existsSync(candidate)) return candidate
    }
    const parent = path.dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

export interface LoadConfigOptions {
  /** Where to start looking (default: the current directory). */
  cwd?: string
  /** A config file to load instead of searching. */
  file?: string
}

/**
 * Finds, imports (TypeScript through tsx, no build step) and validates the project's config.
 * Throws `ConfigError` listing every problem; never returns a half-valid config.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<NormalizedConfig> {
  const cwd = options.cwd ?? process.cwd()
  const file = options.file === undefined ? findConfigFile(cwd) : path.resolve(cwd, options.file)
  if (file === null) {
    throw new ConfigError([
      {
        file: CONFIG_FILES[0],
        path: '(file)',
        message: `no ${CONFIG_FILES[0]} in ${path.resolve(cwd)} or any folder above it`,
        fix: 'run hearth from your project, or create hearth.config.ts with `export default defineConfig({ … })`',
      },
    ])
  }
  if (!existsSync(file)) {
    throw new ConfigError([{ file, path: '(file)', message: 'the file does not exist', fix: 'check the path given to --config' }])
  }
  const root = path.dirname(file)
  const relativeFile = path.basename(file)
  const exported = await importConfigModule(file, relativeFile)
  const result = validateConfig(exported, { root, file: relativeFile, defaultProject: defaultProjectName(root) })
  if (!result.ok) throw new ConfigError(result.issues)
  return result.config
}

async function importConfigModule(file: string, relativeFile: string): Promise<unknown> {
  let namespace: Record<string, unknown>
  try {
    const { tsImport } = await import('tsx/esm/api')
    namespace = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>
  } catch (error) {
    throw new ConfigError([
      {
        file: relativeFile,
        path: '(file)',
        message: `could not load the file: ${describeLoadError(error)}`,
        fix: 'fix the error above; the file must run as an ES module and `export default defineConfig({ … })`',
      },
    ])
  }
  if (!('default' in namespace) || namespace.default === undefined) {
    throw new ConfigError([
      {
        file: relativeFile,
        path: '(default export)',
        message: 'the file has no default export',
        fix: 'end it with `export default defineConfig({ environments: [...] })`',
      },
    ])
  }
  const value = namespace.default
  // A module compiled to CommonJS and imported from ESM nests its exports under `default`.
  if (typeof value === 'object' && value !== null && 'default' in value && !('environments' in value)) {
    return (value as { default: unknown }).default
  }
  return value
}

function describeLoadError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const first = error.message.split('\n').find((line) => line.trim() !== '') ?? error.message
  return first.trim()
}

/** The root package.json's name made label-safe (`@acme/shop` → `acme-shop`), else the folder name. */
export function defaultProjectName(root: string): string {
  let name = path.basename(root)
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name?: unknown }
    if (typeof pkg.name === 'string' && pkg.name.trim() !== '') name = pkg.name
  } catch {
    // no package.json, or not JSON: the folder name will do
  }
  const safe = name
    .replace(/^@/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
  return safe === '' ? 'project' : safe
}
