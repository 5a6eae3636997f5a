import { createServer, type Server } from 'node:net'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, hearth, linkDemoModules, writeProject } from './helpers.js'

/**
 * An older project whose tests hard-code where Redis is (`127.0.0.1:<port>`, as many suites hard-code
 * `localhost:6379`) and read the url under their own name (`CACHE_URI`): the Redis preset's
 * `hostPort` puts the service on that port and `env` maps its url onto that name. Without Docker
 * (an engine that does not answer), so the stand-in takes the fixed port too. When the port is
 * taken, the run fails with exit 3 naming it.
 */
describe('a preset with hostPort, for a suite that hard-codes its port', () => {
  const projects: Array<{ root: string; cleanup(): void }> = []
  const noEngine = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
  afterAll(async () => {
    for (const project of projects) {
      await hearth(['down', '--all'], project.root, noEngine)
      project.cleanup()
    }
  })

  async function legacyProject(port: number): Promise<string> {
    const project = writeProject({
      'package.json': JSON.stringify(
        { name: 'session-store', private: true, type: 'module', scripts: { test: 'vitest run' } },
        null,
        2,
      ),
      'hearth.config.ts': `import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from 'hearth'

// The suite connects to 127.0.0.1:${port} itself, and reads CACHE_URI: hearth serves both.
const cache = defineEnvironment({
  name: 'cache',
  services: { redis: redis({ hostPort: ${port}, env: { CACHE_URI: 'url' } }) },
})

export default defineConfig({
  project: 'session-store',
  environments: [cache],
  tests: [{ name: 'sessions', include: ['test/**/*.test.ts'], environment: 'cache' }],
})
`,
      'vitest.config.ts': `import { defineConfig } from 'vitest/config'

export default defineConfig({ test: { include: ['test/**/*.test.ts'] } })
`,
    })
    projects.push(project)
    const { mkdirSync, writeFileSync } = await import('node:fs')
    mkdirSync(path.join(project.root, 'test'))
    writeFileSync(
      path.join(project.root, 'test/sessions.test.ts'),
      `import { connect } from 'node:net'
import { expect, it } from 'vitest'

// Where the suite has always found Redis: hard-coded, as in many projects.
const REDIS = { host: '127.0.0.1', port: ${port} }

/** One command in RESP, its reply as text. */
function send(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(REDIS, () =>
      socket.write(\`*\${args.length}\\r\\n\${args.map((arg) => \`$\${Buffer.byteLength(arg)}\\r\\n\${arg}\\r\\n\`).join('')}\`),
    )
    socket.once('data', (data) => {
      resolve(data.toString())
      socket.end()
    })
    socket.once('error', reject)
  })
}

it('stores a session where the suite expects Redis', async () => {
  expect(await send('SET', 'session:1', 'ada')).toBe('+OK\\r\\n')
  expect(await send('GET', 'session:1')).toBe('$3\\r\\nada\\r\\n')
})

it('reads the url under the name the project uses', () => {
  expect(process.env.CACHE_URI).toBe('redis://127.0.0.1:${port}')
})
`,
    )
    // The project's dependencies: the demo's install (Vitest, hearth's presets).
    linkDemoModules(project.root)
    return project.root
  }

  it('runs the suite against a Redis on the port it hard-codes', { timeout: 180_000 }, async () => {
    const port = await freePort()
    const root = await legacyProject(port)
    const result = await hearth(['ci'], root, noEngine)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^✓ redis +ready .* redis://127\\.0\\.0\\.1:${port}$`, 'm'))
    expect(result.stdout).toMatch(/^✓ 1 passed in .* \(2 tests\)$/m)
  })

  it('fails with exit 3 naming the port when something else holds it, and leaves nothing', {
    timeout: 180_000,
  }, async () => {
    const port = await freePort()
    const root = await legacyProject(port)
    const squatter: Server = createServer()
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve))
    try {
      const result = await hearth(['ci'], root, noEngine)
      expect(result.exitCode).toBe(3)
      expect(`${result.stdout}\n${result.stderr}`).toContain(
        `port ${port} (ports.redis of redis) is already in use on 127.0.0.1`,
      )
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()))
    }
    // Nothing half-started is left: every service is stopped, with no instance.
    const status = await hearth(['status', '--json'], root, noEngine)
    const services = (
      JSON.parse(status.stdout) as {
        environments: Array<{ services: Array<{ state: string; instance: unknown }> }>
      }
    ).environments.flatMap((environment) => environment.services)
    expect(services).toEqual([expect.objectContaining({ state: 'stopped', instance: null })])
  })
})
