/**
 * A synthetic pnpm workspace of ~10,000 source files, the same bytes for the same seed: the 10k-file
 * workspace of issue 13's benchmarks (`workspace.bench.ts`). What it holds, as real monorepos do:
 *
 * - `pnpm-workspace.yaml`, a root `package.json`, a root `tsconfig.json` with `paths` aliases
 *   (`@lib/<package>/*` → that package's `src/*`) and `customConditions`, and a `hearth.config.ts`
 *   with no environments (one test group), so `hearth dev` and `hearth affected` need no Docker;
 * - 50 packages (`@bench/<name>`), each depending on a few earlier ones (`workspace:*`, linked in its
 *   node_modules as pnpm links them), with a `package.json` `exports` map in one of four styles: a
 *   `source` condition, conditions nested under `import`/`require` (tsdown-style `dist/*.mjs`), a
 *   custom `@bench/source` condition, and build output only (`dist/*.js` from tsc, mapped back to
 *   `src/`); a `tsconfig.json` (one in five with a `paths` alias of its own, `~/*`), a
 *   `vitest.config.ts`, barrels (`src/index.ts` and one per module, named re-exports), and sources
 *   that import each other with `.js` specifiers (NodeNext), by package name, by subpath export, by
 *   path alias, type-only, and now and then through `import()`;
 * - 40 test files a package (`test/<module>/*.test.ts`, 2,000 in all) importing its sources;
 * - what must be ignored: `dist/` in half the packages, a `node_modules` with a third-party package
 *   and a `.pnpm` store, a `.git` folder.
 *
 * `generateWorkspace(dir)` writes it; `linkHearth(dir)` then links hearth and Vitest from this
 * repository into its node_modules (machine-specific, so kept apart from the seeded part).
 * As a script: `node --import tsx src/workspace/generate.ts <dir> [--seed N] [--no-link]`.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface WorkspaceOptions {
  /** The seed of everything random in it (default 13). */
  seed?: number
  /** How many packages (default 50). */
  packages?: number
  /** Test files per package (default 40). */
  testsPerPackage?: number
}

export interface GeneratedWorkspace {
  root: string
  seed: number
  packages: number
  /** Files hearth watches and the graph may read: everything outside node_modules, dist and .git. */
  sourceFiles: number
  testFiles: number
  /** Files under node_modules, dist and .git (to be ignored). */
  ignoredFiles: number
  /** A source file deep in the dependency graph (relative to the root), for `hearth affected`. */
  sampleChange: string
}

/** A small, fast, seeded generator (mulberry32): the same seed, the same workspace. */
function createRandom(seed: number) {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  const chance = (p: number): boolean => next() < p
  const sample = <T>(items: readonly T[], count: number): T[] => {
    const pool = [...items]
    const out: T[] = []
    while (out.length < count && pool.length > 0)
      out.push(pool.splice(Math.floor(next() * pool.length), 1)[0] as T)
    return out
  }
  const hex = (length: number): string => {
    let text = ''
    while (text.length < length) text += Math.floor(next() * 16).toString(16)
    return text
  }
  return { next, int, pick, chance, sample, hex }
}

const PACKAGE_WORDS = [
  'billing',
  'ledger',
  'auth',
  'accounts',
  'catalog',
  'checkout',
  'invoices',
  'payments',
  'search',
  'shipping',
  'inventory',
  'pricing',
  'orders',
  'reports',
  'audit',
  'notify',
  'mailer',
  'storage',
  'cache',
  'queue',
  'scheduler',
  'metrics',
  'tracing',
  'logging',
  'config',
  'flags',
  'i18n',
  'currency',
  'tax',
  'refunds',
  'coupons',
  'loyalty',
  'reviews',
  'media',
  'uploads',
  'export',
  'import',
  'sync',
  'webhooks',
  'sessions',
  'profiles',
  'teams',
  'roles',
  'policy',
  'quota',
  'ratelimit',
  'geo',
  'fx',
  'ranking',
  'feeds',
  'chat',
  'forms',
  'schema',
  'validation',
  'crypto',
  'tokens',
] as const
const MODULE_WORDS = [
  'core',
  'model',
  'store',
  'http',
  'util',
  'events',
  'io',
  'format',
  'parse',
  'rules',
  'query',
  'cache',
] as const
const FILE_WORDS = [
  'amount',
  'entry',
  'record',
  'batch',
  'cursor',
  'window',
  'bucket',
  'filter',
  'mapper',
  'reader',
  'writer',
  'client',
  'codec',
  'guard',
  'plan',
  'step',
  'table',
  'lookup',
  'range',
  'slice',
] as const

type ExportStyle = 'source' | 'nested' | 'custom' | 'output'
const STYLES: readonly ExportStyle[] = ['source', 'nested', 'custom', 'output']
const MODULES_PER_PACKAGE = 6
const THIRD_PARTY = 'fake-lodash'

interface SourceFile {
  /** Relative to the package's src/, without extension: `store/cursor-3`. */
  id: string
  module: string
  fn: string
}

interface PackagePlan {
  index: number
  word: string
  name: string
  dir: string
  style: ExportStyle
  ownAlias: boolean
  deps: PackagePlan[]
  modules: { name: string; files: SourceFile[] }[]
  /** What `src/index.ts` re-exports (the first few of each module). */
  publicFns: string[]
}

/** Writes the workspace into `dir` (created; must be empty or missing). */
export function generateWorkspace(dir: string, options: WorkspaceOptions = {}): GeneratedWorkspace {
  const seed = options.seed ?? 13
  const packageCount = options.packages ?? 50
  const testsPerPackage = options.testsPerPackage ?? 40
  const random = createRandom(seed)
  const root = path.resolve(dir)
  mkdirSync(root, { recursive: true })
  if (readdirSync(root).length > 0) throw new Error(`${root} is not empty`)
  let sourceFiles = 0
  let ignoredFiles = 0
  const write = (relative: string, text: string, ignored = false): void => {
    const file = path.join(root, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, text)
    if (ignored) ignoredFiles++
    else sourceFiles++
  }
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

  // ── the plan: packages, their modules and files, their dependencies (earlier packages only) ──
  const packages: PackagePlan[] = []
  for (let index = 0; index < packageCount; index++) {
    const word =
      (PACKAGE_WORDS[index % PACKAGE_WORDS.length] as string) +
      (index >= PACKAGE_WORDS.length ? `${Math.floor(index / PACKAGE_WORDS.length) + 1}` : '')
    const modules = random.sample(MODULE_WORDS, MODULES_PER_PACKAGE).map((module, m) => {
      const count = random.int(19, 31)
      const files: SourceFile[] = []
      for (let f = 0; f < count; f++) {
        files.push({
          id: `${module}/${random.pick(FILE_WORDS)}-${f}`,
          module,
          fn: `${camel(word)}${capital(module)}${f}`,
        })
      }
      return { name: module, files, order: m }
    })
    const pkg: PackagePlan = {
      index,
      word,
      name: `@bench/${word}`,
      dir: `packages/${word}`,
      style: STYLES[index % STYLES.length] as ExportStyle,
      ownAlias: index % 5 === 4,
      deps: index === 0 ? [] : random.sample(packages.slice(Math.max(0, index - 12)), random.int(1, 4)),
      modules,
      publicFns: modules.flatMap((module) => module.files.slice(0, 5).map((file) => file.fn)),
    }
    pkg.deps.sort((a, b) => a.index - b.index)
    packages.push(pkg)
  }

  // ── the root ──
  write('pnpm-workspace.yaml', "packages:\n  - 'packages/*'\n")
  write(
    'package.json',
    json({
      name: 'bench-10k',
      private: true,
      type: 'module',
      scripts: { test: 'pnpm -r test', build: 'pnpm -r build' },
      devDependencies: { hearth: '^0.1.0', typescript: '^6.0.0', vitest: '^4.1.0' },
    }),
  )
  const paths: Record<string, string[]> = {}
  for (const pkg of packages) paths[`@lib/${pkg.word}/*`] = [`./${pkg.dir}/src/*`]
  write(
    'tsconfig.json',
    json({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        customConditions: ['@bench/source'],
        strict: true,
        verbatimModuleSyntax: true,
        declaration: true,
        skipLibCheck: true,
        paths,
      },
      include: [],
    }),
  )
  write(
    'hearth.config.ts',
    `import { defineConfig } from 'hearth'

// No environments: \`hearth dev\` and \`hearth affected\` run here without Docker.
export default defineConfig({
  project: 'bench-10k',
  environments: [],
  tests: [{ name: 'unit', include: ['packages/*/test/**/*.test.ts'] }],
})
`,
  )
  write('.gitignore', 'node_modules\ndist\n.hearth\n')
  write('README.md', `# bench-10k\n\nA synthetic workspace (seed ${seed}) for hearth's benchmarks.\n`)

  // ── the packages ──
  for (const pkg of packages) {
    write(`${pkg.dir}/package.json`, json(packageJson(pkg, random.chance(0.3))))
    const tsconfig: { extends: string; compilerOptions: Record<string, unknown>; include: string[] } = {
      extends: '../../tsconfig.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist' },
      include: ['src'],
    }
    if (pkg.ownAlias) tsconfig.compilerOptions.paths = { '~/*': ['./src/*'] }
    write(`${pkg.dir}/tsconfig.json`, json(tsconfig))
    write(
      `${pkg.dir}/vitest.config.ts`,
      `import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n` +
        (pkg.style === 'custom' ? "  resolve: { conditions: ['@bench/source'] },\n" : '') +
        `  test: { include: ['test/**/*.test.ts'] },\n})\n`,
    )
    write(`${pkg.dir}/README.md`, `# ${pkg.name}\n\nThe ${pkg.word} package of the synthetic workspace.\n`)
    write(
      `${pkg.dir}/src/types.ts`,
      `/** What every function of ${pkg.name} takes. */\nexport interface Shape {\n  id: string\n  weight: number\n  tags: readonly string[]\n}\n\nexport type ${capital(camel(pkg.word))}Id = string & { readonly brand: '${pkg.word}' }\n`,
    )
    const barrel: string[] = ["export type { Shape } from './types.js'"]
    for (const module of pkg.modules) {
      const names = module.files.slice(0, 5).map((file) => file.fn)
      barrel.push(`export { ${names.join(', ')} } from './${module.name}/index.js'`)
      write(
        `${pkg.dir}/src/${module.name}/index.ts`,
        `${module.files.map((file) => `export { ${file.fn} } from './${path.basename(file.id)}.js'`).join('\n')}\n`,
      )
    }
    write(`${pkg.dir}/src/index.ts`, `${barrel.join('\n')}\n`)
    pkg.modules.forEach((module, m) => {
      module.files.forEach((file, f) => {
        write(`${pkg.dir}/src/${file.id}.ts`, sourceFile(pkg, m, f, random))
      })
    })
    // Tests: one per picked source file, spread over the modules.
    const all = pkg.modules.flatMap((module) => module.files)
    for (const file of random.sample(all, testsPerPackage)) {
      write(`${pkg.dir}/test/${file.id}.test.ts`, testFile(pkg, file, random))
    }
    if (pkg.style === 'output' || pkg.style === 'nested') {
      for (const [relative, text] of buildOutput(pkg, random))
        write(`${pkg.dir}/dist/${relative}`, text, true)
    }
    for (const dep of pkg.deps) {
      const link = path.join(root, pkg.dir, 'node_modules', dep.name)
      mkdirSync(path.dirname(link), { recursive: true })
      symlinkSync(path.relative(path.dirname(link), path.join(root, dep.dir)), link)
    }
  }

  // ── what must be ignored: a third-party package, a .pnpm store, a .git folder ──
  const lodash = `node_modules/.pnpm/${THIRD_PARTY}@4.17.21/node_modules/${THIRD_PARTY}`
  write(`${lodash}/package.json`, json({ name: THIRD_PARTY, version: '4.17.21', main: 'index.js' }), true)
  write(`${lodash}/index.js`, "'use strict'\nmodule.exports = { chunk: require('./chunk.js') }\n", true)
  for (let i = 0; i < 600; i++) {
    write(
      `${lodash}/${i === 0 ? 'chunk' : `fn${i}`}.js`,
      `'use strict'\nmodule.exports = function fn${i}(a) { return [a, ${i}] }\n`,
      true,
    )
  }
  symlinkSync(
    `.pnpm/${THIRD_PARTY}@4.17.21/node_modules/${THIRD_PARTY}`,
    path.join(root, 'node_modules', THIRD_PARTY),
  )
  for (let p = 0; p < 20; p++) {
    const name = `dep-${random.hex(6)}`
    for (let i = 0; i < 40; i++)
      write(
        `node_modules/.pnpm/${name}@1.0.${p}/node_modules/${name}/lib/m${i}.js`,
        `export const m${i} = ${i}\n`,
        true,
      )
  }
  write('node_modules/.modules.yaml', 'layoutVersion: 5\nnodeLinker: isolated\n', true)
  write('.git/HEAD', 'ref: refs/heads/main\n', true)
  write('.git/config', '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n', true)
  write('.git/description', 'Unnamed repository.\n', true)
  write('.git/info/exclude', '# git ls-files --others --exclude-from=.git/info/exclude\n', true)
  mkdirSync(path.join(root, '.git/refs/heads'), { recursive: true })
  mkdirSync(path.join(root, '.git/refs/tags'), { recursive: true })
  // Loose objects nothing refers to: git never reads them, a watcher that descends would.
  for (let i = 0; i < 400; i++) write(`.git/objects/${random.hex(2)}/${random.hex(38)}`, random.hex(64), true)

  const sample = packages[2]?.modules[0]?.files[3] ?? packages[0]?.modules[0]?.files[0]
  const owner = packages[2] ?? packages[0]
  return {
    root,
    seed,
    packages: packageCount,
    sourceFiles,
    testFiles: packageCount * testsPerPackage,
    ignoredFiles,
    sampleChange: `${owner?.dir}/src/${sample?.id}.ts`,
  }
}

/** The `exports` map in the package's style, with `./types`, `./<module>` and `./package.json`. */
function packageJson(pkg: PackagePlan, usesThirdParty: boolean): Record<string, unknown> {
  const entry = (src: string, out: string): unknown => {
    switch (pkg.style) {
      case 'source':
        return { source: `./src/${src}.ts`, types: `./dist/${out}.d.ts`, import: `./dist/${out}.js` }
      case 'custom':
        return {
          '@bench/source': `./src/${src}.ts`,
          types: `./dist/${out}.d.ts`,
          default: `./dist/${out}.js`,
        }
      case 'nested':
        return {
          import: { source: `./src/${src}.ts`, types: `./dist/${out}.d.mts`, default: `./dist/${out}.mjs` },
          require: { types: `./dist/${out}.d.cts`, default: `./dist/${out}.cjs` },
        }
      case 'output':
        return { types: `./dist/${out}.d.ts`, import: `./dist/${out}.js` }
    }
  }
  const dependencies: Record<string, string> = {}
  for (const dep of pkg.deps) dependencies[dep.name] = 'workspace:*'
  if (usesThirdParty) dependencies[THIRD_PARTY] = '^4.17.21'
  return {
    name: pkg.name,
    version: '0.0.0',
    private: true,
    type: 'module',
    exports: {
      '.': entry('index', 'index'),
      './types': entry('types', 'types'),
      './*': entry('*/index', pkg.style === 'nested' ? '*' : '*/index'),
      './package.json': './package.json',
    },
    scripts: {
      build: pkg.style === 'nested' ? 'tsdown src/index.ts' : 'tsc -p tsconfig.json',
      test: 'vitest run',
    },
    dependencies,
    devDependencies: { vitest: '^4.1.0' },
  }
}

/** One source file: imports of several kinds, then a function and a constant. */
function sourceFile(pkg: PackagePlan, m: number, f: number, random: ReturnType<typeof createRandom>): string {
  const module = pkg.modules[m] as PackagePlan['modules'][number]
  const file = module.files[f] as SourceFile
  const lines: string[] = []
  const uses: string[] = []
  if (random.chance(0.6)) lines.push("import type { Shape } from '../types.js'")
  else lines.push(`import type { Shape } from '${pkg.ownAlias ? '~' : `@lib/${pkg.word}`}/types.js'`)
  // Earlier files of the same module (relative, `.js` specifiers as NodeNext wants).
  for (const other of random.sample(module.files.slice(0, f), random.int(0, 2))) {
    lines.push(`import { ${other.fn} } from './${path.basename(other.id)}.js'`)
    uses.push(other.fn)
  }
  // An earlier module of the package: its barrel, or one file through the path alias.
  if (m > 0 && random.chance(0.5)) {
    const other = pkg.modules[random.int(0, m - 1)] as PackagePlan['modules'][number]
    const target = random.pick(other.files)
    if (random.chance(0.5)) lines.push(`import { ${target.fn} } from '../${other.name}/index.js'`)
    else
      lines.push(`import { ${target.fn} } from '${pkg.ownAlias ? '~' : `@lib/${pkg.word}`}/${target.id}.js'`)
    uses.push(target.fn)
  }
  // Another package: by name, by subpath export, or by the root's path alias.
  if (pkg.deps.length > 0 && random.chance(0.35)) {
    const dep = random.pick(pkg.deps)
    const how = random.next()
    if (how < 0.45 || pkg.ownAlias) {
      const fn = random.pick(dep.publicFns)
      lines.push(`import { ${fn} } from '${dep.name}'`)
      uses.push(fn)
    } else if (how < 0.75) {
      const module = random.pick(dep.modules)
      const fn = random.pick(module.files).fn
      lines.push(`import { ${fn} } from '${dep.name}/${module.name}'`)
      uses.push(fn)
    } else {
      const target = random.pick(random.pick(dep.modules).files)
      lines.push(`import { ${target.fn} } from '@lib/${dep.word}/${target.id}.js'`)
      uses.push(target.fn)
    }
    if (random.chance(0.3))
      lines.push(`import type { Shape as ${capital(camel(dep.word))}Shape } from '${dep.name}/types'`)
  }
  if (random.chance(0.04)) {
    lines.push(`import { chunk } from '${THIRD_PARTY}'`)
    uses.push('chunk')
  }
  const body = uses.map((fn) => `  total += Number(${fn}(input)) || 0`)
  let text = `${lines.join('\n')}\n\n/** Weighs ${file.id} of ${pkg.name}. */\nexport function ${file.fn}(input: Shape): number {\n  let total = input.weight * ${f + 1}\n${body.join('\n')}${body.length > 0 ? '\n' : ''}  for (const tag of input.tags) total += tag.length % ${random.int(2, 9)}\n  return total\n}\n\nexport const ${file.fn}Meta = { id: '${pkg.word}/${file.id}', weight: ${random.int(1, 100)} } as const\n`
  if (f > 0 && random.chance(0.06)) {
    const lazy = random.pick(module.files.slice(0, f))
    text += `\n/** Loaded on first use. */\nexport async function load${capital(file.fn)}(): Promise<typeof import('./${path.basename(lazy.id)}.js')> {\n  return import('./${path.basename(lazy.id)}.js')\n}\n`
  }
  return text
}

function testFile(pkg: PackagePlan, file: SourceFile, random: ReturnType<typeof createRandom>): string {
  const lines = [
    "import { describe, expect, it } from 'vitest'",
    `import { ${file.fn} } from '../../src/${file.id}.js'`,
  ]
  if (random.chance(0.3)) lines.push("import type { Shape } from '../../src/types.js'")
  let extra = ''
  const roll = random.next()
  if (roll < 0.15) {
    const fn = random.pick(pkg.publicFns)
    if (fn !== file.fn) {
      lines.push(`import { ${fn} } from '../../src/index.js'`)
      extra = `\n  it('agrees with ${fn}', () => {\n    expect(typeof ${fn}(input)).toBe('number')\n  })\n`
    }
  } else if (roll < 0.25 && pkg.deps.length > 0) {
    const dep = random.pick(pkg.deps)
    const fn = random.pick(dep.publicFns)
    lines.push(`import { ${fn} } from '${dep.name}'`)
    extra = `\n  it('works with ${dep.name}', () => {\n    expect(${fn}(input)).toBeGreaterThanOrEqual(0)\n  })\n`
  }
  return `${lines.join('\n')}\n\nconst input = { id: 'a', weight: ${random.int(1, 9)}, tags: ['x', 'yz'] }\n\ndescribe('${file.fn}', () => {\n  it('weighs its input', () => {\n    expect(${file.fn}(input)).toBeGreaterThan(0)\n  })\n${extra}})\n`
}

/** What the build left in dist/: tsc's per-file output, or a tsdown-style bundle with chunks. */
function buildOutput(pkg: PackagePlan, random: ReturnType<typeof createRandom>): [string, string][] {
  const out: [string, string][] = []
  if (pkg.style === 'nested') {
    for (const entry of ['index', 'types', ...pkg.modules.map((module) => module.name)]) {
      out.push([`${entry}.mjs`, `export * from './chunk-${random.hex(8)}.mjs'\n`])
      out.push([`${entry}.cjs`, `'use strict'\nmodule.exports = require('./chunk-${random.hex(8)}.cjs')\n`])
      out.push([`${entry}.d.mts`, 'export {}\n'], [`${entry}.d.cts`, 'export {}\n'])
    }
    for (let i = 0; i < 8; i++) out.push([`chunk-${random.hex(8)}.mjs`, `export const c${i} = ${i}\n`])
    return out
  }
  out.push(
    ['index.js', "export * from './types.js'\n"],
    ['index.d.ts', "export type { Shape } from './types.js'\n"],
  )
  out.push(['types.js', 'export {}\n'], ['types.d.ts', 'export interface Shape { id: string }\n'])
  for (const module of pkg.modules) {
    out.push([`${module.name}/index.js`, `export {}\n//# sourceMappingURL=index.js.map\n`])
    out.push([`${module.name}/index.d.ts`, 'export {}\n'])
    for (const file of module.files) {
      out.push([
        `${file.id}.js`,
        `export function ${file.fn}(input) { return input.weight }\n//# sourceMappingURL=${path.basename(file.id)}.js.map\n`,
      ])
      out.push([`${file.id}.d.ts`, `export declare function ${file.fn}(input: unknown): number\n`])
      out.push([
        `${file.id}.js.map`,
        `{"version":3,"file":"${path.basename(file.id)}.js","sources":["../../src/${file.id}.ts"],"mappings":"AAAA"}\n`,
      ])
    }
  }
  return out
}

function camel(word: string): string {
  return word.replace(/[^a-z0-9]+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}

/**
 * Links what the workspace runs from this repository into its node_modules: `hearth` (apps/hearth,
 * its built CLI and `defineConfig`) and `vitest` (the repository's own), as a project would have them
 * installed. Replaces earlier links.
 */
export function linkHearth(dir: string, repo: string): void {
  const modules = path.join(dir, 'node_modules')
  mkdirSync(modules, { recursive: true })
  for (const [name, target] of [
    ['hearth', path.join(repo, 'apps/hearth')],
    ['vitest', realpathSync(path.join(repo, 'node_modules/vitest'))],
  ] as const) {
    const link = path.join(modules, name)
    if (existsSync(link)) rmSync(link, { recursive: true, force: true })
    symlinkSync(target, link)
  }
}

const isScript =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isScript) {
  const args = process.argv.slice(2)
  const dir = args.find((arg) => !arg.startsWith('--'))
  const seedAt = args.indexOf('--seed')
  if (dir === undefined) {
    console.error('usage: node --import tsx src/workspace/generate.ts <dir> [--seed N] [--no-link]')
    process.exit(2)
  }
  const began = performance.now()
  const workspace = generateWorkspace(dir, seedAt >= 0 ? { seed: Number(args[seedAt + 1]) } : {})
  if (!args.includes('--no-link')) {
    linkHearth(workspace.root, path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'))
  }
  console.log(
    `${workspace.root}: ${workspace.packages} packages, ${workspace.sourceFiles} source files ` +
      `(${workspace.testFiles} tests), ${workspace.ignoredFiles} ignored files (node_modules, dist, .git); ` +
      `seed ${workspace.seed}, ${Math.round(performance.now() - began)} ms; try: hearth affected ${workspace.sampleChange}`,
  )
}
