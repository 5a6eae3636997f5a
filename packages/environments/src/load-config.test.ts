import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigError, isConfigError } from './issues.js'
import { CONFIG_FILES, defaultProjectName, findConfigFile, loadConfig } from './load-config.js'
import { configFromModule } from './validate.js'

// These load real configs through tsx (whose first load starts esbuild): seconds on a loaded
// machine, so a limit for a hang rather than Vitest's 5 s.
vi.setConfig({ testTimeout: 60_000 })

/** The package's source entry, imported by the temporary configs (tsx compiles it; no build needed). */
const ENTRY = pathToFileURL(fileURLToPath(new URL('./index.ts', import.meta.url))).href
const LOAD_FIX =
  'fix the error above; the file must run as an ES module and `export default defineConfig({ … })`'

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A temporary project with the given files, under its real path (the stack traces that attribute
 * definitions to files carry real paths).
 */
function project(files: Record<string, string>, name = 'shop'): string {
  const parent = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-load-config-')))
  made.push(parent)
  const root = path.join(parent, name)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(path.join(root, file), text)
  }
  mkdirSync(root, { recursive: true })
  return root
}

async function loadError(options: Parameters<typeof loadConfig>[0]): Promise<ConfigError> {
  const error = await loadConfig(options).then(
    () => null,
    (error: unknown) => error,
  )
  if (!isConfigError(error)) throw new Error(`expected a ConfigError, got ${String(error)}`)
  return error
}

const API_CONFIG = `
import { defineConfig, ready, type ServiceDefinition } from '${ENTRY}'

interface Options { port: number }
const api = ({ port }: Options): ServiceDefinition => ({
  kind: 'process',
  command: ['node', 'server.js', '--port', String(port)],
  ports: { http: { host: port } },
  readiness: ready.http('http', '/health'),
})

export default defineConfig({
  environments: [{ name: 'backend', services: { api: api({ port: 4000 } satisfies Options) } }],
  tests: [{ name: 'api', include: ['tests/**/*.test.ts'], environment: 'backend' }],
  idleTtl: '2h',
})
`

// tsx compiles a project's TypeScript as ES modules in a `"type": "module"` package and as CommonJS
// elsewhere; configs must load the same either way.
const MODES = [
  { mode: 'ES modules', type: 'module' },
  { mode: 'CommonJS', type: 'commonjs' },
] as const

describe.each(MODES)('loadConfig ($mode)', ({ type }) => {
  /** A project whose package.json sets the module type (and any other fields given). */
  const typed = (files: Record<string, string>, pkg: Record<string, unknown> = {}, name?: string) =>
    project({ 'package.json': JSON.stringify({ ...pkg, type }), ...files }, name)

  it('finds the config walking up from a subfolder and loads its TypeScript', async () => {
    const root = typed(
      { 'hearth.config.ts': API_CONFIG, 'apps/api/src/server.ts': '' },
      { name: '@acme/shop', private: true },
    )
    const config = await loadConfig({ cwd: path.join(root, 'apps/api/src') })
    expect(config).toMatchObject({
      project: 'acme-shop',
      root,
      file: 'hearth.config.ts',
      idleTtlMs: 7_200_000,
      fallback: true,
    })
    expect(config.environments.backend?.services.api).toMatchObject({
      kind: 'process',
      command: { argv: ['node', 'server.js', '--port', '4000'] },
      ports: [{ name: 'http', container: null, host: 4000, protocol: 'tcp', env: null }],
      readiness: { type: 'http', port: 'http', path: '/health', status: null },
    })
    expect(config.tests).toEqual([
      { name: 'api', include: ['tests/**/*.test.ts'], exclude: [], environment: 'backend', triggers: [] },
    ])
  })

  it('loads a file given explicitly, relative to cwd, rooted at its folder', async () => {
    const root = typed({ 'config/hearth.config.ts': API_CONFIG })
    const config = await loadConfig({ cwd: root, file: 'config/hearth.config.ts' })
    expect(config).toMatchObject({
      root: path.join(root, 'config'),
      file: 'hearth.config.ts',
      project: 'config',
    })
  })

  it('names the project after the folder when package.json has no name', async () => {
    const root = typed({ 'hearth.config.ts': API_CONFIG }, {}, 'my-shop')
    expect((await loadConfig({ cwd: root })).project).toBe('my-shop')
  })

  it('attributes issues in an imported environment to the file that called defineEnvironment', async () => {
    const root = typed({
      'environments/backend.ts': `
import { defineEnvironment } from '${ENTRY}'

export const backend = defineEnvironment({
  name: 'backend',
  services: {
    db: { kind: 'container', image: 'postgres:16-alpine', ports: { pg: 70000 } },
    api: { kind: 'process', command: 'node server.js', dependsOn: ['dbb'] },
  },
})
`,
      'hearth.config.ts': `
import { defineConfig } from '${ENTRY}'
import { backend } from './environments/backend.ts'

export default defineConfig({
  environments: [backend],
  tests: [{ name: 'api', include: ['tests/**'], environment: 'backnd' }],
})
`,
    })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'environments/backend.ts',
        path: 'environments.backend.services.db.ports.pg',
        message: 'invalid port 70000: a port is a whole number from 1 to 65535',
        fix: 'use a port from 1 to 65535',
      },
      {
        file: 'environments/backend.ts',
        path: 'environments.backend.services.api.dependsOn[0]',
        message: 'unknown service "dbb"; environment "backend" has "db", "api"',
        fix: 'did you mean "db"?',
      },
      {
        file: 'hearth.config.ts',
        path: 'tests[0].environment',
        message: 'unknown environment "backnd"',
        fix: 'did you mean "backend"?',
      },
    ])
  })

  it('records the defining file of each loaded environment', async () => {
    const root = typed({
      'environments/web.ts': `
import { defineEnvironment } from '${ENTRY}'
export default defineEnvironment({ name: 'web', services: { web: { kind: 'process', command: 'vite' } } })
`,
      'hearth.config.ts': `
import { defineConfig, defineEnvironment } from '${ENTRY}'
import web from './environments/web.ts'
const local = defineEnvironment({ name: 'local', services: { sh: { kind: 'job', command: 'true' } } })
export default defineConfig({ environments: [web, local] })
`,
    })
    const config = await loadConfig({ cwd: root })
    expect(config.environments.web?.file).toBe('environments/web.ts')
    expect(config.environments.local?.file).toBe('hearth.config.ts')
  })

  it('reports a syntax error with its place and without a stack trace', async () => {
    const root = typed({ 'hearth.config.ts': 'const port: number = \nexport default {}\n' })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: '(file)',
        message: 'could not load the file: hearth.config.ts:2:0: ERROR: Unexpected "export"',
        fix: LOAD_FIX,
      },
    ])
    expect(error.message).toBe(
      [
        'Invalid hearth configuration (1 problem):',
        '',
        '  hearth.config.ts › (file)',
        '    could not load the file: hearth.config.ts:2:0: ERROR: Unexpected "export"',
        `    fix: ${LOAD_FIX}`,
      ].join('\n'),
    )
  })

  it('attributes a syntax error in an imported file to that file', async () => {
    const root = typed({
      'environments/backend.ts': 'export const backend = {\n  name: "backend",,\n}\n',
      'hearth.config.ts':
        "import { backend } from './environments/backend.ts'\nexport default { environments: [backend] }\n",
    })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'environments/backend.ts',
        path: '(file)',
        message:
          'could not load the file: environments/backend.ts:2:18: ERROR: Expected identifier but found ","',
        fix: LOAD_FIX,
      },
    ])
  })

  it('reports an error thrown while the config runs, by its message', async () => {
    const root = typed({
      'hearth.config.ts': "throw new Error('DATABASE_URL is not set')\nexport default {}\n",
    })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: '(file)',
        message: 'could not load the file: DATABASE_URL is not set',
        fix: LOAD_FIX,
      },
    ])
  })

  it('reports a missing import with paths relative to the root', async () => {
    const root = typed({
      'hearth.config.ts': "import { x } from './environments/nope.ts'\nexport default x\n",
    })
    const error = await loadError({ cwd: root })
    // Node words it differently for the two module systems; neither names the temporary root.
    const message = {
      module: "Cannot find module 'environments/nope.ts' imported from hearth.config.ts",
      commonjs: "Cannot find module './environments/nope.ts'",
    }[type]
    expect(error.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: '(file)',
        message: `could not load the file: ${message}`,
        fix: LOAD_FIX,
      },
    ])
  })

  it('reports a config without a default export', async () => {
    const root = typed({ 'hearth.config.ts': 'export const config = { environments: [] }\n' })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: '(default export)',
        message: 'the file has no default export',
        fix: 'end it with `export default defineConfig({ environments: [...] })`',
      },
    ])
  })

  it('reports a getter that throws in the exported config as a problem at its path', async () => {
    const root = typed({
      'hearth.config.ts': `
import { defineConfig } from '${ENTRY}'

const api = { kind: 'process', command: 'node server.js' } as Record<string, unknown>
Object.defineProperty(api, 'env', { enumerable: true, get: () => { throw new Error('DATABASE_URL is not set') } })
export default defineConfig({ environments: [{ name: 'backend', services: { api } }] } as never)
`,
    })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: 'environments.backend.services.api.env',
        message: 'reading it threw Error: DATABASE_URL is not set',
        fix: 'compute the value before exporting the config, or fix what throws (getters and proxies run when hearth reads the config)',
      },
    ])
  })

  it('validates the default export', async () => {
    const root = typed({ 'hearth.config.ts': 'export default null\n' })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: '(default export)',
        message: 'expected the config object, got null',
        fix: 'end the file with `export default defineConfig({ environments: [...] })`',
      },
    ])
  })
})

describe('configFromModule', () => {
  const options = { root: '/work/shop', file: 'hearth.config.ts', defaultProject: 'shop' }
  const errorOf = (namespace: unknown): ConfigError => {
    try {
      configFromModule(namespace, options)
    } catch (error) {
      if (isConfigError(error)) return error
      throw error
    }
    throw new Error('expected a ConfigError')
  }
  const READ_FIX = 'export the config object itself: `export default defineConfig({ … })`'

  it('takes the default export, also from inside a CommonJS module', () => {
    const config = { environments: [] }
    expect(configFromModule({ default: config }, options).project).toBe('shop')
    expect(configFromModule({ default: { __esModule: true, default: config } }, options).project).toBe('shop')
  })

  it('turns a default export that throws when read into a problem, never a crash', () => {
    const throwing = (what: string) => () => {
      throw new TypeError(what)
    }
    const cases = [
      Object.defineProperty({}, 'default', { get: throwing('no default') }),
      new Proxy({}, { get: throwing('no default') }),
      { default: Object.defineProperty({ __esModule: true }, 'default', { get: throwing('no default') }) },
    ]
    for (const namespace of cases) {
      expect(errorOf(namespace).issues).toEqual([
        {
          file: 'hearth.config.ts',
          path: '(default export)',
          message: 'reading the default export threw TypeError: no default',
          fix: READ_FIX,
        },
      ])
    }
  })
})

describe('loadConfig without a config', () => {
  it('reports a missing config with the fix', async () => {
    const root = project({ 'package.json': '{}' })
    const error = await loadError({ cwd: root })
    expect(error.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: '(file)',
        message: `no hearth.config.ts in ${root} or any folder above it`,
        fix: 'run hearth from your project, or create hearth.config.ts with `export default defineConfig({ … })`',
      },
    ])
    expect(error).toBeInstanceOf(ConfigError)
  })

  it('reports an explicit file that does not exist', async () => {
    const root = project({})
    const error = await loadError({ cwd: root, file: 'nope.config.ts' })
    expect(error.issues).toEqual([
      {
        file: path.join(root, 'nope.config.ts'),
        path: '(file)',
        message: 'the file does not exist',
        fix: 'check the path given to --config',
      },
    ])
  })

  it('loads a project with no package.json at all, named after its folder', async () => {
    const root = project({ 'hearth.config.ts': API_CONFIG }, 'bare')
    expect((await loadConfig({ cwd: root })).project).toBe('bare')
  })
})

describe('findConfigFile', () => {
  it('prefers the nearest folder, then the first name in CONFIG_FILES', () => {
    const root = project({
      'hearth.config.mjs': 'export default {}',
      'hearth.config.ts': 'export default {}',
      'apps/web/hearth.config.js': 'export default {}',
      'apps/api/src/index.ts': '',
    })
    expect(CONFIG_FILES).toEqual([
      'hearth.config.ts',
      'hearth.config.mts',
      'hearth.config.js',
      'hearth.config.mjs',
    ])
    expect(findConfigFile(path.join(root, 'apps/api/src'))).toBe(path.join(root, 'hearth.config.ts'))
    expect(findConfigFile(path.join(root, 'apps/web'))).toBe(path.join(root, 'apps/web/hearth.config.js'))
  })

  it('gives null when no folder up to the filesystem root has one', () => {
    const root = project({ 'a/b/c.txt': '' })
    expect(findConfigFile(path.join(root, 'a/b'))).toBeNull()
  })
})

describe('defaultProjectName', () => {
  const cases: { name: string; files: Record<string, string>; folder?: string; expected: string }[] = [
    {
      name: 'a scoped package name',
      files: { 'package.json': '{"name":"@acme/shop"}' },
      expected: 'acme-shop',
    },
    {
      name: 'a plain package name',
      files: { 'package.json': '{"name":"shop.web_2"}' },
      expected: 'shop.web_2',
    },
    { name: 'the folder, without package.json', files: {}, folder: 'my-shop', expected: 'my-shop' },
    { name: 'the folder, when package.json has no name', files: { 'package.json': '{}' }, expected: 'shop' },
    { name: 'the folder, when package.json is not JSON', files: { 'package.json': '{' }, expected: 'shop' },
    {
      name: 'the folder, when the name is blank',
      files: { 'package.json': '{"name":"  "}' },
      expected: 'shop',
    },
    { name: 'a folder name made label-safe', files: {}, folder: 'My Shop (copy)', expected: 'My-Shop-copy' },
    {
      name: '"project" when nothing usable is left',
      files: { 'package.json': '{"name":"@/!"}' },
      expected: 'project',
    },
  ]
  it.each(cases)('$name', ({ files, folder, expected }) => {
    expect(defaultProjectName(project(files, folder))).toBe(expected)
  })
})
