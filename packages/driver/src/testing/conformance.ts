import net from 'node:net'
import { computeSpecHash, type NormalizedCommand, type NormalizedService } from '@hearth/environments'
import { afterAll, describe, expect, it } from 'vitest'
import { createLabels } from '../create-labels.js'
import { LABELS } from '../labels.js'
import type { AtomicReadiness, Driver, Instance, InstanceSpec } from '../types.js'

/**
 * Services every driver must be able to run, built in the driver's own terms (a node script for the
 * process driver, an image for Docker, a scripted behaviour for the fake). Each gets `GREETING` in
 * its env.
 */
export interface ConformanceFixtures {
  /**
   * Long-running. Listens on the port named `main` (HTTP: GET / answers 200), prints
   * `hello <GREETING>` and then `ready` once listening.
   */
  server(): NormalizedService
  /** Prints `bye`, then exits with `code` about 100 ms after starting. */
  crash(code: number): NormalizedService
  /** Ignores SIGTERM (prints `trapping` once it does): only a forced kill stops it. */
  stubborn(): NormalizedService
  /** A job: prints `job done` and exits with `code`. */
  job(code: number): NormalizedService
  /**
   * The commands the suite runs in the server's context through `exec` and `command` probes.
   * Default: POSIX shell commands, for drivers that run real ones.
   */
  commands?: ConformanceCommands
}

export interface ConformanceCommands {
  /** Prints `exec-<GREETING>` (from the instance's env) and exits 0. */
  greet: NormalizedCommand
  /** Prints `failing` on stderr and exits with `code`. */
  fail(code: number): NormalizedCommand
}

const SHELL_COMMANDS: ConformanceCommands = {
  greet: { shell: 'echo "exec-$GREETING"' },
  fail: (code) => ({ argv: ['sh', '-c', `echo failing >&2; exit ${code}`] }),
}

export interface ConformanceOptions {
  /** Shown in the suite's name. */
  name: string
  createDriver(): Driver | Promise<Driver>
  fixtures: ConformanceFixtures
  /** Absolute project root handed to the driver. */
  root: string
  /** The grace period given to `stop` for the stubborn fixture. */
  stopTimeoutMs: number
  /** Per-test timeout. Default 30 s. */
  testTimeoutMs?: number
  /**
   * The project id the suite's instances carry. Default: a fresh one. Give one to look at what the
   * suite started from outside (say, that the engine holds nothing of it once the suite is done).
   */
  projectId?: string
  /**
   * Driver-specific checks of every instance the suite starts, run as soon as `start` resolves
   * (say, how the engine itself sees it: its labels, where its ports are bound). A rejection fails
   * the test that started it.
   */
  onStarted?(instance: Instance, driver: Driver): void | Promise<void>
}

const PROJECT = 'conformance'

/**
 * The behaviour every Driver promises, as one Vitest suite. A driver package calls this from its
 * tests with its own fixtures (the real drivers from `*.integration.test.ts` or `*.docker.test.ts`
 * files, the fake from its unit tests, scripted to listen on real ports). Everything is checked for
 * real: the suite connects to the published ports itself and reads the output the services printed.
 */
export function describeDriverConformance(options: ConformanceOptions): void {
  const projectId =
    options.projectId ?? `conformance-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const commands = options.fixtures.commands ?? SHELL_COMMANDS
  const timeout = options.testTimeoutMs ?? 30_000
  const started: Instance[] = []
  let driverPromise: Promise<Driver> | null = null
  const driver = (): Promise<Driver> => {
    driverPromise ??= Promise.resolve(options.createDriver())
    return driverPromise
  }

  const spec = (service: string, definition: NormalizedService, environment = 'env'): InstanceSpec => {
    const named = { ...definition, name: service, environment }
    const specHash = computeSpecHash(named)
    const identity = { project: PROJECT, projectId, environment, service }
    return {
      identity,
      specHash,
      labels: createLabels(identity, named.kind, specHash, '0.0.0-conformance'),
      service: named,
      root: options.root,
    }
  }

  const start = async (
    service: string,
    definition: NormalizedService,
    environment?: string,
  ): Promise<Instance> => {
    const d = await driver()
    const instance = await d.start(spec(service, definition, environment))
    started.push(instance)
    await options.onStarted?.(instance, d)
    return instance
  }

  const eventually = async (
    what: string,
    check: () => Promise<boolean>,
    withinMs = 10_000,
  ): Promise<void> => {
    const deadline = Date.now() + withinMs
    while (Date.now() < deadline) {
      if (await check()) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`timed out after ${withinMs} ms waiting for ${what}`)
  }

  const logText = async (instance: Instance): Promise<string> => {
    const lines: string[] = []
    for await (const line of (await driver()).logs(instance)) lines.push(line.text)
    return lines.join('\n')
  }

  const probe = async (instance: Instance, check: AtomicReadiness): Promise<boolean> =>
    (await (await driver()).probe(instance, check, { timeoutMs: 1000 })).ok

  const timing = { timeoutMs: 10_000, intervalMs: 100 }

  describe(`Driver conformance: ${options.name}`, () => {
    afterAll(async () => {
      const d = await driver()
      for (const instance of started) await d.stop(instance, { timeoutMs: 100 })
      const left = await d.list({ projectId })
      for (const instance of left) await d.stop(instance, { timeoutMs: 100 })
      await d.close?.()
    })

    it(
      'starts a service with its labels, on a loopback port, and lists it',
      async () => {
        const d = await driver()
        const instance = await start('web', options.fixtures.server())
        expect(instance.driver).toBe(d.name)
        expect(instance.identity).toEqual({ project: PROJECT, projectId, environment: 'env', service: 'web' })
        expect(instance.host).toBe('127.0.0.1')
        expect(instance.labels[LABELS.projectId]).toBe(projectId)
        expect(instance.labels[LABELS.specHash]).toBe(instance.specHash)
        expect(instance.ports.main).toBeGreaterThan(0)
        expect((await d.inspect(instance)).status).toBe('running')

        const listed = await d.list({ projectId })
        expect(listed.map((item) => item.id)).toContain(instance.id)
        const found = listed.find((item) => item.id === instance.id) as Instance
        expect(found.specHash).toBe(instance.specHash)
        expect(found.ports).toEqual(instance.ports)
        expect(found.state.status).toBe('running')
        // Found by its own record: nothing about it is in doubt.
        expect(found.damaged).toBeUndefined()

        expect(await d.list({ projectId: `${projectId}-other` })).toEqual([])
        expect((await d.list({ projectId, environment: 'other' })).map((item) => item.id)).not.toContain(
          instance.id,
        )
        expect((await d.list({ projectId, service: 'web' })).map((item) => item.id)).toEqual([instance.id])
      },
      timeout,
    )

    it(
      'answers tcp, http and log probes once ready, and carries the env into the output',
      async () => {
        const d = await driver()
        const instance = await start('probed', options.fixtures.server())
        await eventually('the tcp probe', () => probe(instance, { type: 'tcp', port: 'main', ...timing }))
        // The probes go where the instance says its port answers (loopback, the published port),
        // and say so.
        const where = `${instance.host}:${instance.ports.main}`
        const tcp = await d.probe(instance, { type: 'tcp', port: 'main', ...timing }, { timeoutMs: 1000 })
        expect(tcp).toEqual({ ok: true, detail: expect.stringContaining(where) })
        const http = await d.probe(
          instance,
          { type: 'http', port: 'main', path: '/', status: null, ...timing },
          { timeoutMs: 1000 },
        )
        expect(http).toEqual({ ok: true, detail: expect.stringContaining(`http://${where}/`) })
        expect(
          await probe(instance, { type: 'log', pattern: { source: '^ready$', flags: '' }, ...timing }),
        ).toBe(true)
        expect(
          await probe(instance, { type: 'log', pattern: { source: 'never printed', flags: '' }, ...timing }),
        ).toBe(false)
        // The suite's own connection, not the driver's probe: the port must really answer on loopback.
        const port = instance.ports.main as number
        await new Promise<void>((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port }, () => {
            socket.destroy()
            resolve()
          })
          socket.once('error', reject)
        })
        const text = await logText(instance)
        expect(text).toContain('hello conformance')
        expect(text.split('\n')).toContain('ready')
      },
      timeout,
    )

    it(
      'gives each instance its own port',
      async () => {
        const a = await start('port-a', options.fixtures.server())
        const b = await start('port-b', options.fixtures.server())
        expect(a.ports.main).not.toBe(b.ports.main)
      },
      timeout,
    )

    it(
      'runs commands in the instance context with its env, and reports their exit codes',
      async () => {
        const d = await driver()
        const instance = await start('exec', options.fixtures.server())
        await eventually('the tcp probe', () => probe(instance, { type: 'tcp', port: 'main', ...timing }))
        const ok = await d.exec(instance, commands.greet)
        expect(ok).toEqual({ exitCode: 0, output: expect.stringContaining('exec-conformance') })
        // The caller's env comes on top of the instance's.
        const overridden = await d.exec(instance, commands.greet, { env: { GREETING: 'override' } })
        expect(overridden).toEqual({ exitCode: 0, output: expect.stringContaining('exec-override') })
        const failed = await d.exec(instance, commands.fail(3))
        expect(failed.exitCode).toBe(3)
        expect(failed.output).toContain('failing')
        const command = (run: NormalizedCommand) =>
          d.probe(instance, { type: 'command', command: run, ...timing }, { timeoutMs: 5000 })
        expect((await command(commands.fail(1))).ok).toBe(false)
        expect((await command(commands.greet)).ok).toBe(true)
      },
      timeout,
    )

    it(
      'stops an instance, removes it, and treats a second stop as done',
      async () => {
        const d = await driver()
        const instance = await start('stopped', options.fixtures.server())
        await eventually('the tcp probe', () => probe(instance, { type: 'tcp', port: 'main', ...timing }))
        await d.stop(instance, { timeoutMs: 2000 })
        expect((await d.inspect(instance)).status).toBe('missing')
        expect((await d.list({ projectId })).map((item) => item.id)).not.toContain(instance.id)
        await d.stop(instance, { timeoutMs: 2000 })
        // The freed host port is in the kernel's ephemeral range, so on a busy machine another
        // process may be handed it for a moment: wait for the port to be closed rather than
        // asserting one probe.
        await eventually(
          'the port to close',
          async () => !(await probe(instance, { type: 'tcp', port: 'main', ...timing })),
        )
      },
      timeout,
    )

    it(
      'detects a crash with its exit code and keeps its output',
      async () => {
        const d = await driver()
        const instance = await start('crasher', options.fixtures.crash(3))
        // Following its output ends by itself when it exits.
        const followed = (async () => {
          const lines: string[] = []
          for await (const line of d.logs(instance, { follow: true })) lines.push(line.text)
          return lines
        })()
        const status = await d.wait(instance)
        expect(status.exitCode).toBe(3)
        expect(await followed).toContain('bye')
        expect(await d.inspect(instance)).toEqual({ status: 'exited', exitCode: 3 })
        const listed = (await d.list({ projectId, service: 'crasher' }))[0]
        expect(listed?.state).toEqual({ status: 'exited', exitCode: 3 })
        expect(await logText(instance)).toContain('bye')
        await d.stop(instance)
        expect((await d.inspect(instance)).status).toBe('missing')
      },
      timeout,
    )

    it(
      'force-kills an instance that ignores the graceful signal, after the grace period',
      async () => {
        const d = await driver()
        const instance = await start('stubborn', options.fixtures.stubborn())
        await eventually('the trap to be set', async () => (await logText(instance)).includes('trapping'))
        const begin = Date.now()
        await d.stop(instance, { timeoutMs: options.stopTimeoutMs })
        const took = Date.now() - begin
        expect(took).toBeGreaterThanOrEqual(options.stopTimeoutMs - 50)
        expect((await d.inspect(instance)).status).toBe('missing')
      },
      timeout,
    )

    it(
      'runs jobs to completion and reports their exit status',
      async () => {
        const d = await driver()
        const good = await start('job-ok', options.fixtures.job(0))
        const bad = await start('job-bad', options.fixtures.job(4))
        expect((await d.wait(good)).exitCode).toBe(0)
        expect((await d.wait(bad)).exitCode).toBe(4)
        expect(await logText(good)).toContain('job done')
        expect(await d.inspect(bad)).toEqual({ status: 'exited', exitCode: 4 })
      },
      timeout,
    )

    it(
      'stops waiting when the wait is aborted',
      async () => {
        const d = await driver()
        const instance = await start('waited', options.fixtures.server())
        const controller = new AbortController()
        const waiting = d.wait(instance, { signal: controller.signal })
        controller.abort(new Error('enough'))
        await expect(waiting).rejects.toThrow('enough')
        expect((await d.inspect(instance)).status).toBe('running')
      },
      timeout,
    )
  })
}
