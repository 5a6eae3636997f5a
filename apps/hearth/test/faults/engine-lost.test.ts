import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { faultProject, hearth, leftovers, projectIdOf, repoRoot, waitFor } from './helpers.js'

/**
 * The engine goes away mid-session. hearth talks to Docker through a loopback TCP relay to the real
 * engine's socket (DOCKER_HOST=tcp://127.0.0.1:PORT); closing the relay, and every connection
 * through it, is to hearth what a stopped daemon is: the engine stops answering. (Stopping the
 * machine's own dockerd would take every other suite's containers with it.) hearth must say that
 * it lost the engine, exit 3, say what may be left, and a later `down` must remove it all.
 */
const CONFIG = `import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from 'hearth'

export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: {
    cache: redis({ image: 'hearth-test/redis:7', fallback: false }),
  } })],
  tests: [{ name: 'cache', include: ['tests/**/*.test.ts'], environment: 'backend' }],
})
`

const SLOW_TEST = `import { writeFileSync } from 'node:fs'
import { it } from 'vitest'

it('uses the cache for a while', async () => {
  writeFileSync(process.env.MARKER_FILE, 'started')
  await new Promise((resolve) => setTimeout(resolve, 300_000))
}, 400_000)
`

/** A TCP relay on 127.0.0.1 to the engine's unix socket, that can be cut and restored on its port. */
class EngineRelay {
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  port = 0

  async open(): Promise<void> {
    const target = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '')
    const server = createServer((client) => {
      const engine = connect(target)
      for (const socket of [client, engine]) {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => undefined)
      }
      client.pipe(engine).pipe(client)
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as { port: number }).port
    this.server = server
  }

  /** The engine stops answering: no new connection, and every open one cut. */
  async cut(): Promise<void> {
    const server = this.server
    this.server = null
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())))
  }
}

describe('the container engine lost mid-session', () => {
  const projects: Array<{ cleanup(): void }> = []
  const relay = new EngineRelay()
  afterAll(async () => {
    await relay.cut()
    for (const project of projects) project.cleanup()
  })

  it('hearth ci: exit 3 naming the lost service and what is left; a later down removes it', async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    const { root } = project
    mkdirSync(path.join(root, 'tests'))
    writeFileSync(path.join(root, 'tests/cache.test.ts'), SLOW_TEST)
    symlinkSync(
      path.join(repoRoot, 'examples/demo/node_modules/vitest'),
      path.join(root, 'node_modules/vitest'),
    )
    const id = await projectIdOf(root)
    const marker = path.join(root, 'started.marker')
    await relay.open()
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${relay.port}` }
    try {
      const ci = execa(process.execPath, [path.join(repoRoot, 'apps/hearth/bin/hearth.js'), 'ci'], {
        cwd: root,
        reject: false,
        stdin: 'ignore',
        env: { NO_COLOR: '1', MARKER_FILE: marker, ...env },
      })
      await waitFor('the test runs', () => existsSync(marker) || ci.exitCode !== null)
      expect(existsSync(marker), 'the test never started').toBe(true)
      await relay.cut()

      const result = await ci
      const seen = result.stdout + result.stderr
      expect(result.exitCode, seen).toBe(3)
      expect(seen).toMatch(/✗ cache +failed +lost while in use: /)
      expect(seen).toContain('not finished: cache stopped while the tests ran')
      // The container still runs (the engine does): hearth could not stop it, and says how to.
      expect(leftovers(id).length).toBeGreaterThan(0)
      expect(seen).toContain('left running: backend; `hearth down backend` removes it')

      await relay.open()
      const down = await hearth(['down'], root, env)
      expect(down.exitCode, down.stdout + down.stderr).toBe(0)
      expect(leftovers(id)).toEqual([])
    } finally {
      if (relay.port !== 0) {
        await relay.cut()
        await relay.open()
        await hearth(['down', '--all'], root, env)
      }
    }
  })
})
