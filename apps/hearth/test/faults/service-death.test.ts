import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { faultProject, hearth, leftovers, projectIdOf, repoRoot, waitFor } from './helpers.js'

/**
 * A service that dies after it was ready: `docker kill` of Postgres while `hearth ci` runs the
 * tests that use it. hearth notices at once (it watches every ready service), names the database
 * and its last output, ends the files that cannot pass any more instead of waiting for their
 * timeouts, exits 3 (an environment failure, not a test failure), and leaves nothing behind.
 */
const CONFIG = `import { postgres } from '@hearth/env-postgres'
import { defineConfig, defineEnvironment } from 'hearth'

export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: {
    db: postgres({ image: 'hearth-test/postgres:15', fallback: false }),
  } })],
  tests: [{ name: 'db', include: ['tests/**/*.test.ts'], environment: 'backend' }],
})
`

// Waits for the kill, as a test stuck on a dead database would (a pool's connect timeout, say).
const SLOW_TEST = `import { writeFileSync } from 'node:fs'
import { it } from 'vitest'

it('uses the database for a while', async () => {
  writeFileSync(process.env.MARKER_FILE, 'started')
  await new Promise((resolve) => setTimeout(resolve, 300_000))
}, 400_000)
`

describe('a service that dies while the tests use it', () => {
  const projects: Array<{ cleanup(): void }> = []
  afterAll(() => {
    for (const project of projects) project.cleanup()
  })

  it('docker kill of Postgres during hearth ci: exit 3 naming db and its last output, nothing left', async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    const { root } = project
    mkdirSync(path.join(root, 'tests'))
    writeFileSync(path.join(root, 'tests/db.test.ts'), SLOW_TEST)
    const vitest = path.join(repoRoot, 'examples/demo/node_modules/vitest')
    execFileSync('ln', ['-s', vitest, path.join(root, 'node_modules/vitest')])
    const id = await projectIdOf(root)
    const marker = path.join(root, 'started.marker')
    try {
      const ci = execa(
        process.execPath,
        [
          path.join(repoRoot, 'apps/hearth/bin/hearth.js'),
          'ci',
          '--reporter',
          'lines',
          '--reporter',
          'ndjson',
          '--output',
          'reports',
        ],
        { cwd: root, reject: false, stdin: 'ignore', env: { NO_COLOR: '1', MARKER_FILE: marker } },
      )
      await waitFor('the test runs', () => existsSync(marker) || ci.exitCode !== null)
      expect(existsSync(marker), 'the test never started').toBe(true)
      const [container] = execFileSync(
        'docker',
        [
          'ps',
          '-q',
          '--filter',
          `label=dev.hearth.project-id=${id}`,
          '--filter',
          'label=dev.hearth.service=db',
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean)
      expect(container).toBeDefined()
      execFileSync('docker', ['kill', container as string])

      const result = await ci
      const seen = result.stdout + result.stderr
      expect(result.exitCode, seen).toBe(3)
      expect(seen).toMatch(/✗ db +failed +stopped while in use: it exited with code 137 after it was ready/)
      expect(seen).toMatch(/last \d+ lines? of its output:/)
      expect(seen).toContain('not finished: db stopped while the tests ran')
      const events = readFileSync(path.join(root, 'reports/events.ndjson'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(events.find((event) => event.type === 'session.end')).toMatchObject({ exitCode: 3 })
      expect(
        events.some(
          (event) => event.type === 'service.state' && event.service === 'db' && event.state === 'failed',
        ),
      ).toBe(true)
      expect(leftovers(id)).toEqual([])
    } finally {
      await hearth(['down'], root)
    }
  })
})
