import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CachedFileSystem } from './file-system.js'
import { type Resolution, type ResolutionMode, Resolver, splitPackageSpecifier } from './resolver.js'
import { createFixtures } from './test-support.js'
import { TsconfigLoader } from './tsconfig.js'
import { Workspace } from './workspace.js'
import { parsePnpmWorkspacePackages } from './workspace-globs.js'

const fixtures = createFixtures('resolver')
afterAll(() => fixtures.cleanup())

/**
 * A pnpm-style workspace with one of each way a monorepo links its code:
 * - @fx/lib-src: `exports` with a custom source condition (from the tsconfig's `customConditions`),
 *   a `*` subpath pattern whose source condition is just `source`, and an unexported internal file.
 * - @fx/lib-dist: `main`/`types` into `dist` (never built here), tsconfig rootDir/outDir, a build script.
 * - @fx/guess: `main` into `dist/esm/*.mjs` with no tsconfig (the dist → src guess); not linked in
 *   node_modules, so found by name among the workspace packages.
 * - @fx/dual: plain JavaScript with `import`/`require` conditions.
 * - @fx/lib-imports: package `imports` (`#internal/*`, and `#dep` naming another package).
 * - left-pad: a third-party package in node_modules/.pnpm.
 * - apps/web: its tsconfig extends the root's (baseUrl + paths); apps/admin has its own `paths`,
 *   which replace the inherited ones, as TypeScript does.
 */
const FILES = {
  'package.json': { name: 'fixture', private: true },
  'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n  - apps/*  # apps\n",
  'tsconfig.base.json': `{
    // comments and trailing commas, as tsconfig files have them
    "compilerOptions": {
      "baseUrl": ".",
      "paths": { "@lib/*": ["packages/lib-src/src/*"], "@exact": ["packages/lib-src/src/a.ts"], },
      "customConditions": ["@fx/source"],
    },
  }`,
  'tsconfig.json': { extends: './tsconfig.base.json' },
  'packages/lib-src/package.json': {
    name: '@fx/lib-src',
    exports: {
      '.': { '@fx/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './feature/*': {
        types: './dist/features/*.d.ts',
        source: './src/features/*.ts',
        default: './dist/features/*.js',
      },
      './feature/internal/*': null,
      './package.json': './package.json',
    },
  },
  'packages/lib-src/src/index.ts': "export * from './a.js'\nexport { b } from './b'\n",
  'packages/lib-src/src/a.ts': 'export const a = 1\n',
  'packages/lib-src/src/b/index.ts': 'export const b = 1\n',
  'packages/lib-src/src/features/x.ts': 'export const x = 1\n',
  'packages/lib-src/src/features/internal/y.ts': 'export const y = 1\n',
  'packages/lib-src/src/private.ts': 'export const p = 1\n',
  'packages/lib-dist/package.json': {
    name: '@fx/lib-dist',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    scripts: { build: 'tsc -p tsconfig.build.json' },
  },
  'packages/lib-dist/tsconfig.build.json': { compilerOptions: { rootDir: 'src', outDir: 'dist' } },
  'packages/lib-dist/src/index.ts': "export * from './util.js'\n",
  'packages/lib-dist/src/util.ts': 'export const util = 1\n',
  'packages/guess/package.json': { name: '@fx/guess', main: './dist/esm/index.mjs' },
  'packages/guess/src/index.mts': 'export const g = 1\n',
  'packages/dual/package.json': {
    name: '@fx/dual',
    exports: { '.': { import: './esm/index.mjs', require: './cjs/index.cjs' } },
  },
  'packages/dual/esm/index.mjs': 'export const d = 1\n',
  'packages/dual/cjs/index.cjs': "module.exports = require('./helper')\n",
  'packages/dual/cjs/helper.cjs': 'module.exports = 1\n',
  'packages/lib-imports/package.json': {
    name: '@fx/lib-imports',
    imports: { '#internal/*': './src/internal/*.ts', '#dep': '@fx/lib-src', '#fs': 'node:fs' },
  },
  'packages/lib-imports/src/index.ts': "export * from '#internal/x'\n",
  'packages/lib-imports/src/internal/x.ts': 'export const x = 1\n',
  'node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/package.json': {
    name: 'left-pad',
    main: 'index.js',
  },
  'node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/index.js': 'module.exports = 1\n',
  'apps/web/package.json': { name: 'web', dependencies: { '@fx/lib-src': 'workspace:*' } },
  'apps/web/tsconfig.json': { extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true } },
  'apps/web/src/main.ts': '',
  'apps/web/src/helpers.ts': '',
  'apps/web/src/esm.mts': '',
  'apps/web/src/common.cts': '',
  'apps/web/src/widget.tsx': '',
  'apps/web/src/plain.js': '',
  'apps/web/src/both.ts': '',
  'apps/web/src/both.js': '',
  'apps/web/src/declared.d.ts': '',
  'apps/web/src/dir/index.ts': '',
  'apps/web/src/pkgdir/package.json': { main: './entry.js' },
  'apps/web/src/pkgdir/entry.ts': '',
  'apps/web/src/data.json': '{}',
  'apps/web/src/styles.css': '',
  'apps/admin/package.json': { name: 'admin' },
  'apps/admin/tsconfig.json': {
    extends: '../../tsconfig.base.json',
    compilerOptions: { baseUrl: null, paths: { '~/*': ['./src/*'] } },
  },
  'apps/admin/src/main.ts': '',
  'apps/admin/src/page.ts': '',
}
const LINKS = {
  'apps/web/node_modules/@fx/lib-src': '../../../../packages/lib-src',
  'apps/web/node_modules/@fx/lib-dist': '../../../../packages/lib-dist',
  'apps/web/node_modules/@fx/dual': '../../../../packages/dual',
  'apps/web/node_modules/left-pad': '../../../node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad',
  'packages/lib-imports/node_modules/@fx/lib-src': '../../../lib-src',
}

let root: string
let resolver: Resolver
beforeAll(() => {
  root = fixtures.write(FILES, LINKS)
  const fs = new CachedFileSystem()
  const tsconfigs = new TsconfigLoader(fs, root)
  resolver = new Resolver(fs, tsconfigs, new Workspace(root, fs, tsconfigs))
})

/** A resolution in words, paths relative to the root. */
function resolve(importer: string, specifier: string, mode: ResolutionMode = 'import'): string {
  const resolution: Resolution = resolver.resolve(specifier, path.join(root, importer), mode)
  switch (resolution.type) {
    case 'file': {
      const file = path.relative(root, resolution.file)
      if (!resolution.buildOutput) return file
      const { package: pkg, output } = resolution.buildOutput
      return `${file} (build output ${path.relative(root, output)} of ${pkg.name}, build script: ${pkg.hasBuildScript})`
    }
    case 'unresolved':
      return `unresolved: ${resolution.reason}`
    case 'external':
      return `external ${path.isAbsolute(resolution.package) ? path.relative(root, resolution.package) : resolution.package}`
    case 'builtin':
      return 'builtin'
  }
}

const WEB = 'apps/web/src/main.ts'

describe('relative specifiers', () => {
  it.each([
    ['./helpers.js', 'apps/web/src/helpers.ts'],
    ['./helpers', 'apps/web/src/helpers.ts'],
    ['./helpers.ts', 'apps/web/src/helpers.ts'],
    ['./esm.mjs', 'apps/web/src/esm.mts'],
    ['./esm', 'apps/web/src/esm.mts'],
    ['./common.cjs', 'apps/web/src/common.cts'],
    ['./widget.js', 'apps/web/src/widget.tsx'],
    ['./widget', 'apps/web/src/widget.tsx'],
    ['./plain.js', 'apps/web/src/plain.js'],
    ['./both.js', 'apps/web/src/both.ts'],
    ['./declared.js', 'apps/web/src/declared.d.ts'],
    ['./dir', 'apps/web/src/dir/index.ts'],
    ['./dir/', 'apps/web/src/dir/index.ts'],
    ['./dir/index.js', 'apps/web/src/dir/index.ts'],
    ['./pkgdir', 'apps/web/src/pkgdir/entry.ts'],
    ['./data.json', 'apps/web/src/data.json'],
    ['./styles.css?inline', 'apps/web/src/styles.css'],
    ['../src/helpers.js', 'apps/web/src/helpers.ts'],
    ['.', 'unresolved: no such file'],
    ['./missing.js', 'unresolved: no such file'],
    ['../../../packages/lib-src/src/a.js', 'packages/lib-src/src/a.ts'],
  ])('%s', (specifier, expected) => {
    expect(resolve(WEB, specifier)).toBe(expected)
  })

  it('a file: URL', () => {
    expect(resolve(WEB, `file://${root}/apps/web/src/helpers.js`)).toBe('apps/web/src/helpers.ts')
  })
})

describe('tsconfig paths and baseUrl', () => {
  it.each([
    [WEB, '@lib/a', 'packages/lib-src/src/a.ts'],
    [WEB, '@lib/a.js', 'packages/lib-src/src/a.ts'],
    [WEB, '@lib/b', 'packages/lib-src/src/b/index.ts'],
    [WEB, '@exact', 'packages/lib-src/src/a.ts'],
    [WEB, 'apps/web/src/helpers', 'apps/web/src/helpers.ts'],
    // admin's own `paths` replace the inherited ones, relative to its tsconfig (its baseUrl is unset).
    ['apps/admin/src/main.ts', '~/page', 'apps/admin/src/page.ts'],
    [
      'apps/admin/src/main.ts',
      '@lib/a',
      'unresolved: package @lib/a is not installed and is not a workspace package',
    ],
  ])('%s imports %s', (importer, specifier, expected) => {
    expect(resolve(importer, specifier)).toBe(expected)
  })
})

describe('packages', () => {
  it.each([
    ['@fx/lib-src', 'packages/lib-src/src/index.ts'],
    ['@fx/lib-src/feature/x', 'packages/lib-src/src/features/x.ts'],
    ['@fx/lib-src/feature/internal/y', 'unresolved: ./feature/internal/y is not exported by @fx/lib-src'],
    ['@fx/lib-src/package.json', 'packages/lib-src/package.json'],
    ['@fx/lib-src/src/private', 'unresolved: ./src/private is not exported by @fx/lib-src'],
    [
      '@fx/lib-dist',
      'packages/lib-dist/src/index.ts (build output packages/lib-dist/dist/index.js of @fx/lib-dist, build script: true)',
    ],
    [
      '@fx/lib-dist/dist/util.js',
      'packages/lib-dist/src/util.ts (build output packages/lib-dist/dist/util.js of @fx/lib-dist, build script: true)',
    ],
    [
      '@fx/guess',
      'packages/guess/src/index.mts (build output packages/guess/dist/esm/index.mjs of @fx/guess, build script: false)',
    ],
    ['@fx/dual', 'packages/dual/esm/index.mjs'],
    ['left-pad', 'external left-pad'],
    ['vitest', 'unresolved: package vitest is not installed and is not a workspace package'],
    ['node:fs', 'builtin'],
    ['fs/promises', 'builtin'],
    ['https://example.test/x.js', 'external https://example.test/x.js'],
  ])('%s', (specifier, expected) => {
    expect(resolve(WEB, specifier)).toBe(expected)
  })

  it('takes the require condition for require()', () => {
    expect(resolve(WEB, '@fx/dual', 'require')).toBe('packages/dual/cjs/index.cjs')
    expect(resolve('packages/dual/cjs/index.cjs', './helper', 'require')).toBe('packages/dual/cjs/helper.cjs')
  })

  it.each([
    ['#internal/x', 'packages/lib-imports/src/internal/x.ts'],
    ['#dep', 'packages/lib-src/src/index.ts'],
    ['#fs', 'builtin'],
    ['#nope', 'unresolved: #nope is not in the imports of @fx/lib-imports'],
  ])('package imports: %s', (specifier, expected) => {
    expect(resolve('packages/lib-imports/src/index.ts', specifier)).toBe(expected)
  })
})

describe('splitPackageSpecifier', () => {
  it.each([
    ['a', 'a', '.'],
    ['a/b/c', 'a', './b/c'],
    ['@s/a', '@s/a', '.'],
    ['@s/a/b', '@s/a', './b'],
    ['@s', undefined, '.'],
  ])('%s', (specifier, name, subpath) => {
    expect(splitPackageSpecifier(specifier)).toEqual({ name, subpath })
  })
})

describe('parsePnpmWorkspacePackages', () => {
  it.each([
    [
      "packages:\n  - 'packages/*'\n  - \"apps/*\" # comment\n  - '!**/test/**'\ncatalog:\n  a: 1\n",
      ['packages/*', 'apps/*', '!**/test/**'],
    ],
    ['# top\npackages: [packages/*, "apps/*"]\n', ['packages/*', 'apps/*']],
    ['catalog:\n  a: 1\n', []],
  ])('%j', (yaml, expected) => {
    expect(parsePnpmWorkspacePackages(yaml)).toEqual(expected)
  })
})
