import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { isBuiltin, SourceMap } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * hearth.config.ts compiled once, then imported as plain JavaScript. esbuild bundles the config and
 * the project files it imports (relative paths, tsconfig aliases) into one ES module; packages stay
 * imports that Node resolves as it would from the config's folder. The module is cached in
 * `node_modules/.cache/hearth/` beside the config, with the content hash of every file that went
 * into it: while none of them changes, a command imports the cached module (tens of milliseconds)
 * instead of compiling every module of the graph through a loader hook (about a second on the demo,
 * on every command).
 *
 * `null` when there is no `node_modules` folder beside the config (nothing could resolve its
 * packages from the cache), it cannot be written, or HEARTH_CONFIG_CACHE=0: the caller loads the
 * file another way.
 */
export async function importCompiledConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ namespace: unknown } | null> {
  // The way out, should the compiled config ever behave unlike the source: load it through tsx.
  if (env.HEARTH_CONFIG_CACHE === '0') return null
  const root = path.dirname(file)
  const modules = path.join(root, 'node_modules')
  if (!existsSync(modules)) return null
  const dir = path.join(modules, '.cache', 'hearth')
  const base = `config-${digest(file).slice(0, 12)}`
  const manifestFile = path.join(dir, `${base}.json`)

  const cached = readManifest(manifestFile)
  if (cached !== null && inputsUnchanged(cached)) {
    // These very files could not be served compiled last time: not worth compiling again.
    if (cached.module === null) return null
    const imported = await importIfPresent(path.join(dir, cached.module))
    if (imported === 'fallback') return null
    if (imported !== 'missing') return imported
  }

  const compiled = await bundle(file, root, dir)
  const module = compiled.code === null ? null : `${base}-${digest(compiled.code).slice(0, 16)}.mjs`
  try {
    mkdirSync(dir, { recursive: true })
    if (module !== null && compiled.code !== null) {
      writeAtomically(path.join(dir, `${module}.map`), compiled.map)
      writeAtomically(path.join(dir, module), compiled.code)
    }
    const manifest: Manifest = { format: FORMAT, module, inputs: compiled.inputs }
    writeAtomically(manifestFile, `${JSON.stringify(manifest)}\n`)
  } catch {
    return null // a read-only or full disk: not worth failing the command for
  }
  // Older modules of this config: the ones another hearth might still be importing are read by now.
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${base}-`) && (module === null || !name.startsWith(module))) {
      rmSync(path.join(dir, name), { force: true })
    }
  }
  if (module === null) return null
  const imported = await importIfPresent(path.join(dir, module))
  // 'missing': a hearth compiling an edit of the same config at the same moment replaced it.
  return imported === 'fallback' || imported === 'missing' ? null : imported
}

/**
 * Where the definitions a compiled config makes come from. `defineEnvironment` records the file
 * that called it from the stack; in a compiled config that is the cached module, so it asks here
 * for the project file the line came from. Global (by a registered symbol): the project's copy
 * of this package and hearth's own may be two module instances.
 */
const SOURCES: unique symbol = Symbol.for('hearth.compiledConfigSources') as never

type SourceOf = (line: number, column: number) => string | null

function sources(): Map<string, SourceOf> {
  const holder = globalThis as { [SOURCES]?: Map<string, SourceOf> }
  holder[SOURCES] ??= new Map()
  return holder[SOURCES]
}

/** The project file behind a line (1-based) and column (1-based) of a compiled config, if it is one. */
export function compiledSourceOf(file: string, line: number, column: number): string | null {
  const lookup = (globalThis as { [SOURCES]?: Map<string, SourceOf> })[SOURCES]?.get(file)
  return lookup === undefined ? null : lookup(line, column)
}

function registerSourceMap(module: string): void {
  let map: SourceMap
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${module}.map`, 'utf8')))
  } catch {
    return // without its map, definitions are attributed to the config file itself
  }
  const dir = path.dirname(module)
  sources().set(module, (line, column) => {
    const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string }
    const source = entry.originalSource
    if (source === undefined || source === '') return null
    return source.startsWith('file:') ? fileURLToPath(source) : path.resolve(dir, source)
  })
}

/** Bumped when what is cached changes shape or meaning: older caches are then rebuilt. */
const FORMAT = 1

interface Manifest {
  format: number
  /** The module's file name, in the cache folder; null: these files load through tsx (see `bundle`). */
  module: string | null
  /** Every file bundled, absolute, with the sha256 of the content that was bundled. */
  inputs: Array<[string, string]>
}

/** Thrown by the bundler: the config or a file it imports does not compile or resolve. */
export class ConfigCompileError extends Error {
  override name = 'ConfigCompileError'
}

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx' | 'json'> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
  '.json': 'json',
}

/** What a module would see of its own location: injected where a file uses it (see `bundle`). */
const OWN_LOCATION = /\bimport\.meta\.(?:url|dirname|filename)\b|\b__dirname\b|\b__filename\b/

async function bundle(
  file: string,
  root: string,
  dir: string,
): Promise<
  | { code: string; map: string; inputs: Array<[string, string]> }
  | { code: null; inputs: Array<[string, string]> }
> {
  const { build } = await import('esbuild')
  const inputs: Array<[string, string]> = []
  // A package that a file of the config imports and that Node would find elsewhere from the
  // cache's folder (a workspace package's own dependency, under pnpm): served compiled, the import
  // would fail or load another copy. Such a config loads through tsx, which resolves from each file.
  let resolvesElsewhere = false
  let result: Awaited<ReturnType<typeof build>>
  try {
    result = await build({
      entryPoints: [file],
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      // Named for the folder it is written to, so that the map's paths are relative to it.
      outfile: path.join(dir, 'config.mjs'),
      sourcemap: 'external',
      logLevel: 'silent',
      // `require` of a package, in a file written for CommonJS, works as it would there.
      banner: {
        js: "import { createRequire as __hearthCreateRequire } from 'node:module'\nconst require = __hearthCreateRequire(import.meta.url)",
      },
      define: {
        'import.meta.url': '__hearthFileUrl',
        'import.meta.dirname': '__hearthDirname',
        'import.meta.filename': '__hearthFilename',
        __dirname: '__hearthDirname',
        __filename: '__hearthFilename',
      },
      plugins: [
        {
          name: 'hearth-config-inputs',
          setup(plugin) {
            // An import by URL (`file:///…/index.ts`) is Node's to load, as it would be unbundled.
            plugin.onResolve({ filter: /^[a-z][a-z0-9+.-]*:/i }, (args) =>
              args.path.startsWith('node:') ? undefined : { path: args.path, external: true },
            )
            // Packages stay imports, for Node to resolve (a tsconfig alias to project files, which
            // no node_modules folder holds, is bundled like any file).
            plugin.onResolve({ filter: /^[^./]/ }, (args) => {
              if (isBuiltin(args.path)) return { path: args.path, external: true }
              const name = packageName(args.path)
              const here = packageDir(args.resolveDir, name)
              if (here === null) return undefined // an alias, or nothing: esbuild resolves or says why
              if (packageDir(root, name) !== here) resolvesElsewhere = true
              return { path: args.path, external: true }
            })
            // Every file bundled is read here: its hash is of exactly what went into the module.
            plugin.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
              const contents = readFileSync(args.path)
              inputs.push([args.path, digest(contents)])
              const loader = LOADERS[path.extname(args.path)]
              if (loader === undefined) return { contents, loader: 'default' }
              const text = contents.toString('utf8')
              if (loader === 'json' || !OWN_LOCATION.test(text)) return { contents: text, loader }
              // The bundle lives elsewhere: a file that asks where it is gets its own answer.
              // On the first line, so that the lines of errors stay those of the file.
              const own = `const __hearthFileUrl = ${JSON.stringify(pathToFileURL(args.path).href)}, __hearthDirname = ${JSON.stringify(path.dirname(args.path))}, __hearthFilename = ${JSON.stringify(args.path)};`
              return { contents: own + text, loader }
            })
          },
        },
      ],
    })
  } catch (error) {
    // esbuild's own report: "Build failed with 1 error:\nhearth.config.ts:2:0: ERROR: …".
    throw new ConfigCompileError((error as Error).message)
  }
  if (resolvesElsewhere) return { code: null, inputs }
  const code = result.outputFiles?.find((output) => output.path.endsWith('.mjs'))
  const map = result.outputFiles?.find((output) => output.path.endsWith('.map'))
  if (code === undefined || map === undefined) throw new ConfigCompileError('esbuild wrote nothing')
  // The map's name as esbuild wrote it (config.mjs.map) changes with the module's: drop the comment.
  return { code: code.text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'), map: map.text, inputs }
}

/** `@scope/name` or `name`, from an import of the package or of a file in it. */
function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/')
}

/** The real folder of the package Node would find from `dir` (node_modules upwards), or null. */
function packageDir(dir: string, name: string): string | null {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules', name)
    if (existsSync(candidate)) return realpathSync(candidate)
    if (path.dirname(current) === current) return null
  }
}

function readManifest(file: string): Manifest | null {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>
    if (
      manifest.format !== FORMAT ||
      typeof manifest.module !== 'string' ||
      !Array.isArray(manifest.inputs)
    ) {
      return null
    }
    return manifest as Manifest
  } catch {
    return null
  }
}

function inputsUnchanged(manifest: Manifest): boolean {
  return manifest.inputs.every(([file, hash]) => {
    try {
      return digest(readFileSync(file)) === hash
    } catch {
      return false
    }
  })
}

/**
 * The module's namespace; 'missing' when the file is gone (another hearth replaced it); 'fallback'
 * when Node cannot run what it imports.
 */
async function importIfPresent(file: string): Promise<{ namespace: unknown } | 'missing' | 'fallback'> {
  if (!existsSync(file)) return 'missing'
  registerSourceMap(file)
  try {
    return { namespace: await import(pathToFileURL(file).href) }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' && !existsSync(file)) return 'missing'
    // A package whose exports lead Node to TypeScript it cannot run (a workspace resolving a
    // source condition, as hearth's own tests do): Node fails while linking, before any of the
    // config ran. The caller loads the config through tsx, which can.
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION') return 'fallback'
    throw error
  }
}

/**
 * Written beside, then renamed over: a reader (another hearth) never sees half a file. `mode`: the
 * new file's permissions (default: the process's usual).
 */
export function writeAtomically(file: string, content: string, mode?: number): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(temporary, content, mode === undefined ? undefined : { mode })
    renameSync(temporary, file)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}

function digest(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex')
}
