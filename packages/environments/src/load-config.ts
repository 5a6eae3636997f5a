import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { importCompiledConfig } from './compile-config.js'
import { configCache } from './config-cache.js'
import { defaultExport, describeThrown, PLACE_DEPTH, snapshotConfig } from './config-snapshot.js'
import { ConfigError } from './issues.js'
import type { NormalizedConfig } from './types.js'
import type { ValidateOptions } from './validate.js'

/** The names hearth looks for, in this order, in the project root. */
export const CONFIG_FILES = [
  'hearth.config.ts',
  'hearth.config.mts',
  'hearth.config.js',
  'hearth.config.mjs',
] as const

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
 * Finds, imports (TypeScript compiled by esbuild and cached, no build step) and validates the
 * project's config (the result kept while the config and hearth are unchanged: config-cache.ts).
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
    throw new ConfigError([
      { file, path: '(file)', message: 'the file does not exist', fix: 'check the path given to --config' },
    ])
  }
  const root = path.dirname(file)
  const relativeFile = path.basename(file)
  const namespace = await importConfigModule(file, root, relativeFile)
  const validate: ValidateOptions = { root, file: relativeFile, defaultProject: defaultProjectName(root) }
  const snapshot = snapshotConfig(defaultExport(namespace, relativeFile), PLACE_DEPTH)
  const kept = configCache(file, validate)?.look(snapshot)
  if (kept?.config != null) return kept.config
  // The validator (zod and the schema) is loaded only when the config is new to it.
  const { validateSnapshot } = await import('./validate.js')
  const result = validateSnapshot(snapshot, validate)
  if (!result.ok) throw new ConfigError(result.issues)
  kept?.keep(result.config)
  return result.config
}

async function importConfigModule(file: string, root: string, relativeFile: string): Promise<unknown> {
  try {
    // Compiled once and cached (see compile-config.ts); through tsx where it cannot be cached.
    const compiled = await importCompiledConfig(file)
    if (compiled !== null) return compiled.namespace
    const { tsImport } = await import('tsx/esm/api')
    return await tsImport(pathToFileURL(file).href, import.meta.url)
  } catch (error) {
    const description = describeLoadError(error, root)
      // A package the config imports is missing: Node names the cached module; it is the config's.
      .replace(/node_modules\/\.cache\/hearth\/config-[0-9a-f]+-[0-9a-f]+\.mjs/g, relativeFile)
    // A syntax error names its file (`environments/backend.ts:3:9: …`): attribute it there.
    const located = /^([^\s:][^:]*\.[cm]?[jt]sx?):\d+:\d+: /.exec(description)?.[1]
    throw new ConfigError([
      {
        file: located !== undefined && !path.isAbsolute(located) ? located : relativeFile,
        path: '(file)',
        message: `could not load the file: ${description}`,
        fix: 'fix the error above; the file must run as an ES module and `export default defineConfig({ … })`',
      },
    ])
  }
}

/** The first useful line of a load error, paths inside the root made relative. Never a stack. */
function describeLoadError(error: unknown, root: string): string {
  // What a module throws can be anything, a proxy or an object that cannot become a string included.
  let message: string
  try {
    // Errors that crossed from the loader's thread are no native errors, but keep their message.
    const text = typeof error === 'object' && error !== null ? Reflect.get(error, 'message') : error
    message = typeof text === 'string' ? text : describeThrown(error)
  } catch {
    message = describeThrown(error)
  }
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  // esbuild heads its message with a count; the error itself is on the next line.
  const useful =
    lines.length > 1 && /^(?:Transform|Build) failed with \d+ errors?:?$/.test(lines[0] as string)
      ? lines.slice(1)
      : lines
  const first = useful[0] ?? message.trim()
  return first.split(root + path.sep).join('')
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
