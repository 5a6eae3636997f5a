import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Instance } from '@hearth/driver'
import type { NormalizedProcessService, NormalizedService } from '@hearth/environments'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ProcessDriver } from '../src/index.js'
import { allocatePort, allocatePorts } from '../src/ports.js'
import { isAlive, pidsWithEnv, readStat } from '../src/proc.js'
import { processesOf } from '../src/testing/index.js'
import { eventually, node, root, service, specFor } from './helpers.js'

/**
 * What the conformance suite cannot see from outside a driver: records on disk (lost, damaged,
 * pointing at a recycled pid), exits no hearth watched, process trees, exec's edges, port picking.
 * Every process is real; waits poll a condition, never a clock.
 */

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-process-lifecycle-'))
const projectId = `process-lifecycle-${process.pid}`
const driver = new ProcessDriver({ stateDir })
const started: Instance[] = []

const start = async (definition: NormalizedService, name: string): Promise<Instance> => {
  const instance = await driver.start(specFor(projectId, definition, name))
  started.push(instance)
  return instance
}
const processDir = (id: string): string => path.join(stateDir, 'processes', id)
const recordOf = (instance: Instance): { pid: number; ports: Record<string, number> } =>
  JSON.parse(readFileSync(path.join(processDir(instance.id), 'record.json'), 'utf8'))
const pidsOf = (instance: Instance): number[] => pidsWithEnv('HEARTH_INSTANCE_ID', instance.id)
/** The process group of an instance whose record is gone: its one process carrying the instance id. */
const recordlessPid = (instance: Instance): number => {
  const [pid] = pidsOf(instance)
  if (pid === undefined) throw new Error(`no process carries ${instance.id}`)
  return readStat(pid)?.pgid ?? pid
}
/** Collects the lines of a follow, as they come; `done` settles when the follow ends by itself. */
const follow = (instance: Instance, using = driver) => {
  const lines: string[] = []
  const done = (async () => {
    for await (const line of using.logs(instance, { follow: true })) lines.push(line.text)
  })()
  return { lines, done }
}
const sleeper = (extra: Partial<NormalizedProcessService> = {}): NormalizedProcessService => ({
  ...(service({ kind: 'process', command: ['sleep', '300'] }) as NormalizedProcessService),
  ...extra,
})

afterEach(async () => {
  for (const instance of started.splice(0)) await driver.stop(instance, { timeoutMs: 200 })
})

afterAll(() => {
  const left = processesOf(projectId)
  rmSync(stateDir, { recursive: true, force: true })
  expect(left).toEqual([])
})

describe('ProcessDriver: exits no hearth watched', () => {
  it('reads a crash from the exit code the wrapper wrote: list, inspect and wait agree', async () => {
    const instance = await start(service({ kind: 'process', command: node('crash.mjs', '7') }), 'crashed')
    const exitFile = path.join(processDir(instance.id), 'exit-code')
    await eventually('the wrapper to write the exit code', () => existsSync(exitFile))
    expect(readFileSync(exitFile, 'utf8')).toBe('7\n')
    const later = new ProcessDriver({ stateDir })
    expect(await later.inspect(instance)).toEqual({ status: 'exited', exitCode: 7 })
    const listed = await later.list({ projectId, service: 'crashed' })
    expect(listed.map((item) => [item.id, item.state])).toEqual([
      [instance.id, { status: 'exited', exitCode: 7 }],
    ])
    expect(await later.wait(instance)).toEqual({ exitCode: 7, signal: null })
  })

  it('reads a group killed by a signal as exited with no code, and ends a follow of its output', async () => {
    const instance = await start(
      service({ kind: 'process', command: node('server.mjs'), ports: { main: { env: 'PORT' } } }),
      'killed',
    )
    const later = new ProcessDriver({ stateDir })
    const output = follow(instance, later)
    await eventually('the server to be ready', () => output.lines.includes('ready'))
    const waited = driver.wait(instance)
    // The whole group at once, the wrapper included: nothing is left to write an exit code.
    process.kill(-recordOf(instance).pid, 'SIGKILL')
    await output.done
    expect(await waited).toEqual({ exitCode: null, signal: 'SIGKILL' })
    expect(await later.inspect(instance)).toEqual({ status: 'exited', exitCode: null })
    const listed = await later.list({ projectId, service: 'killed' })
    expect(listed.map((item) => item.state)).toEqual([{ status: 'exited', exitCode: null }])
    expect(await later.wait(instance)).toEqual({ exitCode: null, signal: null })
    expect(existsSync(path.join(processDir(instance.id), 'exit-code'))).toBe(false)
  })

  it('reads the service killed alone by a signal as the wrapper saw it: 128 + the signal, as Docker does', async () => {
    const instance = await start(
      service({ kind: 'process', command: node('server.mjs'), ports: { main: { env: 'PORT' } } }),
      'shot',
    )
    const output = follow(instance)
    await eventually('the server to be ready', () => output.lines.includes('ready'))
    const wrapper = recordOf(instance).pid
    for (const pid of pidsOf(instance)) if (pid !== wrapper) process.kill(pid, 'SIGKILL')
    await output.done
    expect(await driver.wait(instance)).toEqual({ exitCode: 137, signal: null })
    expect(await new ProcessDriver({ stateDir }).inspect(instance)).toEqual({
      status: 'exited',
      exitCode: 137,
    })
  })
})

describe('ProcessDriver: stopping', () => {
  it('stops a whole tree, children, grandchildren and one that left the group, and removes its folder', async () => {
    const instance = await start(
      service({
        kind: 'process',
        command: 'sleep 300 & (sleep 301 & wait) & setsid sleep 302 & echo tree ready; wait',
      }),
      'tree',
    )
    const leader = recordOf(instance).pid
    // The wrapper, the shell, sleep 300, the subshell, sleep 301, and sleep 302 in a session of its own.
    await eventually('the tree to grow', () => {
      const pids = pidsOf(instance)
      return pids.length === 6 && pids.some((pid) => readStat(pid)?.pgid !== leader)
    })
    await driver.stop(instance, { timeoutMs: 5000 })
    expect(pidsOf(instance)).toEqual([])
    expect(existsSync(processDir(instance.id))).toBe(false)
    expect(await driver.list({ projectId, service: 'tree' })).toEqual([])
  })

  it('sends SIGTERM first, then SIGKILL once the service’s own stopTimeoutMs has passed', async () => {
    const instance = await start(
      service({ kind: 'process', command: node('stubborn.mjs'), stopTimeoutMs: 1000 }),
      'stubborn',
    )
    const output = follow(instance)
    await eventually('both processes to trap SIGTERM', () =>
      ['trapping', 'child trapping'].every((line) => output.lines.includes(line)),
    )
    await driver.stop(instance)
    await output.done
    expect(output.lines).toContain('ignoring SIGTERM')
    expect(pidsOf(instance)).toEqual([])
    expect(existsSync(processDir(instance.id))).toBe(false)
  })
})

describe('ProcessDriver: records lost, damaged, or pointing at a recycled pid', () => {
  it.each([
    ['missing', null, 'is missing'],
    ['empty', '', 'cannot be read'],
    ['garbage', '{"format": 1, "id": ', 'cannot be read'],
    ['of an unknown format', JSON.stringify({ format: 99 }), 'cannot be read'],
  ])('lists a labelled process whose record is %s, as damaged, and stops it', async (_, content, what) => {
    const instance = await start(sleeper(), 'stray')
    const record = path.join(processDir(instance.id), 'record.json')
    if (content === null) rmSync(record)
    else writeFileSync(record, content)

    const listed = await driver.list({ projectId, service: 'stray' })
    expect(listed).toEqual([
      {
        ...instance,
        ports: {},
        createdAt: expect.any(Number),
        state: { status: 'running' },
        damaged: `its record ${record} ${what}`,
      },
    ])
    // From the process's own start time: not later than the record the start wrote.
    expect(listed[0]?.createdAt).toBeGreaterThan(0)
    expect(listed[0]?.createdAt).toBeLessThanOrEqual(instance.createdAt + 1000)
    expect(await driver.inspect(instance)).toEqual({ status: 'running' })

    await driver.stop(listed[0] as Instance, { timeoutMs: 2000 })
    expect(pidsOf(instance)).toEqual([])
    expect(existsSync(processDir(instance.id))).toBe(false)
    expect(await driver.list({ projectId, service: 'stray' })).toEqual([])
  })

  it("reuses one look through /proc for a moment, yet never lists a stray that has gone, and sees another hearth's", async () => {
    // Another hearth (its own driver) starts a process whose record then goes: a stray to this one.
    const other = new ProcessDriver({ stateDir })
    const lister = new ProcessDriver({ stateDir })
    expect(await lister.list({ projectId, service: 'looked' })).toEqual([])
    const instance = await other.start(specFor(projectId, sleeper(), 'looked'))
    started.push(instance)
    rmSync(path.join(processDir(instance.id), 'record.json'))
    // Seen once the moment a look serves has passed (polled: no clock in the test).
    await eventually("the other hearth's stray to be listed", async () =>
      (await lister.list({ projectId, service: 'looked' })).some((item) => item.id === instance.id),
    )

    // Killed from outside: gone from the very next list, though the look that found it is reused.
    process.kill(-recordlessPid(instance), 'SIGKILL')
    await eventually('the stray to die', () => pidsOf(instance).length === 0)
    expect(await lister.list({ projectId, service: 'looked' })).toEqual([])
  })

  it('reads a record whose pid now runs another process as exited, and stop leaves that process alone', async () => {
    const instance = await start(sleeper(), 'recycled')
    const record = recordOf(instance)
    process.kill(-record.pid, 'SIGKILL')
    await eventually('the instance to die', () => pidsOf(instance).length === 0)
    // Its pid recycled: alive, but started at another time than the record says.
    const other = spawn('sleep', ['300'], { stdio: 'ignore' })
    try {
      const pid = other.pid as number
      writeFileSync(
        path.join(processDir(instance.id), 'record.json'),
        JSON.stringify({ ...record, pid, startTime: '1' }),
      )
      expect(await driver.inspect(instance)).toEqual({ status: 'exited', exitCode: null })
      const listed = await driver.list({ projectId, service: 'recycled' })
      expect(listed.map((item) => [item.id, item.state, item.damaged])).toEqual([
        [instance.id, { status: 'exited', exitCode: null }, undefined],
      ])
      expect(await new ProcessDriver({ stateDir }).wait(instance)).toEqual({ exitCode: null, signal: null })
      await driver.stop(instance, { timeoutMs: 200 })
      expect(isAlive(pid, null)).toBe(true)
      expect(existsSync(processDir(instance.id))).toBe(false)
    } finally {
      other.kill('SIGKILL')
    }
  })

  it('refuses a working directory that does not exist, or is a file, with the fix, leaving nothing behind', async () => {
    for (const cwd of ['no/such/dir', 'server.mjs']) {
      const definition = { ...service({ kind: 'process', command: 'true' }, 'nocwd'), cwd }
      const error = await driver
        .start(specFor(projectId, definition, 'nocwd'))
        .catch((caught: unknown) => caught)
      expect(error).toMatchObject({
        name: 'DriverError',
        code: 'start-failed',
        message: `the working directory ${path.join(root, cwd)} of nocwd does not exist`,
        fix: 'create it, or fix environments.env.services.nocwd.cwd',
      })
    }
    const dirs = existsSync(path.join(stateDir, 'processes'))
      ? readdirSync(path.join(stateDir, 'processes'))
      : []
    expect(dirs.filter((name) => name.includes('.nocwd.'))).toEqual([])
  })
})

describe('ProcessDriver: exec', () => {
  let target: Instance
  beforeAll(async () => {
    // Outside `started`: it serves every test of this block, and goes in afterAll.
    target = await driver.start(
      specFor(
        projectId,
        sleeper({
          cwd: '..',
          env: { A: 'svc', B: 'svc' },
          ports: [{ name: 'main', container: null, host: null, protocol: 'tcp', env: 'PORT' }],
        }),
        'exec',
      ),
    )
  })
  afterAll(() => driver.stop(target, { timeoutMs: 200 }))

  it('runs in the service’s cwd with its env, the exec env on top, its templates filled, and no labels', async () => {
    const port = target.ports.main as number
    const result = await driver.exec(
      target,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell default, not a template
      { shell: 'pwd; echo "$A $B $PORT {{ports.main}} {{host}} ${HEARTH_INSTANCE_ID:-unlabelled}"' },
      { env: { B: 'exec' } },
    )
    expect(result).toEqual({
      exitCode: 0,
      output: `${path.dirname(root)}\nsvc exec ${port} ${port} 127.0.0.1 unlabelled`,
    })
  })

  it('ends a command at its timeout with exit code 124, and whatever it started with it', async () => {
    const mark = `timeout-${process.pid}`
    const result = await driver.exec(
      target,
      // The shell waits on `sleep`, which holds the output open: ending the shell alone is not enough.
      { shell: 'echo started; sleep 30; echo never' },
      { timeoutMs: 300, env: { EXEC_MARK: mark } },
    )
    expect(result.exitCode).toBe(124)
    expect(result.output).toMatch(/\(timed out after 300 ms\)$/)
    expect(result.output).not.toContain('never')
    await eventually('the command’s processes to go', () => pidsWithEnv('EXEC_MARK', mark).length === 0)
  })

  it('ends a command when its signal aborts, and rejects with the reason', async () => {
    const mark = `abort-${process.pid}`
    const controller = new AbortController()
    const running = driver.exec(
      target,
      { shell: 'sleep 30; echo never' },
      { signal: controller.signal, env: { EXEC_MARK: mark } },
    )
    await eventually('the command to run', () => pidsWithEnv('EXEC_MARK', mark).length > 0)
    controller.abort(new Error('enough'))
    await expect(running).rejects.toThrow('enough')
    await eventually('the command’s processes to go', () => pidsWithEnv('EXEC_MARK', mark).length === 0)
    await expect(
      driver.exec(target, { shell: 'true' }, { signal: AbortSignal.abort(new Error('late')) }),
    ).rejects.toThrow('late')
  })

  it('answers 127 for a command that is not there, spawned directly or through the shell', async () => {
    const direct = await driver.exec(target, { argv: ['hearth-no-such-command', '--help'] })
    expect(direct).toEqual({ exitCode: 127, output: expect.stringContaining('hearth-no-such-command') })
    const shell = await driver.exec(target, { shell: 'hearth-no-such-command' })
    expect(shell).toEqual({ exitCode: 127, output: expect.stringContaining('not found') })
  })
})

describe('ProcessDriver: picking ports', () => {
  /** Ports the kernel picked and gave back: likely picks again, so the ones to keep clear of. */
  const recentlyPicked = async (count: number): Promise<Set<number>> => {
    const ports = new Set<number>()
    for (let i = 0; i < count; i++) ports.add(await allocatePort())
    return ports
  }

  it('picks distinct free ports, none of those it is told to avoid', async () => {
    const avoid = await recentlyPicked(2000)
    const picked = await allocatePorts(100, avoid)
    expect(new Set(picked).size).toBe(100)
    expect(picked.filter((port) => avoid.has(port))).toEqual([])
  })

  it('keeps clear of ports held on record or picked by starts under way, listening or not', async () => {
    const holder = await start(sleeper(), 'holder')
    // A record that holds many ports, none of them listened on.
    const promised = await recentlyPicked(2000)
    const file = path.join(processDir(holder.id), 'record.json')
    const ports = Object.fromEntries([...promised].map((port, index) => [`p${index}`, port]))
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ports }))

    const many = [...Array(50).keys()].map((index) => ({
      name: `p${index}`,
      container: null,
      host: null,
      protocol: 'tcp' as const,
      env: null,
    }))
    // Four at once: none listens before the others have picked.
    const takers = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) => start(sleeper({ ports: many }), name)),
    )
    const picked = takers.flatMap((taker) => Object.values(taker.ports))
    expect(new Set(picked).size).toBe(200)
    expect(picked.filter((port) => promised.has(port))).toEqual([])
  })
})
