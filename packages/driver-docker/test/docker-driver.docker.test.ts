import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Instance, isDriverError, LABELS, type PrepareProgress } from '@hearth/driver'
import type { NormalizedService, ServiceDefinition } from '@hearth/environments'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { DockerDriver, networkName } from '../src/index.js'
import { docker, leftovers, removeAll, service, specFor, TOOLBOX } from './helpers.js'

const root = fileURLToPath(new URL('./fixtures', import.meta.url))
const projectId = `driver-docker-${process.pid}`
const otherProjectId = `driver-docker-other-${process.pid}`
const driver = new DockerDriver()
const started: Instance[] = []
const builtTags = new Set<string>()
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hearth-driver-docker-'))

const container = (
  definition: Omit<Extract<ServiceDefinition, { kind: 'container' }>, 'kind'>,
  name = 'svc',
  environment = 'env',
) => service(root, { kind: 'container', image: TOOLBOX, pull: 'never', ...definition }, name, environment)

async function start(definition: NormalizedService, id = projectId): Promise<Instance> {
  const inputs = await driver.prepare(definition, { root })
  const instance = await driver.start(specFor(id, root, definition, inputs))
  started.push(instance)
  return instance
}

async function lines(instance: Instance): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for await (const line of driver.logs(instance)) out.push([line.stream, line.text])
  return out
}

async function eventually(what: string, check: () => Promise<boolean>, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out after ${withinMs} ms waiting for ${what}`)
}

function inspect(kind: 'container' | 'network' | 'volume', name: string): Record<string, unknown> {
  const args = kind === 'container' ? ['inspect', name] : [kind, 'inspect', name]
  return (JSON.parse(docker(...args)) as Array<Record<string, unknown>>)[0] as Record<string, unknown>
}

afterEach(async () => {
  for (const instance of started.splice(0)) await driver.stop(instance, { timeoutMs: 100 })
})

afterAll(async () => {
  const left = [...leftovers(projectId), ...leftovers(otherProjectId)]
  await removeAll([projectId, otherProjectId])
  for (const tag of builtTags) docker('image', 'rm', '--force', tag)
  rmSync(scratch, { recursive: true, force: true })
  expect(left).toEqual([])
})

describe('DockerDriver: resources and labels', () => {
  it('labels the container, its network and its named volume, and mounts project folders', async () => {
    const instance = await start(
      container({
        command: 'echo up; cat /mnt/hello.txt; echo kept > /data/kept; sleep 600',
        volumes: ['data:/data', './mounted:/mnt:ro'],
        env: { SELF: 'http://{{host}}:{{ports.main}}/' },
        ports: { main: 8080 },
      }),
    )
    const info = inspect('container', instance.id) as {
      Name: string
      Image: string
      Config: { Image: string; Labels: Record<string, string>; Env: string[] }
      HostConfig: { Init: boolean }
      NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> }
    }
    // Created by the image's name (readable in `docker ps`), which is the id that prepare resolved.
    expect(info.Config.Image).toBe(TOOLBOX)
    expect(info.Image).toBe(docker('image', 'inspect', '--format', '{{.Id}}', TOOLBOX))
    expect(info.Name).toMatch(new RegExp(`^/hearth-${projectId}-env-svc-[0-9a-f]{6}$`))
    expect(info.HostConfig.Init).toBe(true)
    for (const [key, value] of Object.entries(instance.labels)) expect(info.Config.Labels[key]).toBe(value)
    expect(Object.keys(instance.labels).sort()).toEqual(Object.values(LABELS).sort())
    // Inside the container, its own templates mean the service's name and the container port.
    expect(info.Config.Env).toContain('SELF=http://svc:8080/')

    const network = networkName(projectId, 'env')
    expect(info.NetworkSettings.Networks[network]?.Aliases).toContain('svc')
    const networkLabels = (inspect('network', network) as { Labels: Record<string, string> }).Labels
    expect(networkLabels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.projectId]: projectId,
      [LABELS.environment]: 'env',
    })
    const volume = `hearth-${projectId}-env-svc-data`
    const volumeLabels = (inspect('volume', volume) as { Labels: Record<string, string> }).Labels
    expect(volumeLabels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.projectId]: projectId,
      [LABELS.environment]: 'env',
      [LABELS.service]: 'svc',
    })

    await eventually('the output', async () => (await lines(instance)).length >= 2)
    expect((await lines(instance)).map(([, text]) => text)).toEqual(['up', 'mounted from the project'])
    expect(await driver.exec(instance, { shell: 'cat /data/kept' })).toEqual({ exitCode: 0, output: 'kept' })

    await driver.stop(instance, { timeoutMs: 100 })
    expect(leftovers(projectId)).toEqual([])
  })

  it('publishes ports on 127.0.0.1 only, on ports the engine picks', async () => {
    const instance = await start(container({ command: 'sleep 600', ports: { main: 8080, admin: 9090 } }))
    const info = inspect('container', instance.id) as {
      HostConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> }
      NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }>> }
    }
    expect(info.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
      '9090/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    })
    const published = Object.values(info.NetworkSettings.Ports).flat()
    expect(published.map((binding) => binding.HostIp)).toEqual(['127.0.0.1', '127.0.0.1'])
    expect(instance.ports).toEqual({
      main: Number(info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort),
      admin: Number(info.NetworkSettings.Ports['9090/tcp']?.[0]?.HostPort),
    })
    expect(instance.ports.main).not.toBe(8080)
  })

  it('keeps the network while another container of the environment runs, and removes it with the last', async () => {
    const a = await start(container({ command: 'sleep 600' }, 'first'))
    const b = await start(container({ command: 'sleep 600' }, 'second'))
    const network = networkName(projectId, 'env')
    // Containers reach each other by service name on the environment's network.
    expect(
      (await driver.exec(b, { argv: ['busybox', 'ping', '-c', '1', '-W', '2', 'first'] })).exitCode,
    ).toBe(0)
    await driver.stop(a, { timeoutMs: 100 })
    expect(docker('network', 'ls', '--filter', `name=${network}`, '--format', '{{.Name}}')).toBe(network)
    await driver.stop(b, { timeoutMs: 100 })
    expect(docker('network', 'ls', '--filter', `name=${network}`, '--format', '{{.Name}}')).toBe('')
  })

  it('lists only containers that carry hearth marker and the project id', async () => {
    const mine = await start(container({ command: 'sleep 600' }, 'listed'))
    const theirs = await start(container({ command: 'sleep 600' }, 'listed'), otherProjectId)
    // Same labels but hearth's marker: not hearth's, never listed (nor touched).
    const stranger = docker(
      'run',
      '-d',
      '--label',
      `${LABELS.projectId}=${projectId}`,
      '--label',
      `${LABELS.service}=listed`,
      '--label',
      `${LABELS.environment}=env`,
      TOOLBOX,
      'sleep',
      '600',
    )
    try {
      expect((await driver.list({ projectId })).map((instance) => instance.id)).toEqual([mine.id])
      expect((await driver.list({ projectId: otherProjectId })).map((instance) => instance.id)).toEqual([
        theirs.id,
      ])
      await expect(driver.stop({ ...mine, id: stranger }, { timeoutMs: 100 })).rejects.toMatchObject({
        message: expect.stringContaining("does not carry hearth's labels"),
      })
      expect(docker('inspect', '--format', '{{.State.Running}}', stranger)).toBe('true')
    } finally {
      docker('rm', '--force', stranger)
    }
  })

  it('removes everything of a project, and nothing else', async () => {
    await start(container({ command: 'sleep 600', volumes: ['cache:/cache'] }, 'web', 'one'))
    await start(container({ command: 'sleep 600', volumes: ['data:/data'] }, 'db', 'two'))
    const job = await start(
      service(root, { kind: 'job', image: TOOLBOX, command: 'exit 2' }, 'migrate', 'two'),
    )
    await driver.wait(job)
    const other = await start(container({ command: 'sleep 600' }, 'web', 'one'), otherProjectId)
    started.length = 0

    const removed = await driver.removeProjectResources(projectId)
    expect(removed.containers).toHaveLength(3)
    expect(removed.networks.sort()).toEqual([networkName(projectId, 'one'), networkName(projectId, 'two')])
    expect(removed.volumes.sort()).toEqual([
      `hearth-${projectId}-one-web-cache`,
      `hearth-${projectId}-two-db-data`,
    ])
    expect(leftovers(projectId)).toEqual([])
    expect(await driver.inspect(other)).toEqual({ status: 'running' })
    await driver.stop(other, { timeoutMs: 100 })
    expect(leftovers(otherProjectId)).toEqual([])
    // Nothing left to remove is not an error.
    expect(await driver.removeProjectResources(projectId)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    })
  })
})

describe('DockerDriver: images', () => {
  it('builds from a context once, reuses the image while the context is unchanged, rebuilds when a file changes', async () => {
    const context = path.join(scratch, 'api')
    mkdirSync(path.join(context, 'ignored'), { recursive: true })
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TOOLBOX}\nCOPY . /app/\nCMD ["sleep", "600"]\n`)
    writeFileSync(path.join(context, '.dockerignore'), 'ignored\n*.log\n')
    writeFileSync(path.join(context, 'hello.txt'), 'one\n')
    writeFileSync(path.join(context, 'ignored', 'big.bin'), 'x'.repeat(1000))
    writeFileSync(path.join(context, 'debug.log'), 'noise\n')
    const definition = service(scratch, { kind: 'container', build: { context: 'api' } }, 'api')
    const progress: PrepareProgress[] = []
    const prepare = async (): Promise<{ image: string; ms: number }> => {
      const begin = performance.now()
      const { image } = await driver.prepare(definition, {
        root: scratch,
        onProgress: (p) => progress.push(p),
      })
      return { image: image as string, ms: performance.now() - begin }
    }

    const first = await prepare()
    expect(first.image).toMatch(/^sha256:[0-9a-f]{64}$/)
    const tag = docker('image', 'inspect', '--format', '{{index .RepoTags 0}}', first.image)
    builtTags.add(tag)
    expect(tag).toMatch(/^hearth-build\/[a-z0-9-]+-[0-9a-f]{8}-api:[0-9a-f]{16}$/)
    expect(docker('image', 'inspect', '--format', `{{index .Config.Labels "${LABELS.managed}"}}`, tag)).toBe(
      'true',
    )
    expect(progress.some((p) => p.message.startsWith('building api'))).toBe(true)

    progress.length = 0
    const cached = await prepare()
    expect(cached.image).toBe(first.image)
    expect(progress).toEqual([])
    // Nothing was built again (no progress, the same image); how fast that is, `pnpm bench` says.
    console.log(`build ${first.ms.toFixed(0)} ms, cached prepare ${cached.ms.toFixed(0)} ms`)

    // Ignored files change nothing; a file the build sends does.
    writeFileSync(path.join(context, 'ignored', 'big.bin'), 'y'.repeat(1000))
    writeFileSync(path.join(context, 'debug.log'), 'more noise\n')
    expect((await prepare()).image).toBe(first.image)
    writeFileSync(path.join(context, 'hello.txt'), 'two\n')
    const rebuilt = await prepare()
    builtTags.add(docker('image', 'inspect', '--format', '{{index .RepoTags 0}}', rebuilt.image))
    expect(rebuilt.image).not.toBe(first.image)

    const instance = await driver.start(specFor(projectId, scratch, definition, { image: rebuilt.image }))
    started.push(instance)
    expect(await driver.exec(instance, { shell: 'cat /app/hello.txt; ls /app' })).toEqual({
      exitCode: 0,
      output: 'two\nDockerfile\nhello.txt',
    })
  })

  it('fails a build with the last lines of its output', async () => {
    const context = path.join(scratch, 'broken')
    mkdirSync(context, { recursive: true })
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TOOLBOX}\nRUN echo about-to-fail && exit 3\n`)
    const definition = service(scratch, { kind: 'container', build: { context: 'broken' } }, 'broken')
    const error = await driver.prepare(definition, { root: scratch }).catch((caught: unknown) => caught)
    expect(isDriverError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'start-failed' })
    expect((error as Error).message).toContain('building broken from broken failed')
    expect((error as Error).message).toContain('about-to-fail')
    expect((error as Error).message).toMatch(/returned a non-zero code: 3/)
  })

  it("refuses a missing image under pull: 'never', and when the pull fails", async () => {
    const never = container({ image: 'hearth-test/not-built:1', pull: 'never' })
    await expect(driver.prepare(never, { root })).rejects.toMatchObject({
      code: 'image-missing',
      message: "the image hearth-test/not-built:1 of svc is not on the engine, and svc has pull: 'never'",
      fix: expect.stringContaining('docker build -t hearth-test/not-built:1'),
    })
    // No registry answers here: the pull that `missing` tries fails, and says why.
    const missing = container({ image: 'hearth-test/not-built:1', pull: 'missing' })
    await expect(driver.prepare(missing, { root })).rejects.toMatchObject({
      code: 'image-missing',
      message: expect.stringContaining('could not pull the image hearth-test/not-built:1 of svc'),
    })
  })

  it("uses the local image when pull: 'always' cannot pull, and says so", async () => {
    const progress: PrepareProgress[] = []
    const always = container({ pull: 'always' })
    const { image } = await driver.prepare(always, { root, onProgress: (p) => progress.push(p) })
    expect(image).toBe(docker('image', 'inspect', '--format', '{{.Id}}', TOOLBOX))
    expect(progress.at(-1)?.message).toMatch(
      /^could not pull hearth-test\/toolbox:1 \(.+\); using the image already here$/,
    )
  })
})

describe('DockerDriver: start, readiness, exec and logs', () => {
  it('refuses a fixed host port that is taken, naming the port and the fix', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const error = await start(
        container({ command: 'sleep 600', ports: { main: { container: 8080, host: port } } }, 'taken'),
      ).catch((caught: unknown) => caught)
      expect(isDriverError(error)).toBe(true)
      expect(error).toMatchObject({
        code: 'port-conflict',
        message: `port ${port} (ports.main of taken) is already in use on 127.0.0.1`,
        fix: expect.stringContaining(`drop the fixed port (\`host: ${port}\``),
      })
      // The container that could not start is not left behind.
      expect(await driver.list({ projectId, service: 'taken' })).toEqual([])
    } finally {
      blocker.close()
    }
  })

  it('waits for the engine healthcheck, and says when a service has none', async () => {
    const instance = await start(
      container({
        command: 'sleep 0.5; echo > /tmp/healthy; sleep 600',
        healthcheck: { command: 'test -f /tmp/healthy', intervalMs: 100, timeoutMs: 1000, retries: 50 },
      }),
    )
    const check = { type: 'healthcheck', timeoutMs: 10_000, intervalMs: 100 } as const
    const first = await driver.probe(instance, check, { timeoutMs: 1000 })
    expect(first).toMatchObject({ ok: false, detail: expect.stringMatching(/^starting/) })
    await eventually('healthy', async () => (await driver.probe(instance, check, { timeoutMs: 1000 })).ok)
    expect(await driver.inspect(instance)).toEqual({ status: 'running', health: 'healthy' })

    const plain = await start(container({ command: 'sleep 600' }, 'plain'))
    expect(await driver.probe(plain, check, { timeoutMs: 1000 })).toEqual({
      ok: false,
      detail: 'plain has no healthcheck: give the service a healthcheck, or use another readiness check',
    })
  })

  it('runs commands inside the container: exit codes, env, a missing command, a timeout', async () => {
    const instance = await start(
      container({ command: 'sleep 600', env: { WHO: 'container' }, ports: { main: 8080 } }),
    )
    expect(
      await driver.exec(
        instance,
        { argv: ['sh', '-c', 'echo "$WHO $EXTRA"; exit 5'] },
        { env: { EXTRA: 'extra' } },
      ),
    ).toEqual({
      exitCode: 5,
      output: 'container extra',
    })
    expect(await driver.exec(instance, { shell: 'true' })).toEqual({ exitCode: 0, output: '' })
    // Inside the container, templates mean the container port and the service's name.
    expect(await driver.exec(instance, { argv: ['echo', '{{host}}:{{ports.main}}'] })).toEqual({
      exitCode: 0,
      output: 'svc:8080',
    })
    expect(await driver.exec(instance, { argv: ['no-such-command'] })).toEqual({
      exitCode: 127,
      output: expect.stringContaining('"no-such-command": executable file not found'),
    })
    // Ten minutes of sleep: an exec whose timeout did not work outlasts the test. What it printed
    // before is kept; on a loaded machine the echo itself may not have come within the 3 s.
    const slow = await driver.exec(instance, { shell: 'echo started; sleep 600' }, { timeoutMs: 3000 })
    expect(slow).toEqual({
      exitCode: 124,
      output: expect.stringMatching(/^(started\n)?\(timed out after 3000 ms\)$/),
    })
    const probe = await driver.probe(
      instance,
      { type: 'command', command: { shell: 'echo nope; exit 2' }, timeoutMs: 1000, intervalMs: 100 },
      { timeoutMs: 1000 },
    )
    expect(probe).toEqual({ ok: false, detail: 'exit 2: nope' })

    await driver.stop(instance, { timeoutMs: 100 })
    await expect(driver.exec(instance, { shell: 'true' })).rejects.toMatchObject({ code: 'exited' })
  })

  it('reads stdout and stderr apart, in order, from the start, and follows until exit', async () => {
    const instance = await start(
      // The engine copies stdout and stderr apart: only writes some time apart keep their order.
      container(
        {
          command:
            'echo out-1; sleep 0.1; echo err-1 >&2; sleep 0.3; echo out-2; sleep 0.1; printf "no newline" >&2; sleep 0.3',
        },
        'talker',
      ),
    )
    const followed: Array<[string, string]> = []
    for await (const line of driver.logs(instance, { follow: true })) followed.push([line.stream, line.text])
    const expected = [
      ['stdout', 'out-1'],
      ['stderr', 'err-1'],
      ['stdout', 'out-2'],
      ['stderr', 'no newline'],
    ]
    expect(followed).toEqual(expected)
    expect(await lines(instance)).toEqual(expected)

    // A follow that is aborted ends quietly.
    const running = await start(container({ command: 'echo first; sleep 600' }, 'follower'))
    const controller = new AbortController()
    const seen: string[] = []
    for await (const line of driver.logs(running, { follow: true, signal: controller.signal })) {
      seen.push(line.text)
      controller.abort()
    }
    expect(seen).toEqual(['first'])
  })
})

describe('DockerDriver: a wait that lasts', () => {
  it('looks at the container again and again without gathering listeners, and still sees it exit', {
    timeout: 180_000,
  }, async () => {
    // A wait lasts as long as the service is watched: a session. Looked at every 5 ms here, it
    // looks hundreds of times in a second; every look once left a listener on the wait's signal.
    const often = new DockerDriver({ waitLookEveryMs: 5 })
    const instance = await start(container({ command: 'sleep 600' }, 'watched'))
    const warnings: string[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`)
    }
    process.on('warning', onWarning)
    let looks = 0
    const look = often.inspect.bind(often)
    often.inspect = async (target) => {
      looks += 1
      return look(target)
    }
    try {
      const waited = often.wait(instance, {})
      await eventually('50 looks', async () => looks >= 50, 120_000)
      docker('kill', instance.id)
      expect(await waited).toEqual({ exitCode: 137, signal: null })
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.filter((warning) => warning.includes('MaxListenersExceeded'))).toEqual([])
  })
})

describe('DockerDriver: a wait that ends', () => {
  it('stops looking once aborted, even when the abort comes while a look is under way', {
    timeout: 180_000,
  }, async () => {
    // In a process of its own (the built driver), which must then exit by itself: looks that went
    // on after the abort would keep it alive for ever, as they kept `hearth up` alive.
    const instance = await start(container({ command: 'sleep 600' }, 'aborted'))
    const script = `
import { DockerDriver } from ${JSON.stringify(path.resolve(root, '../../dist/index.js'))}
const driver = new DockerDriver({ waitLookEveryMs: 5 })
const controller = new AbortController()
const look = driver.inspect.bind(driver)
let looks = 0
driver.inspect = (target) => {
  looks += 1
  const looking = look(target)
  if (looks === 3) controller.abort(new Error('done waiting'))
  return looking
}
const outcome = await driver.wait(JSON.parse(process.env.INSTANCE), { signal: controller.signal }).then(
  () => 'returned',
  (error) => error.message,
)
console.log(outcome)
`
    const child = await new Promise<{ code: number | null; killed: boolean; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { env: { ...process.env, INSTANCE: JSON.stringify(instance) }, timeout: 120_000 },
        (error, stdout) =>
          resolve({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
            killed: error?.killed ?? false,
            stdout: stdout.trim(),
          }),
      )
    })
    expect(child).toEqual({ code: 0, killed: false, stdout: 'done waiting' })
  })
})

describe('DockerDriver: reaching the engine', () => {
  it('works through DOCKER_HOST=tcp://127.0.0.1:<port>', async () => {
    // A small TCP → unix socket relay stands in for an engine on a TCP port.
    let requests = 0
    const relay = net.createServer((client) => {
      const engine = net.connect('/var/run/docker.sock')
      client.on('data', (chunk: Buffer) => {
        requests += chunk.toString('latin1').match(/^[A-Z]+ \/\S* HTTP\/1\.1\r$/gm)?.length ?? 0
      })
      client.pipe(engine).pipe(client)
      client.on('error', () => engine.destroy())
      engine.on('error', () => client.destroy())
    })
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
    const port = (relay.address() as net.AddressInfo).port
    try {
      const remote = new DockerDriver({ env: { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}` } })
      expect(remote.endpoint).toBe(`tcp://127.0.0.1:${port}`)
      await remote.check()
      const definition = service(root, { kind: 'job', image: TOOLBOX, command: 'echo over tcp' }, 'remote')
      const inputs = await remote.prepare(definition, { root })
      const instance = await remote.start(specFor(projectId, root, definition, inputs))
      expect((await remote.wait(instance)).exitCode).toBe(0)
      const text: string[] = []
      for await (const line of remote.logs(instance)) text.push(line.text)
      expect(text).toEqual(['over tcp'])
      await remote.stop(instance)
      // check, image, network, create, start, inspect, wait, logs, stop…: all through the relay.
      expect(requests).toBeGreaterThan(8)
    } finally {
      relay.close()
    }
  })

  it('says what is wrong when the engine does not answer, with the fix', async () => {
    const socket = path.join(scratch, 'no-engine.sock')
    await expect(new DockerDriver({ docker: { socketPath: socket } }).check()).rejects.toMatchObject({
      code: 'runtime-unavailable',
      message: `the Docker daemon is not running: nothing answers on unix://${socket}`,
      fix: expect.stringContaining('sudo systemctl start docker'),
    })
    await expect(
      new DockerDriver({ env: { DOCKER_HOST: `unix://${socket}`, PATH: '' } }).check(),
    ).rejects.toMatchObject({
      code: 'runtime-unavailable',
      message: 'Docker is not installed',
      fix: expect.stringContaining('install Docker Engine'),
    })
    // A socket file that nothing listens on (a daemon that died): refused, not missing.
    const stale = net.createServer()
    await new Promise<void>((resolve) => stale.listen(socket, resolve))
    await new Promise<void>((resolve) => stale.close(() => resolve()))
    writeFileSync(socket, '')
    await expect(new DockerDriver({ docker: { socketPath: socket } }).check()).rejects.toMatchObject({
      code: 'runtime-unavailable',
    })
    await expect(new DockerDriver({ env: { DOCKER_HOST: 'tcp://' } }).check()).rejects.toMatchObject({
      code: 'runtime-unavailable',
      message: 'DOCKER_HOST=tcp:// is not a Docker host hearth can use',
    })
  })
})
