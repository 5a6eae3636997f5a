import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type Instance, type InstanceSpec, isDriverError } from '@hearth/driver'
import { describeDriverConformance } from '@hearth/driver/testing'
import type { NormalizedService } from '@hearth/environments'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { ProcessDriver } from '../src/index.js'
import { pidsWithEnv } from '../src/proc.js'
import { node, root, service, specFor } from './helpers.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-process-driver-'))
afterAll(() => rmSync(stateDir, { recursive: true, force: true }))

describeDriverConformance({
  name: 'process',
  createDriver: () => new ProcessDriver({ stateDir }),
  root,
  stopTimeoutMs: 500,
  fixtures: {
    server: () =>
      service({
        kind: 'process',
        command: node('server.mjs'),
        ports: { main: { env: 'PORT' } },
        env: { GREETING: 'conformance' },
      }),
    crash: (code) =>
      service({
        kind: 'process',
        command: node('crash.mjs', String(code)),
        env: { GREETING: 'conformance' },
      }),
    stubborn: () =>
      service({ kind: 'process', command: node('stubborn.mjs'), env: { GREETING: 'conformance' } }),
    job: (code) =>
      service({ kind: 'job', command: node('job.mjs', String(code)), env: { GREETING: 'conformance' } }),
  },
})

describe('ProcessDriver', () => {
  const projectId = `process-driver-${process.pid}`
  const driver = new ProcessDriver({ stateDir })
  const started: Instance[] = []

  const spec = (definition: NormalizedService, name = definition.name): InstanceSpec =>
    specFor(projectId, definition, name)
  const start = async (definition: NormalizedService, name?: string, using = driver): Promise<Instance> => {
    const instance = await using.start(spec(definition, name))
    started.push(instance)
    return instance
  }
  const readAll = async (instance: Instance, using = driver): Promise<string[]> => {
    const lines: string[] = []
    for await (const line of using.logs(instance)) lines.push(line.text)
    return lines
  }
  const waitForLine = async (instance: Instance, text: string): Promise<void> => {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 10_000)
    for await (const line of driver.logs(instance, { follow: true, signal: controller.signal })) {
      if (line.text === text) break
    }
    clearTimeout(timer)
  }

  afterEach(async () => {
    for (const instance of started.splice(0)) await driver.stop(instance, { timeoutMs: 200 })
  })

  it('kills the whole process group, children that ignore SIGTERM included', async () => {
    const instance = await start(service({ kind: 'process', command: node('stubborn.mjs') }), 'group')
    await waitForLine(instance, 'child trapping')
    expect(pidsWithEnv('HEARTH_INSTANCE_ID', instance.id)).toHaveLength(3) // sh wrapper, node, child node
    await driver.stop(instance, { timeoutMs: 300 })
    expect(pidsWithEnv('HEARTH_INSTANCE_ID', instance.id)).toEqual([])
  })

  it('renders {{ports.*}} and {{host}} into the command and env, and sets the port variable', async () => {
    const withPort = service({
      kind: 'process',
      command: ['sh', '-c', 'echo "arg=$0 env=$URL port=$PORT"', '{{ports.http}}'],
      env: { URL: 'http://{{host}}:{{ports.http}}/' },
      ports: { http: { env: 'PORT' } },
    })
    const instance = await start(withPort, 'render')
    await driver.wait(instance)
    const port = instance.ports.http as number
    expect(await readAll(instance)).toEqual([`arg=${port} env=http://127.0.0.1:${port}/ port=${port}`])
  })

  it('lets a second driver (another hearth process) find, inspect, follow and stop what the first started', async () => {
    const first = await start(
      service({ kind: 'process', command: node('server.mjs'), ports: { main: { env: 'PORT' } } }),
      'shared',
    )
    const later = new ProcessDriver({ stateDir })
    const [found] = await later.list({ projectId, service: 'shared' })
    expect(found?.id).toBe(first.id)
    expect(found?.ports).toEqual(first.ports)
    expect(await later.inspect(found as Instance)).toEqual({ status: 'running' })
    await waitForLine(first, 'ready')
    expect(await readAll(found as Instance, later)).toContain('ready')
    await later.stop(found as Instance, { timeoutMs: 2000 })
    expect(await driver.inspect(first)).toEqual({ status: 'missing' })
  })

  it('reports the exit code of a crash it did not start, from the exit record', async () => {
    const instance = await start(service({ kind: 'process', command: node('crash.mjs', '7') }), 'crash-later')
    const later = new ProcessDriver({ stateDir })
    expect(await later.wait(instance)).toEqual({ exitCode: 7, signal: null })
  })

  it('follows output as it is written and ends when the process exits', async () => {
    const instance = await start(
      service({ kind: 'process', command: 'echo one; sleep 0.3; echo two; printf three' }),
      'follow',
    )
    const lines: string[] = []
    for await (const line of driver.logs(instance, { follow: true })) lines.push(line.text)
    expect(lines).toEqual(['one', 'two', 'three'])
  })

  it('refuses a fixed port that is taken, naming the port and the fix', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const error = await start(
        service({
          kind: 'process',
          command: node('server.mjs'),
          ports: { main: { env: 'PORT', host: port } },
        }),
        'taken',
      ).catch((caught: unknown) => caught)
      expect(isDriverError(error)).toBe(true)
      expect(error).toMatchObject({
        code: 'port-conflict',
        message: `port ${port} (ports.main of taken) is already in use on 127.0.0.1`,
      })
    } finally {
      blocker.close()
    }
  })

  it('keeps secret env out of its record (0600, in 0700 folders) and gives it to exec all the same', async () => {
    const instance = await start(
      service({
        kind: 'process',
        command: node('server.mjs'),
        ports: { main: { env: 'PORT' } },
        env: { GREETING: 'hi', DB_PASSWORD: 'pw-in-env-only', DSN: 'x://u:pw-in-env-only@h' },
        secrets: ['DSN'],
      }),
    )
    const dir = path.join(stateDir, 'processes', instance.id)
    const text = readFileSync(path.join(dir, 'record.json'), 'utf8')
    expect(text).not.toContain('pw-in-env-only')
    expect(JSON.parse(text)).toMatchObject({ env: { GREETING: 'hi' }, secretEnv: ['DB_PASSWORD', 'DSN'] })
    const mode = (file: string) => statSync(file).mode & 0o777
    expect([mode(path.join(stateDir, 'processes')), mode(dir)]).toEqual([0o700, 0o700])
    expect([mode(path.join(dir, 'record.json')), mode(path.join(dir, 'output.log'))]).toEqual([0o600, 0o600])
    const result = await driver.exec(instance, { shell: 'echo "$GREETING $DB_PASSWORD $DSN"' })
    expect(result).toEqual({ exitCode: 0, output: 'hi pw-in-env-only x://u:pw-in-env-only@h' })
  })

  it('leaves no record behind once everything is stopped', async () => {
    const instance = await start(service({ kind: 'job', command: 'true' }), 'tidy')
    await driver.wait(instance)
    await driver.stop(instance)
    const left = await readdir(path.join(stateDir, 'processes'))
    expect(left.filter((name) => name.includes('.tidy.'))).toEqual([])
  })
})
