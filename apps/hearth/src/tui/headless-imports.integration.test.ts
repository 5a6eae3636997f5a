import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTracer, fromPackage, type Tracer } from '../../test/trace-imports.js'

/**
 * The headless commands never load React or Ink: only `hearth dev` on a terminal imports the UI.
 * Each command runs as a user runs it (the built CLI, in its own process) under a module hook that
 * records every module the process resolves; the record must hold the CLI's own modules (so the hook
 * works) and nothing of ink, react or the UI. A control run that loads the UI shows the record would
 * name them.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const bin = path.join(repoRoot, 'apps/hearth/bin/hearth.js')
const dist = path.join(repoRoot, 'apps/hearth/dist')

let work: string
let traced: Tracer['traced']

beforeAll(() => {
  // The CLI runs compiled: build it (incremental, quick when nothing changed), as the e2e setup does.
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: repoRoot,
      stdio: 'pipe',
    },
  )
  work = mkdtempSync(path.join(tmpdir(), 'hearth-headless-'))
  ;({ traced } = createTracer(work))
}, 180_000)

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/**
 * A project with no environments and one test group, run by the repository's Vitest: a config for
 * each, and `files` (relative path → content) under it.
 */
function vitestProject(name: string, files: Record<string, string>): string {
  const project = path.join(work, name)
  mkdirSync(path.join(project, 'src'), { recursive: true })
  mkdirSync(path.join(project, 'node_modules'))
  symlinkSync(
    realpathSync(path.join(repoRoot, 'node_modules/vitest')),
    path.join(project, 'node_modules/vitest'),
  )
  const all = {
    'package.json': '{ "name": "quiet", "type": "module" }\n',
    'hearth.config.mjs':
      "export default { project: 'quiet', environments: [], tests: [{ name: 'unit', include: ['src/**/*.test.js'] }] }\n",
    'vitest.config.js': "export default { test: { include: ['src/**/*.test.js'] } }\n",
    ...files,
  }
  for (const [file, text] of Object.entries(all)) writeFileSync(path.join(project, file), text)
  return project
}

/** The command modules of hearth's CLI a process loaded, by name. */
function commandsIn(modules: readonly string[]): string[] {
  const names = modules.flatMap(
    (url) => /\/apps\/hearth\/dist\/commands\/([a-z-]+)\.js$/.exec(url)?.[1] ?? [],
  )
  return [...new Set(names)].filter((name) => COMMANDS.includes(name)).sort()
}

const COMMANDS = [
  'init',
  'import-compose',
  'up',
  'down',
  'status',
  'gc',
  'dev',
  'ci',
  'affected',
  'plan',
  'merge-reports',
  'timings',
]

const UI =
  /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:ink|react|react-reconciler|@inkjs\/[^/]+)\/|\/dist\/tui\//

describe('the headless commands', () => {
  it('would show the UI in the record when it is loaded (the control)', async () => {
    const { modules } = await traced(
      ['-e', `await import(${JSON.stringify(path.join(dist, 'tui/run-tui.js'))})`],
      work,
    )
    expect(modules.some((url) => /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?ink\//.test(url))).toBe(
      true,
    )
    expect(modules.some((url) => /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?react\//.test(url))).toBe(
      true,
    )
  })

  it.each([
    ['ci --help', ['ci', '--help'], 'ci'],
    ['up --help', ['up', '--help'], 'up'],
    ['status --help', ['status', '--help'], 'status'],
    ['dev --help', ['dev', '--help'], 'dev'],
  ])('`hearth %s` loads its own command alone, and no React nor Ink', async (_name, args, command) => {
    const { code, modules } = await traced([bin, ...args], work)
    expect(code).toBe(0)
    expect(modules.some((url) => url.endsWith('/apps/hearth/dist/cli.js'))).toBe(true)
    expect(commandsIn(modules)).toEqual([command])
    expect(modules.filter((url) => UI.test(url))).toEqual([])
  })

  it('`hearth --version` loads none of the commands nor any package', async () => {
    const { code, modules, stdout } = await traced([bin, '--version'], work)
    expect(code).toBe(0)
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/)
    expect(modules.some((url) => url.endsWith('/apps/hearth/dist/cli.js'))).toBe(true)
    expect(commandsIn(modules)).toEqual([])
    expect(modules.filter((url) => /\/node_modules\/|\/packages\//.test(url))).toEqual([])
  })

  it('`hearth status` on a project loads no React nor Ink', async () => {
    const project = path.join(work, 'status-project')
    mkdirSync(project)
    writeFileSync(
      path.join(project, 'hearth.config.mjs'),
      "export default { project: 'quiet', environments: [] }\n",
    )
    const { code, modules } = await traced([bin, 'status'], project)
    expect(code).toBe(0)
    expect(modules.some((url) => url.includes('/dist/commands/status.js'))).toBe(true)
    expect(modules.filter((url) => UI.test(url))).toEqual([])
  }, 60_000)

  it('`hearth affected` and `hearth plan` load no Docker client, no watcher and no UI; `status` no test runner', async () => {
    const project = vitestProject('workspace-project', {
      'src/sum.js': 'export const sum = (a, b) => a + b\n',
      'src/sum.test.js':
        "import { expect, it } from 'vitest'\nimport { sum } from './sum.js'\nit('adds', () => expect(sum(1, 2)).toBe(3))\n",
    })
    const unused = [
      fromPackage('dockerode'),
      fromPackage('docker-modem'),
      /\/packages\/driver-docker\//,
      fromPackage('chokidar'),
      fromPackage('@parcel/watcher'),
      fromPackage('fast-xml-parser'),
    ]
    const affected = await traced([bin, 'affected', 'src/sum.js'], project)
    expect(affected.code).toBe(0)
    expect(affected.stdout).toContain('src/sum.test.js')
    const plan = await traced([bin, 'plan', '--shards', '2'], project)
    expect(plan.code).toBe(0)
    for (const run of [affected, plan]) {
      expect(run.modules.some((url) => url.includes('/packages/affected/'))).toBe(true)
      expect(
        run.modules.filter((url) => unused.some((pattern) => pattern.test(url)) || UI.test(url)),
      ).toEqual([])
    }
    const status = await traced([bin, 'status'], project)
    expect(status.code).toBe(0)
    expect(commandsIn(status.modules)).toEqual(['status'])
    const notForStatus = [
      fromPackage('vitest'),
      /\/packages\/vitest\/dist\/test-runner\.js$/,
      ...unused.slice(3),
    ]
    expect(
      status.modules.filter((url) => notForStatus.some((pattern) => pattern.test(url)) || UI.test(url)),
    ).toEqual([])
  }, 120_000)

  it('`hearth dev` off a terminal (the line view) loads no React nor Ink', async () => {
    const project = vitestProject('dev-project', {
      'src/a.test.js': "import { it } from 'vitest'\nit('runs', () => {})\n",
    })
    const { code, modules, stdout } = await traced([bin, 'dev', '--no-initial'], project, {
      until: /^watching /m,
    })
    expect(stdout).toMatch(/^watching /m)
    expect(code).toBe(130)
    expect(modules.some((url) => url.endsWith('/dist/reporters/line-reporter.js'))).toBe(true)
    expect(modules.filter((url) => UI.test(url))).toEqual([])
  }, 60_000)
})
