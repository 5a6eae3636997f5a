import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hearth, processesOf, repoRoot, spawnHearth, writeProject } from './helpers.js'

/**
 * The watch loop through `hearth dev`, on a small project with a unit test, another unit test, and
 * an API (a local process) with an integration test: saving a source reruns only the tests that
 * reach it, with the edit's effect; saving the API's source restarts it and reruns its tests.
 */

/** The project's config: its API (a local process) with `extra` fields, and these test groups. */
const configWith = (extra: string, tests: string): string => `export default {
  environments: [{
    name: 'web',
    services: {
      api: {
        kind: 'process',
        command: ['node', 'server.mjs'],
        ports: { http: { env: 'PORT' } },
        readiness: { type: 'http', port: 'http', path: '/' },
${extra}
      },
    },
  }],
  tests: [
${tests}
  ],
}
`
const config = configWith(
  `        outputs: { url: 'http://{{host}}:{{ports.http}}' },
        watch: ['server.mjs'],`,
  `    { name: 'api', include: ['tests/**/*.test.js'], environment: 'web' },
    { name: 'unit', include: ['src/**/*.test.js'] },`,
)
const server = (body: string) =>
  `import http from 'node:http'\nhttp.createServer((_, response) => response.end('${body}')).listen(Number(process.env.PORT), '127.0.0.1')\n`

describe('hearth dev', () => {
  const project = writeProject({
    'package.json': '{ "name": "watched", "type": "module" }',
    'hearth.config.ts': config,
    'vitest.config.js': "export default { test: { include: ['src/**/*.test.js', 'tests/**/*.test.js'] } }\n",
    'server.mjs': server('v1'),
  })
  const root = project.root
  mkdirSync(path.join(root, 'src'))
  mkdirSync(path.join(root, 'tests'))
  mkdirSync(path.join(root, 'node_modules'))
  symlinkSync(
    realpathSync(path.join(repoRoot, 'node_modules/vitest')),
    path.join(root, 'node_modules/vitest'),
  )
  writeFileSync(path.join(root, 'src/math.js'), 'export const add = (a, b) => a + b\n')
  writeFileSync(
    path.join(root, 'src/math.test.js'),
    "import { expect, it } from 'vitest'\nimport { add } from './math.js'\nit('adds', () => expect(add(2, 2)).toBe(4))\n",
  )
  writeFileSync(
    path.join(root, 'src/other.test.js'),
    "import { expect, it } from 'vitest'\nit('is other', () => expect(1).toBe(1))\n",
  )
  writeFileSync(
    path.join(root, 'tests/api.test.js'),
    "import { expect, it } from 'vitest'\nit('answers v1', async () => expect(await (await fetch(process.env.HEARTH_API_URL)).text()).toBe('v1'))\n",
  )

  afterAll(async () => {
    await hearth(['down'], root)
    project.cleanup()
  })

  it('reruns only what a save affects, sees the edit, and restarts a service whose source changed', async () => {
    const child = spawnHearth(['dev'], root)
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    /** Waits until the output has `count` lines matching the pattern. */
    const waitFor = async (pattern: RegExp, count = 1): Promise<void> => {
      const deadline = Date.now() + 30_000
      while ((output.match(new RegExp(pattern.source, 'gm')) ?? []).length < count) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern}; output so far:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    /** The lines of one run, from its ▶ line to its result line. */
    const run = (id: number): string[] => {
      const lines = output.split('\n')
      const start = lines.findIndex((line) => line.startsWith(`▶ run ${id}:`))
      const end = lines.findIndex((line, index) => index > start && /^[✓✗] \d+ (passed|failed)/.test(line))
      return lines.slice(start, end + 1)
    }
    const files = (lines: string[]) =>
      lines.filter((line) => /^[✓✗-] (src|tests)\//.test(line)).map((line) => line.split('  ')[0])

    try {
      await waitFor(/^✓ 3 passed/)
      expect(files(run(1))).toEqual(['✓ src/math.test.js', '✓ src/other.test.js', '✓ tests/api.test.js'])

      // A source edit: only the test that imports it runs, and it sees the new code.
      writeFileSync(path.join(root, 'src/math.js'), 'export const add = (a, b) => a - b\n')
      await waitFor(/^✗ 1 failed, 0 passed/)
      expect(files(run(2))).toEqual(['✗ src/math.test.js'])
      expect(run(2)).toContain('    because it imports src/math.js')
      expect(run(2).join('\n')).toContain('expected +0 to be 4')

      // The API's source: the service restarts, and its tests run against the new code.
      writeFileSync(path.join(root, 'server.mjs'), server('v2'))
      await waitFor(/^[✓✗] \d+ (passed|failed)/, 3)
      const third = output.slice(output.indexOf('▶ run 3'))
      expect(output.slice(output.lastIndexOf('↻ changed: server.mjs'))).toMatch(/^ {2}api +started/m)
      expect(files(run(3))).toEqual(['✗ tests/api.test.js'])
      expect(third).toContain("expected 'v2' to be 'v1'")
      expect(third).toContain('because server.mjs matches server.mjs (service web/api)')
    } finally {
      child.kill('SIGINT')
    }
    const result = await child
    expect(result.exitCode).toBe(130)
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      'stopped watching; the environments stay warm (`hearth down` stops them)',
    )
    // Quitting leaves the environment warm; `down` leaves nothing.
    const id = (JSON.parse((await hearth(['status', '--json'], root)).stdout) as { project: { id: string } })
      .project.id
    expect(processesOf(id).length).toBeGreaterThan(0)
    await hearth(['down'], root)
    expect(processesOf(id)).toEqual([])
  })

  it('--no-initial: resets the data the last session left once the environment is up, so the first save runs without a reset', async () => {
    const resetting = writeProject({
      'package.json': '{ "name": "reset-ahead", "type": "module" }',
      'hearth.config.ts': configWith(
        "        reset: { type: 'exec', command: 'echo reset >> resets.log' },",
        "    { name: 'api', include: ['tests/**/*.test.js'], environment: 'web' },",
      ),
      'vitest.config.js': "export default { test: { include: ['tests/**/*.test.js'] } }\n",
      'server.mjs': server('v1'),
    })
    const dir = resetting.root
    mkdirSync(path.join(dir, 'tests'))
    writeFileSync(path.join(dir, 'tests/api.test.js'), "import { it } from 'vitest'\nit('runs', () => {})\n")
    mkdirSync(path.join(dir, 'node_modules'))
    symlinkSync(
      realpathSync(path.join(repoRoot, 'node_modules/vitest')),
      path.join(dir, 'node_modules/vitest'),
    )
    const resets = () => {
      try {
        return readFileSync(path.join(dir, 'resets.log'), 'utf8').split('\n').filter(Boolean).length
      } catch {
        return 0
      }
    }
    const child = spawnHearth(['dev', '--no-initial'], dir)
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const until = async (what: string, done: () => boolean): Promise<void> => {
      const deadline = Date.now() + 60_000
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    try {
      await until('watching', () => /^watching /m.test(output))
      // No run yet, and the data reset already: ahead of the first save.
      await until('the reset ahead', () => resets() === 1)
      expect(output).not.toMatch(/▶ run/)
      writeFileSync(
        path.join(dir, 'tests/api.test.js'),
        "import { it } from 'vitest'\nit('runs again', () => {})\n",
      )
      await until('the run', () => /^✓ 1 passed/m.test(output))
      const run = output.slice(output.indexOf('▶ run 1'))
      expect(run).not.toContain('resetting the environments')
      // Then the reset after that run, for the next save.
      await until('the reset after the run', () => resets() === 2)
    } finally {
      child.kill('SIGINT')
      // Whatever failed above, the service this test started goes.
      await child.catch(() => undefined)
      await hearth(['down'], dir)
      resetting.cleanup()
    }
    expect((await child).exitCode).toBe(130)
  })
})
