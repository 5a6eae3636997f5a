import { execFileSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

/**
 * The compiled, cached config (src/compile-config.ts) as the CLI meets it: a real `node` process
 * loads the project's config through the built package, from a project whose `node_modules` holds
 * the package as an install would. (In Vitest's own process, imports go through Vite's transform:
 * not what a user's hearth runs.)
 */

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ENTRY = path.join(PACKAGE, 'dist/index.js')

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A project with the given files and `node_modules/@hearth/environments` linked to this package. */
function project(files: Record<string, string>): string {
  const root = path.join(realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-compile-config-'))), 'shop')
  made.push(path.dirname(root))
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(path.join(root, file), text)
  }
  mkdirSync(path.join(root, 'node_modules/@hearth'), { recursive: true })
  symlinkSync(PACKAGE, path.join(root, 'node_modules/@hearth/environments'), 'dir')
  return root
}

interface Loaded {
  environments?: Record<string, { file: string; env: Record<string, string> }>
  issues?: Array<{ file: string; path: string; message: string }>
}

/** What `loadConfig` returns in a fresh Node process: each environment's file and its api's env. */
function load(root: string): Loaded {
  const script = `
import { loadConfig } from ${JSON.stringify(ENTRY)}
try {
  const config = await loadConfig({ cwd: process.cwd() })
  const environments = Object.fromEntries(Object.entries(config.environments).map(([name, environment]) =>
    [name, { file: environment.file, env: environment.services.api?.env ?? {} }]))
  console.log(JSON.stringify({ environments }))
} catch (error) {
  if (!Array.isArray(error.issues)) throw error
  console.log(JSON.stringify({ issues: error.issues.map(({ file, path, message }) => ({ file, path, message })) }))
}
`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  return JSON.parse(out) as Loaded
}

const cacheOf = (root: string) => path.join(root, 'node_modules/.cache/hearth')
/** The compiled config's files (the validated config is kept beside them: config-cache.ts). */
const cached = (root: string) =>
  readdirSync(cacheOf(root))
    .filter((name) => name.startsWith('config-'))
    .sort()

const BACKEND = (greeting: string) => `
import path from 'node:path'
import { defineEnvironment } from '@hearth/environments'

export const backend = defineEnvironment({
  name: 'backend',
  services: {
    api: {
      kind: 'process',
      command: 'node server.js',
      env: {
        GREETING: '${greeting}',
        // Where this file is, as it would see itself unbundled.
        DATA_DIR: path.join(import.meta.dirname, 'data'),
        OWN_URL: import.meta.url,
      },
    },
  },
})
`
const CONFIG = `
import { defineConfig, defineEnvironment } from '@hearth/environments'
import { backend } from './environments/backend.ts'

const local = defineEnvironment({ name: 'local', services: { sh: { kind: 'job', command: 'true' } } })
export default defineConfig({ environments: [backend, local] })
`

// Each test runs Node two or three times: generous on a loaded machine.
describe('the compiled config', { timeout: 120_000 }, () => {
  it('loads as the source says: each environment attributed to its file, which sees its own location', () => {
    const root = project({ 'hearth.config.ts': CONFIG, 'environments/backend.ts': BACKEND('hello') })
    expect(load(root)).toEqual({
      environments: {
        backend: {
          file: 'environments/backend.ts',
          env: {
            GREETING: 'hello',
            DATA_DIR: path.join(root, 'environments/data'),
            OWN_URL: `file://${path.join(root, 'environments/backend.ts')}`,
          },
        },
        local: { file: 'hearth.config.ts', env: {} },
      },
    })
    // One module, its source map, and the manifest of what went into it.
    expect(cached(root)).toEqual([
      expect.stringMatching(/^config-[0-9a-f]{12}-[0-9a-f]{16}\.mjs$/),
      expect.stringMatching(/^config-[0-9a-f]{12}-[0-9a-f]{16}\.mjs\.map$/),
      expect.stringMatching(/^config-[0-9a-f]{12}\.json$/),
    ])
  })

  it('is imported from the cache while its files are unchanged, and compiled again after an edit', () => {
    const root = project({ 'hearth.config.ts': CONFIG, 'environments/backend.ts': BACKEND('hello') })
    load(root)
    const [module] = cached(root)
    const inode = statSync(path.join(cacheOf(root), module as string)).ino
    expect(load(root).environments?.backend?.env.GREETING).toBe('hello')
    // Not written again: the same file.
    expect(cached(root)[0]).toBe(module)
    expect(statSync(path.join(cacheOf(root), module as string)).ino).toBe(inode)

    // An edit to a file the config imports: a new module, the old one gone.
    writeFileSync(path.join(root, 'environments/backend.ts'), BACKEND('bonjour'))
    expect(load(root).environments?.backend?.env.GREETING).toBe('bonjour')
    expect(cached(root)).toHaveLength(3)
    expect(cached(root)[0]).not.toBe(module)
  })

  it('reports a syntax error where it is, as the uncompiled config did', () => {
    const root = project({
      'hearth.config.ts': CONFIG,
      'environments/backend.ts': 'export const backend = {\n  name: "backend",,\n}\n',
    })
    expect(load(root)).toEqual({
      issues: [
        {
          file: 'environments/backend.ts',
          path: '(file)',
          message:
            'could not load the file: environments/backend.ts:2:18: ERROR: Expected identifier but found ","',
        },
      ],
    })
  })

  it('names the file and the line of an import that resolves nowhere', () => {
    const root = project({
      'hearth.config.ts': `import { postgres } from '@acme/hearth-presets'\nexport default { environments: [postgres()] }\n`,
    })
    expect(load(root)).toEqual({
      issues: [
        {
          file: 'hearth.config.ts',
          path: '(file)',
          message:
            'could not load the file: hearth.config.ts:1:25: ERROR: Could not resolve "@acme/hearth-presets"',
        },
      ],
    })
  })

  it('loads through tsx a config whose workspace package imports its own dependency, as pnpm installs it', () => {
    // packages/db has its own node_modules (pnpm's strict layout): `db-names` is found from there,
    // not from the root, so a module compiled into the root's cache could not import it.
    const root = project({
      'hearth.config.ts': `
import { defineConfig, defineEnvironment } from '@hearth/environments'
import { databaseName } from './packages/db/src/names.ts'
export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: { api: { kind: 'process', command: 'node server.js', env: { DB: databaseName } } } })],
})
`,
      'package.json': JSON.stringify({ name: 'shop', private: true, type: 'module' }),
      'packages/db/package.json': JSON.stringify({ name: '@shop/db', type: 'module' }),
      'packages/db/src/names.ts': "export { name as databaseName } from 'db-names'\n",
      'packages/db/node_modules/db-names/package.json': JSON.stringify({
        name: 'db-names',
        type: 'module',
        exports: { '.': { import: './index.js' } },
      }),
      'packages/db/node_modules/db-names/index.js': "export const name = 'invoices'\n",
    })
    for (let round = 0; round < 2; round++) {
      expect(load(root).environments?.backend).toEqual({ file: 'hearth.config.ts', env: { DB: 'invoices' } })
      // Nothing compiled; the manifest remembers that these files load through tsx.
      expect(cached(root)).toEqual([expect.stringMatching(/^config-[0-9a-f]{12}\.json$/)])
    }
  })

  it('loads uncompiled where the cache cannot be written', () => {
    const root = project({ 'hearth.config.ts': CONFIG, 'environments/backend.ts': BACKEND('hello') })
    writeFileSync(path.join(root, 'node_modules/.cache'), 'a file where the cache folder would be\n')
    expect(load(root).environments?.backend).toEqual({
      file: 'environments/backend.ts',
      env: expect.objectContaining({ GREETING: 'hello', DATA_DIR: path.join(root, 'environments/data') }),
    })
  })
})
