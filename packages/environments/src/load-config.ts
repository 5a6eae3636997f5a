import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { importCompiledConfig } from './compile-config.js'
import { describeThrown } from './config-snapshot.js'
import { ConfigError } from './issues.js'
import type { NormalizedConfig } from './types.js'
import { type ValidateOptions, validateConfig } from './validate.js'

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
 * project's config.
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
  return configFromModule(namespace, { root, file: relativeFile, defaultProject: defaultProjectName(root) })
}

/**
 * The config a loaded module exports, validated: what `loadConfig` does once the file has run.
 * Throws `ConfigError` and nothing else, whatever the module holds: its exports are read through
 * guarded reads only (a getter or a proxy that throws is a problem in the config, not a crash).
 */
export function configFromModule(namespace: unknown, options: ValidateOptions): NormalizedConfig {
  const result = validateConfig(defaultExport(namespace, options.file), options)
  if (!result.ok) throw new ConfigError(result.issues)
  return result.config
}

function defaultExport(namespace: unknown, file: string): unknown {
  let value: unknown
  try {
    value = Reflect.get(Object(namespace), 'default')
    // Outside a `"type": "module"` package tsx compiles the file to CommonJS: the namespace's
    // default is then `module.exports`, marked `__esModule`, and the file's own default export is
    // inside it.
    if (typeof value === 'object' && value !== null && Reflect.get(value, '__esModule') === true) {
      value = Reflect.get(value, 'default')
    }
  } catch (error) {
    throw new ConfigError([
      {
        file,
        path: '(default export)',
        message: `reading the default export threw ${describeThrown(error)}`,
        fix: 'export the config object itself: `export default defineConfig({ … })`',
      },
    ])
  }
  if (value === undefined) {
    throw new ConfigError([
      {
        file,
        path: '(default export)',
        message: 'the file has no default export',
        fix: 'end it with `export default defineConfig({ environments: [...] })`',
      },
    ])
  }
  return value
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
