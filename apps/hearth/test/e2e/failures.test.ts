import { afterAll, describe, expect, it } from 'vitest'
import { hearth, processesOf, spawnHearth, writeProject } from './helpers.js'

/** When an environment cannot be made ready, or the user presses Ctrl-C: clear output, the right exit code, nothing left running. */
describe('failures and interrupts', () => {
  const projects: Array<{ cleanup(): void }> = []
  afterAll(async () => {
    for (const created of projects) created.cleanup()
  })
  const project = (config: string) => {
    const created = writeProject({ 'hearth.config.ts': config })
    projects.push(created)
    return created.root
  }
  const projectId = async (root: string) =>
    (JSON.parse((await hearth(['status', '--json'], root)).stdout) as { project: { id: string } }).project.id

  it('exits 3 when a service crashes while starting, shows its output, and stops what it started', async () => {
    const root = project(`export default { environments: [{ name: 'backend', services: {
  db: { kind: 'process', command: 'echo "db up"; exec sleep 30', readiness: { type: 'log', pattern: '^db up$' } },
  api: { kind: 'process', command: 'echo "connecting to $DB"; echo "Error: ECONNREFUSED" >&2; exit 1', dependsOn: ['db'], env: { DB: '{{db.host}}' }, ports: { http: {} } },
  worker: { kind: 'process', command: 'exec sleep 30', dependsOn: ['api'] },
} }] }`)
    const result = await hearth(['up'], root)
    expect(result.exitCode).toBe(3)
    const text = result.stdout.replace(/\d+ ms/g, '<t>')
    expect(text).toContain(
      [
        '✗ api       failed       exited with code 1 before it was ready',
        '            fix: see its output below',
        '            last 2 lines of its output:',
        '            │ connecting to 127.0.0.1',
        '            │ Error: ECONNREFUSED',
        '- worker    not started  api failed',
        'stopping what this run started, so nothing is left half-started…',
      ].join('\n'),
    )
    expect(text).toMatch(/^ {2}db +stopped/m)
    expect(text.trimEnd().split('\n').at(-1)).toBe('✗ backend failed: api')
    expect(processesOf(await projectId(root))).toEqual([])
  })

  it('exits 3 when readiness times out, naming the last probe', async () => {
    const root = project(`export default { environments: [{ name: 'backend', services: {
  api: { kind: 'process', command: 'exec sleep 30', ports: { http: {} }, readiness: { type: 'http', port: 'http', path: '/health', timeoutMs: 400 } },
} }] }`)
    const result = await hearth(['up'], root)
    expect(result.exitCode).toBe(3)
    expect(result.stdout).toMatch(
      /^✗ api +failed +not ready after 400 ms \(\d+ probes; last: GET http:\/\/127\.0\.0\.1:\d+\/health: connection refused\)$/m,
    )
    expect(processesOf(await projectId(root))).toEqual([])
  })

  it('on Ctrl-C while starting, stops what it started and exits 130', async () => {
    const root = project(`export default { environments: [{ name: 'backend', services: {
  db: { kind: 'process', command: 'echo ready; exec sleep 30', readiness: { type: 'log', pattern: 'ready' } },
  api: { kind: 'process', command: 'exec sleep 30', dependsOn: ['db'], readiness: { type: 'command', command: 'false' } },
} }] }`)
    const id = await projectId(root)
    const child = spawnHearth(['up'], root)
    let seen = ''
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        if (/^ {2}api +started/m.test(seen)) resolve()
      })
    })
    expect(processesOf(id).length).toBeGreaterThan(0)
    child.kill('SIGINT')
    const result = await child
    expect(result.exitCode).toBe(130)
    expect(result.stdout).toContain('! interrupted (SIGINT): stopping what this run started…')
    expect(result.stdout).toMatch(/^ {2}db +stopped/m)
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('! backend interrupted')
    expect(processesOf(id)).toEqual([])
  })
})

/** No engine answering: containers without a stand-in fail with the fix; those with one run it. */
describe('without a Docker engine', () => {
  const noEngine = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
  const projects: Array<{ cleanup(): void }> = []
  afterAll(() => {
    for (const created of projects) created.cleanup()
  })
  const project = (services: string) => {
    const created = writeProject({
      'hearth.config.ts': `export default { environments: [{ name: 'backend', services: ${services} }] }`,
    })
    projects.push(created)
    return created.root
  }

  it('exits 3 naming the socket and how to start the engine, and starts nothing else', async () => {
    const root = project(`{
      cache: { kind: 'container', image: 'redis:7-alpine', ports: { redis: 6379 } },
      api: { kind: 'process', command: 'exec sleep 30', dependsOn: ['cache'] },
    }`)
    const result = await hearth(['up'], root, noEngine)
    expect(result.exitCode).toBe(3)
    expect(result.stdout).toContain(
      '✗ cache     failed       the Docker daemon is not running: nothing answers on unix:///nonexistent/docker.sock',
    )
    expect(result.stdout).toMatch(/^ {12}fix: start it: .*or point DOCKER_HOST at a running engine$/m)
    expect(result.stdout).toMatch(/^- api +not started +cache failed$/m)
    expect(result.stdout).not.toMatch(/stopping what this run started/)
    expect(result.stdout).not.toMatch(/^\s+at /m)
  })

  it('runs the stand-in of a container that has one, and says why', async () => {
    const root = project(`{
      cache: {
        kind: 'container', image: 'redis:7-alpine', ports: { redis: 6379 },
        outputs: { url: 'redis://{{host}}:{{ports.redis}}' },
        fallback: { kind: 'process', command: 'exec sleep 30', ports: { redis: { env: 'PORT' } }, readiness: { type: 'command', command: 'true' }, outputs: { url: 'redis://{{host}}:{{ports.redis}}' } },
      },
    }`)
    const result = await hearth(['up'], root, noEngine)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(
      /^! cache +fallback +the Docker daemon is not running: nothing answers on unix:\/\/\/nonexistent\/docker\.sock: running its local stand-in instead$/m,
    )
    const id = (
      JSON.parse((await hearth(['status', '--json'], root, noEngine)).stdout) as { project: { id: string } }
    ).project.id
    expect(processesOf(id).length).toBeGreaterThan(0)
    expect((await hearth(['down'], root, noEngine)).exitCode).toBe(0)
    expect(processesOf(id)).toEqual([])
  })
})
