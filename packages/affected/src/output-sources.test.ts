import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CachedFileSystem } from './file-system.js'
import { sourceExtensionsFor } from './output-sources.js'
import { type ResolutionMode, Resolver } from './resolver.js'
import { createFixtures, type FixtureFiles } from './test-support.js'
import { TsconfigLoader } from './tsconfig.js'
import { Workspace } from './workspace.js'

const fixtures = createFixtures('outputs')
afterAll(() => fixtures.cleanup())

const NESTED = (stem: string) => ({
  import: { types: `./dist/${stem}.d.mts`, default: `./dist/${stem}.mjs` },
  require: { types: `./dist/${stem}.d.cts`, default: `./dist/${stem}.cjs` },
})

/**
 * One package per way a monorepo builds and links its packages, as sources only (a fresh clone).
 * The sources are named so that only the intended rule can find them.
 */
const SOURCES: FixtureFiles = {
  'package.json': { name: 'fixture', private: true },
  'pnpm-workspace.yaml': 'packages:\n  - packages/*\n',
  // tsdown, nested conditions, the default entry (src/index.ts): the common layout maps it.
  'packages/core/package.json': {
    name: '@fx/core',
    exports: { '.': NESTED('index'), './package.json': './package.json' },
    scripts: { build: 'tsdown' },
  },
  'packages/core/tsconfig.json': { compilerOptions: { noEmit: true } },
  'packages/core/tsdown.config.ts':
    "import { defineConfig } from 'tsdown'\nexport default defineConfig({ dts: true })\n",
  'packages/core/src/index.ts': "export * from './keys.js'\n",
  'packages/core/src/keys.ts': 'export const key = 1\n',
  // tsdown with a named entry whose file is not called index: only the config says where it is.
  'packages/named/package.json': { name: '@fx/named', exports: { '.': NESTED('index') } },
  'packages/named/tsdown.config.mts': "export default { entry: { index: 'src/main.ts' }, outDir: 'dist' }\n",
  'packages/named/src/main.ts': '',
  // tsup: object entries and a `./json` subpath whose source is src/json/entry.ts.
  'packages/serialize/package.json': {
    name: '@fx/serialize',
    exports: { '.': NESTED('index'), './json': NESTED('json') },
  },
  'packages/serialize/tsup.config.ts':
    "export default defineConfig({ entry: { index: 'src/index.ts', json: 'src/json/entry.ts' }, format: ['esm', 'cjs'], dts: true })\n",
  'packages/serialize/src/index.ts': '',
  'packages/serialize/src/json/entry.ts': '',
  // tsup from package.json's `tsup` field, main/module/types, a glob entry.
  'packages/field/package.json': {
    name: '@fx/field',
    main: './out/start.js',
    module: './out/start.mjs',
    types: './out/start.d.ts',
    tsup: { entry: ['lib/*.ts', '!lib/*.test.ts'], outDir: 'out' },
  },
  'packages/field/lib/start.ts': '',
  'packages/field/lib/start.test.ts': '',
  // unbuild: an extension-less entry, a renamed one, a mkdist folder.
  'packages/unbuilt/package.json': {
    name: '@fx/unbuild',
    main: './dist/index.cjs',
    exports: {
      '.': { import: './dist/index.mjs', require: './dist/index.cjs' },
      './bin': './dist/bin.mjs',
      './runtime/*': './dist/runtime/*.mjs',
    },
  },
  'packages/unbuilt/build.config.ts':
    "export default defineBuildConfig({ entries: ['src/index', { input: 'src/cli/run', name: 'bin' }, 'src/runtime/'] })\n",
  'packages/unbuilt/src/index.ts': '',
  'packages/unbuilt/src/cli/run.ts': '',
  'packages/unbuilt/src/runtime/plugin.mts': '',
  // tsc: tsconfig rootDir/outDir, main/types to .js/.d.ts.
  'packages/utils/package.json': { name: '@fx/utils', main: './dist/index.js', types: './dist/index.d.ts' },
  'packages/utils/tsconfig.build.json': {
    compilerOptions: { rootDir: 'src', outDir: 'dist', declarationMap: true },
  },
  'packages/utils/src/index.ts': '',
  // No config at all: `dist/esm/*` and `dist/cjs/*` mirror src.
  'packages/plain/package.json': {
    name: '@fx/plain',
    exports: {
      '.': {
        import: './dist/esm/index.js',
        require: './dist/cjs/index.cjs',
        types: './dist/types/index.d.ts',
      },
    },
  },
  'packages/plain/src/index.ts': '',
  // `types` and `default` only, into `build/`, and a subpath with nothing but `types`.
  'packages/defaults/package.json': {
    name: '@fx/defaults',
    exports: {
      '.': { types: './build/index.d.ts', default: './build/index.js' },
      './types': { types: './build/types.d.ts' },
    },
  },
  'packages/defaults/src/index.ts': '',
  'packages/defaults/src/types.ts': '',
  // Only a source map says where this one comes from (lib/, not src/).
  'packages/mapped/package.json': { name: '@fx/mapped', exports: { '.': NESTED('index') } },
  'packages/mapped/lib/helpers.ts': '',
  'packages/mapped/lib/entry.ts': '',
  // Exports its sources: plain files, no build output.
  'packages/suite/package.json': { name: '@fx/suite', exports: { '.': './src/index.ts' } },
  'packages/suite/src/index.ts': '',
  'apps/web/main.ts': '',
}

/** The same packages after their builds: output files and the maps their tools write. */
const map = (...sources: string[]) => ({
  version: 3,
  sources,
  sourcesContent: sources.map(() => ''),
  mappings: '',
})
const BUILT: FixtureFiles = {
  ...Object.fromEntries(
    ['index.mjs', 'index.cjs', 'index.d.mts', 'index.d.cts'].flatMap((file) => [
      [`packages/core/dist/${file}`, ''],
      [`packages/named/dist/${file}`, ''],
      [`packages/serialize/dist/${file}`, ''],
      [`packages/serialize/dist/${file.replace('index', 'json')}`, ''],
      [`packages/mapped/dist/${file}`, ''],
    ]),
  ),
  // rolldown lists the entry last; the map is what names lib/entry.ts.
  'packages/core/dist/index.mjs.map': map('../src/keys.ts', '../src/index.ts'),
  'packages/mapped/dist/index.mjs.map': map(
    '../lib/helpers.ts',
    '../lib/entry.ts',
    '../node_modules/dep/x.js',
  ),
  'packages/mapped/dist/index.d.mts.map': map('../lib/entry.ts'),
  'packages/utils/dist/index.js': '',
  'packages/utils/dist/index.js.map': map('../src/index.ts'),
  'packages/utils/dist/index.d.ts': '',
  'packages/utils/dist/index.d.ts.map': map('../src/index.ts'),
}

/**
 * What each import resolves to, unbuilt then built: `source [rule] ← output`, relative to the root.
 * Unbuilt, nothing but configs and the common layout can map; built, maps join in.
 */
const TABLE: [specifier: string, mode: ResolutionMode, unbuilt: string, built: string][] = [
  [
    '@fx/core',
    'import',
    'packages/core/src/index.ts [build-config] ← packages/core/dist/index.mjs',
    'packages/core/src/index.ts [source-map] ← packages/core/dist/index.mjs',
  ],
  [
    '@fx/core',
    'require',
    'packages/core/src/index.ts [build-config] ← packages/core/dist/index.cjs',
    'packages/core/src/index.ts [source-map] ← packages/core/dist/index.cjs',
  ],
  [
    '@fx/named',
    'import',
    'packages/named/src/main.ts [build-config] ← packages/named/dist/index.mjs',
    'packages/named/src/main.ts [build-config] ← packages/named/dist/index.mjs',
  ],
  [
    '@fx/serialize',
    'import',
    'packages/serialize/src/index.ts [build-config] ← packages/serialize/dist/index.mjs',
    'packages/serialize/src/index.ts [build-config] ← packages/serialize/dist/index.mjs',
  ],
  [
    '@fx/serialize/json',
    'require',
    'packages/serialize/src/json/entry.ts [build-config] ← packages/serialize/dist/json.cjs',
    'packages/serialize/src/json/entry.ts [build-config] ← packages/serialize/dist/json.cjs',
  ],
  [
    '@fx/field',
    'import',
    'packages/field/lib/start.ts [build-config] ← packages/field/out/start.mjs',
    'packages/field/lib/start.ts [build-config] ← packages/field/out/start.mjs',
  ],
  [
    '@fx/field',
    'require',
    'packages/field/lib/start.ts [build-config] ← packages/field/out/start.js',
    'packages/field/lib/start.ts [build-config] ← packages/field/out/start.js',
  ],
  [
    '@fx/unbuild',
    'import',
    'packages/unbuilt/src/index.ts [build-config] ← packages/unbuilt/dist/index.mjs',
    'packages/unbuilt/src/index.ts [build-config] ← packages/unbuilt/dist/index.mjs',
  ],
  [
    '@fx/unbuild/bin',
    'import',
    'packages/unbuilt/src/cli/run.ts [build-config] ← packages/unbuilt/dist/bin.mjs',
    'packages/unbuilt/src/cli/run.ts [build-config] ← packages/unbuilt/dist/bin.mjs',
  ],
  [
    '@fx/unbuild/runtime/plugin',
    'import',
    'packages/unbuilt/src/runtime/plugin.mts [layout] ← packages/unbuilt/dist/runtime/plugin.mjs',
    'packages/unbuilt/src/runtime/plugin.mts [layout] ← packages/unbuilt/dist/runtime/plugin.mjs',
  ],
  [
    '@fx/utils',
    'import',
    'packages/utils/src/index.ts [tsconfig] ← packages/utils/dist/index.js',
    'packages/utils/src/index.ts [tsconfig] ← packages/utils/dist/index.js',
  ],
  [
    '@fx/plain',
    'import',
    'packages/plain/src/index.ts [layout] ← packages/plain/dist/esm/index.js',
    'packages/plain/src/index.ts [layout] ← packages/plain/dist/esm/index.js',
  ],
  [
    '@fx/plain',
    'require',
    'packages/plain/src/index.ts [layout] ← packages/plain/dist/cjs/index.cjs',
    'packages/plain/src/index.ts [layout] ← packages/plain/dist/cjs/index.cjs',
  ],
  [
    '@fx/mapped',
    'import',
    'unresolved: . of @fx/mapped names ./dist/index.mjs, ./dist/index.d.mts: none exists, and no source is known for them',
    'packages/mapped/lib/entry.ts [source-map] ← packages/mapped/dist/index.mjs',
  ],
  [
    '@fx/mapped',
    'require',
    'unresolved: . of @fx/mapped names ./dist/index.cjs, ./dist/index.d.cts: none exists, and no source is known for them',
    'packages/mapped/lib/entry.ts [source-map] ← packages/mapped/dist/index.cjs',
  ],
  [
    '@fx/defaults',
    'require',
    'packages/defaults/src/index.ts [layout] ← packages/defaults/build/index.js',
    'packages/defaults/src/index.ts [layout] ← packages/defaults/build/index.js',
  ],
  [
    '@fx/defaults/types',
    'import',
    'packages/defaults/src/types.ts [layout] ← packages/defaults/build/types.d.ts',
    'packages/defaults/src/types.ts [layout] ← packages/defaults/build/types.d.ts',
  ],
  ['@fx/suite', 'import', 'packages/suite/src/index.ts', 'packages/suite/src/index.ts'],
]

function resolverFor(root: string): Resolver {
  const fs = new CachedFileSystem()
  const tsconfigs = new TsconfigLoader(fs, root)
  return new Resolver(fs, tsconfigs, new Workspace(root, fs, tsconfigs))
}

function describeResolution(
  root: string,
  resolver: Resolver,
  specifier: string,
  mode: ResolutionMode,
): string {
  const resolution = resolver.resolve(specifier, path.join(root, 'apps/web/main.ts'), mode)
  if (resolution.type === 'unresolved') return `unresolved: ${resolution.reason}`
  if (resolution.type !== 'file') return resolution.type
  const file = path.relative(root, resolution.file)
  if (!resolution.buildOutput) return file
  const { output, mappedBy } = resolution.buildOutput
  return `${file} [${mappedBy}] ← ${path.relative(root, output)}`
}

describe('build output → source', () => {
  let unbuilt: string
  let built: string
  beforeAll(() => {
    unbuilt = fixtures.write(SOURCES)
    built = fixtures.write({ ...SOURCES, ...BUILT })
  })

  it.each(TABLE)('%s (%s)', (specifier, mode, whenUnbuilt, whenBuilt) => {
    expect(describeResolution(unbuilt, resolverFor(unbuilt), specifier, mode)).toBe(whenUnbuilt)
    expect(describeResolution(built, resolverFor(built), specifier, mode)).toBe(whenBuilt)
  })

  it('names the package, its workspace dependencies and the files its build reads', () => {
    const resolution = resolverFor(built).resolve('@fx/core', path.join(built, 'apps/web/main.ts'), 'import')
    expect(resolution.type === 'file' && resolution.buildOutput?.package).toEqual({
      name: '@fx/core',
      dir: path.join(built, 'packages/core'),
      hasBuildScript: true,
      dependencies: [],
      configFiles: ['package.json', 'tsconfig.json', 'tsdown.config.ts'].map((f) =>
        path.join(built, 'packages/core', f),
      ),
    })
  })
})

describe('sourceExtensionsFor', () => {
  it.each([
    ['dist/index.mjs', '.mts .ts .tsx .mjs .js .jsx .cts .cjs'],
    ['dist/index.d.mts', '.mts .ts .tsx .mjs .js .jsx .cts .cjs'],
    ['dist/index.cjs', '.cts .ts .tsx .cjs .js .jsx .mts .mjs'],
    ['dist/index.js', '.ts .tsx .js .jsx .mts .cts .mjs .cjs'],
    ['dist/index.d.ts', '.ts .tsx .js .jsx .mts .cts .mjs .cjs'],
  ])('%s ← %s', (output, expected) => {
    expect(sourceExtensionsFor(output).join(' ')).toBe(expected)
  })
})
