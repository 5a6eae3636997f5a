import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs'
import { chmod, readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import {
  type AtomicReadiness,
  asStateWriteError,
  compileLogPattern,
  type Driver,
  DriverError,
  type ExecOptions,
  type ExecResult,
  type ExitStatus,
  type Instance,
  type InstanceSelector,
  type InstanceSpec,
  type InstanceState,
  identityFromLabels,
  isStateWriteError,
  LABELS,
  type Labels,
  type LogLine,
  type LogOptions,
  labelEnvName,
  labelFromEnvName,
  makeStateDir,
  matchesSelector,
  type ProbeOptions,
  type ProbeResult,
  probeHttp,
  probePostgres,
  probeRedis,
  probeTcp,
  type ServiceIdentity,
  writeJsonAtomic,
} from '@hearth/driver'
import {
  createRedactor,
  lookupIn,
  type NormalizedCommand,
  type NormalizedJobService,
  type NormalizedProcessService,
  type NormalizedService,
  renderTemplate,
  type ServiceKind,
} from '@hearth/environments'
import { readLogLines } from './log-file.js'
import { allocatePorts, isPortTaken } from './ports.js'
import {
  groupMembers,
  isAlive,
  pidsWithEnv,
  readEnviron,
  signalGroup,
  signalPid,
  startedAtMs,
  startTimeOf,
} from './proc.js'

/** How long one look through /proc for labelled processes serves the lists after it. */
const LABELLED_REUSE_MS = 1000

interface LabelledProcess {
  pid: number
  /** From /proc/<pid>/stat: tells the process from a later one given the same pid. */
  startTime: string
  id: string | null
  labels: Record<string, string>
}

/** Every process hearth starts carries its instance id, so strays outside its group are found too. */
const INSTANCE_ENV = 'HEARTH_INSTANCE_ID'
const HOST = '127.0.0.1'
const RECORD_FORMAT = 1
const OUTPUT_LIMIT = 64 * 1024
const DEFAULT_STOP_TIMEOUT_MS = 5_000
/** After SIGKILL, how long to wait for the kernel to reap before giving up. */
const KILL_WAIT_MS = 3_000

/**
 * Runs the service and, once it exits by itself, records its exit code next to its output, so a
 * later hearth process (which is not its parent) can still tell a crash's code. Killed by a signal,
 * it writes nothing: the signal is the reason.
 */
const WRAPPER = [
  'exit_file=$1; shift',
  '"$@"',
  'code=$?',
  // The service ran with the umask it was given; hearth's own file is its owner's alone.
  'umask 077',
  'printf "%s\\n" "$code" > "$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"',
  'exit "$code"',
].join('\n')

/** What the driver keeps on disk per instance: everything needed to find, inspect and stop it later. */
interface ProcessRecord {
  format: number
  id: string
  identity: ServiceIdentity
  kind: ServiceKind
  specHash: string
  labels: Labels
  pid: number
  /** With the pid, identifies the process across pid reuse (null where /proc is absent). */
  startTime: string | null
  ports: Record<string, number>
  createdAt: number
  cwd: string
  /**
   * The service's own environment (rendered), without hearth's labels and without its secrets:
   * what `exec` runs with, with the secrets read back from the running process (`secretEnv`).
   */
  env: Record<string, string>
  /** Names of the env variables left out of `env` because they are secret (absent in old records). */
  secretEnv?: string[]
  /** The command as started, secrets masked (for people reading the record). */
  argv: string[]
  stopTimeoutMs: number
}

/** Folders hearth keeps records and output in: its user's alone (records name ports, output may hold anything). */
const DIR_MODE = 0o700
/** Records and output files: read and written by their owner only. */
const FILE_MODE = 0o600

export interface ProcessDriverOptions {
  /** Where records and output files live, e.g. `<project>/.hearth`. */
  stateDir: string
}

/**
 * The Driver for local processes (execa). Each instance runs detached in its own process group, so
 * it outlives the hearth command that started it and is stopped as a whole; its output goes to a
 * file that any later hearth can read.
 */
export class ProcessDriver implements Driver {
  readonly name = 'process'
  private readonly dir: string
  /** Subprocesses this hearth process started: their exit is known at once. */
  private readonly children = new Map<string, Promise<ExitStatus>>()
  /** Ports picked for starts still under way, before their records (which hold them) are written. */
  private readonly pickedPorts = new Set<number>()
  /** The last pick of ports: picks take turns, so that each sees the ports of those before it. */
  private picking: Promise<unknown> = Promise.resolve()
  /**
   * The last look through /proc for a project's labelled processes, reused for a moment: an `up`
   * lists every service (and each other runtime's list asks here too), and one look reads two
   * files of every process on the machine (~5 ms for 90 processes, tens of ms on a desktop).
   * Forgotten when this driver starts or stops something; a process found then is checked to be
   * the same one still running each time it is reused.
   */
  private readonly labelled = new Map<string, { at: number; found: LabelledProcess[] }>()

  constructor(options: ProcessDriverOptions) {
    this.dir = path.join(options.stateDir, 'processes')
  }

  supports(service: NormalizedService): boolean {
    return service.kind === 'process' || (service.kind === 'job' && service.image === null)
  }

  async list(selector: InstanceSelector): Promise<Instance[]> {
    const records = await this.readRecords()
    const instances = records
      .filter((record) => matchesSelector(record.labels, selector))
      .map((record) => this.toInstance(record))
    const known = new Set(records.map((record) => record.id))
    return [...instances, ...this.findStrays(selector, known)]
  }

  async start(spec: InstanceSpec, options: { signal?: AbortSignal } = {}): Promise<Instance> {
    const { service, identity } = spec
    if (service.kind === 'container' || (service.kind === 'job' && service.image !== null)) {
      throw new DriverError(
        'start-failed',
        `${identity.service} runs in a container; the process driver cannot start it`,
        'this is a bug in hearth: containers go to the Docker driver',
      )
    }
    options.signal?.throwIfAborted()
    const ports = await this.allocatePorts(service, identity.service)
    try {
      return await this.spawn(spec, service, ports)
    } finally {
      for (const port of Object.values(ports)) this.pickedPorts.delete(port)
      this.labelled.clear()
    }
  }

  /** The rest of `start`, once the ports are picked. */
  private async spawn(
    spec: InstanceSpec,
    service: NormalizedProcessService | NormalizedJobService,
    ports: Record<string, number>,
  ): Promise<Instance> {
    const { identity } = spec
    const lookup = lookupIn({ host: HOST, ports })
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(service.env)) env[name] = renderTemplate(value, lookup)
    for (const port of service.ports) {
      if (port.env !== null) env[port.env] = String(ports[port.name])
    }
    const argv = toArgv(service.command, lookup)
    const cwd = path.resolve(spec.root, service.cwd)
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      throw new DriverError(
        'start-failed',
        `the working directory ${cwd} of ${identity.service} does not exist`,
        `create it, or fix environments.${identity.environment}.services.${identity.service}.cwd`,
      )
    }

    const id = `${identity.environment}.${identity.service}.${randomBytes(4).toString('hex')}`
    const dir = this.instanceDir(id)
    await makeStateDir(dir, DIR_MODE)
    // `mode` applies to what mkdir creates: the folder of all records may predate this hearth.
    await chmod(this.dir, DIR_MODE).catch(() => undefined)
    const labelEnv: Record<string, string> = { [INSTANCE_ENV]: id }
    for (const [label, value] of Object.entries(spec.labels)) labelEnv[labelEnvName(label)] = value

    const { execa } = await loadExeca()
    const output = openSync(path.join(dir, 'output.log'), 'a', FILE_MODE)
    const child = (() => {
      try {
        return execa('/bin/sh', ['-c', WRAPPER, 'hearth', path.join(dir, 'exit-code'), ...argv], {
          cwd,
          env: { ...env, ...labelEnv },
          extendEnv: true,
          detached: true,
          cleanup: false,
          stdin: 'ignore',
          // Any descriptor works at run time; execa's types only admit 3–9 literally.
          stdout: output as 3,
          stderr: output as 3,
          reject: false,
          buffer: false,
        })
      } finally {
        // The child has its own copy of the descriptor by now.
        closeSync(output)
      }
    })()
    const pid = child.pid
    if (pid === undefined) {
      const result = await child
      await rm(dir, { recursive: true, force: true })
      throw new DriverError(
        'start-failed',
        `could not start ${identity.service}: ${result.message}`,
        'check the command and cwd',
      )
    }
    child.unref()
    this.children.set(
      id,
      child.then((result) => ({ exitCode: result.exitCode ?? null, signal: result.signal ?? null })),
    )
    // Secrets stay out of the record (a file on disk): `exec` reads them back from the process.
    const secretEnv = Object.keys(env).filter((name) => service.secrets.includes(name))
    const masked = createRedactor({ secrets: secretEnv.map((name) => env[name] as string) })
    const record: ProcessRecord = {
      format: RECORD_FORMAT,
      id,
      identity,
      kind: service.kind,
      specHash: spec.specHash,
      labels: spec.labels,
      pid,
      startTime: startTimeOf(pid),
      ports,
      createdAt: Date.now(),
      cwd,
      env: Object.fromEntries(Object.entries(env).filter(([name]) => !secretEnv.includes(name))),
      secretEnv,
      argv: argv.map((arg) => masked.text(arg)),
      stopTimeoutMs: service.kind === 'process' ? service.stopTimeoutMs : DEFAULT_STOP_TIMEOUT_MS,
    }
    try {
      await writeJsonAtomic(path.join(dir, 'record.json'), record, { mode: FILE_MODE })
    } catch (error) {
      // Without its record nothing could vouch for it (a full disk, say): it does not run on.
      signalGroup(pid, 'SIGKILL')
      for (const other of pidsWithEnv(INSTANCE_ENV, id)) signalPid(other, 'SIGKILL')
      await rm(dir, { recursive: true, force: true }).catch(() => undefined)
      throw isStateWriteError(error)
        ? new DriverError('start-failed', `could not start ${identity.service}: ${error.message}`, error.fix)
        : error
    }
    return this.toInstance(record)
  }

  async stop(instance: Instance, options: { timeoutMs?: number } = {}): Promise<void> {
    this.labelled.clear()
    const record = await this.readRecord(instance.id)
    const timeoutMs = options.timeoutMs ?? record?.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS
    // The group only while its leader is the process we started (a dead leader's pid may be
    // reused); anything carrying the instance id, wherever it moved, in every case.
    const leaderAlive = (): boolean => record !== null && isAlive(record.pid, record.startTime)
    const members = (): number[] => [
      ...new Set([
        ...(leaderAlive() ? groupMembers((record as ProcessRecord).pid) : []),
        ...pidsWithEnv(INSTANCE_ENV, instance.id),
      ]),
    ]
    const signalAll = (signal: NodeJS.Signals): void => {
      if (leaderAlive()) signalGroup((record as ProcessRecord).pid, signal)
      for (const pid of pidsWithEnv(INSTANCE_ENV, instance.id)) signalPid(pid, signal)
    }
    if (members().length > 0) {
      signalAll('SIGTERM')
      if (!(await until(() => members().length === 0, timeoutMs))) {
        signalAll('SIGKILL')
        if (!(await until(() => members().length === 0, KILL_WAIT_MS))) {
          throw new DriverError(
            'timeout',
            `${instance.identity.service} (pids ${members().join(', ')}) did not exit after SIGKILL`,
            'the process may be stuck in the kernel (uninterruptible I/O); check it with `ps`',
          )
        }
      }
    }
    this.children.delete(instance.id)
    // It stopped: a record that cannot be removed (a read-only or full disk) is one of a process that
    // is gone, which the next look at the records recognises as such. Not a failed stop.
    const dir = this.instanceDir(instance.id)
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
      if (!isStateWriteError(asStateWriteError(error, dir))) throw error
    })
    this.labelled.clear()
  }

  async inspect(instance: Instance): Promise<InstanceState> {
    const record = await this.readRecord(instance.id)
    if (record === null) {
      return pidsWithEnv(INSTANCE_ENV, instance.id).length > 0 ? { status: 'running' } : { status: 'missing' }
    }
    return this.stateOf(record)
  }

  async probe(instance: Instance, check: AtomicReadiness, options: ProbeOptions): Promise<ProbeResult> {
    switch (check.type) {
      case 'tcp':
        return probeTcp(HOST, this.portOf(instance, check.port), options.timeoutMs, options.signal)
      case 'http':
        return probeHttp(
          `http://${HOST}:${this.portOf(instance, check.port)}${check.path}`,
          check.status,
          options.timeoutMs,
          options.signal,
        )
      case 'postgres':
        return probePostgres(HOST, this.portOf(instance, check.port), {
          user: check.user,
          database: check.database,
          ...options,
        })
      case 'redis':
        return probeRedis(HOST, this.portOf(instance, check.port), options)
      case 'log': {
        const pattern = compileLogPattern(check.pattern)
        for await (const line of this.logs(instance)) {
          if (pattern.test(line.text)) return { ok: true, detail: `saw "${line.text}"` }
        }
        return { ok: false, detail: `no output line matches /${check.pattern.source}/` }
      }
      case 'command': {
        const result = await this.exec(instance, check.command, {
          timeoutMs: options.timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        })
        const last = result.output.trim().split('\n').at(-1) ?? ''
        return {
          ok: result.exitCode === 0,
          detail: `exit ${result.exitCode}${last === '' ? '' : `: ${last}`}`,
        }
      }
      case 'healthcheck':
        return { ok: false, detail: 'a local process has no engine healthcheck' }
    }
  }

  async *logs(instance: Instance, options: LogOptions = {}): AsyncIterable<LogLine> {
    const record = await this.readRecord(instance.id)
    const finished = (): boolean => record === null || !isAlive(record.pid, record.startTime)
    yield* readLogLines(path.join(this.instanceDir(instance.id), 'output.log'), {
      follow: options.follow ?? false,
      finished,
      ...(options.signal ? { signal: options.signal } : {}),
    })
  }

  async exec(instance: Instance, command: NormalizedCommand, options: ExecOptions = {}): Promise<ExecResult> {
    const { signal } = options
    signal?.throwIfAborted()
    const record = await this.readRecord(instance.id)
    if (record === null) {
      throw new DriverError(
        'exited',
        `${instance.identity.service} is not running`,
        'start it with `hearth up`',
      )
    }
    const [file, ...args] = toArgv(command, lookupIn({ host: HOST, ports: record.ports }))
    const { execa } = await loadExeca()
    // In a process group of its own, ended as a whole on timeout or abort (here, not by execa's
    // `timeout`, which signals the command alone): a child of the command, say the `sleep` of
    // `sh -c 'sleep 60; echo done'`, keeps the output pipe open, and the call would wait for it.
    const child = execa(file as string, args, {
      cwd: record.cwd,
      env: { ...record.env, ...secretEnvOf(record), ...options.env },
      extendEnv: true,
      stdin: 'ignore',
      all: true,
      reject: false,
      detached: true,
    })
    let timedOut = false
    const end = (): void => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL')
    }
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            end()
          }, options.timeoutMs)
    signal?.addEventListener('abort', end, { once: true })
    const result = await child.finally(() => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', end)
    })
    if (signal?.aborted) throw signal.reason
    const output = (result.all ?? '').slice(-OUTPUT_LIMIT)
    if (timedOut)
      return { exitCode: 124, output: `${output}\n(timed out after ${options.timeoutMs} ms)`.trim() }
    if (result.exitCode === undefined && result.failed && result.signal === undefined) {
      return { exitCode: 127, output: result.shortMessage ?? '' }
    }
    return { exitCode: result.exitCode ?? 128, output }
  }

  async wait(instance: Instance, options: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    const { signal } = options
    signal?.throwIfAborted()
    const child = this.children.get(instance.id)
    if (child !== undefined) {
      return abortable(child, signal)
    }
    for (;;) {
      const state = await this.inspect(instance)
      if (state.status === 'exited') return { exitCode: state.exitCode, signal: null }
      if (state.status === 'missing') return { exitCode: null, signal: null }
      await abortable(new Promise((resolve) => setTimeout(resolve, 100)), signal)
    }
  }

  /**
   * The service's ports: its fixed ones (refused when taken), and free ones for the rest, none of
   * them a port that another instance holds on record or that a start under way in this process
   * picked (either may not listen yet).
   */
  private async allocatePorts(service: NormalizedService, name: string): Promise<Record<string, number>> {
    const free = service.ports.filter((port) => port.host === null)
    const pick = this.picking.then(async () => {
      if (free.length === 0) return []
      const promised = new Set(this.pickedPorts)
      for (const record of await this.readRecords()) {
        for (const port of Object.values(record.ports)) promised.add(port)
      }
      const picked = await allocatePorts(free.length, promised)
      for (const port of picked) this.pickedPorts.add(port)
      return picked
    })
    this.picking = pick.catch(() => undefined)
    const picked = await pick
    const ports: Record<string, number> = {}
    free.forEach((port, index) => {
      ports[port.name] = picked[index] as number
    })
    for (const port of service.ports) {
      if (port.host === null) continue
      if (await isPortTaken(port.host)) {
        for (const taken of picked) this.pickedPorts.delete(taken)
        throw new DriverError(
          'port-conflict',
          `port ${port.host} (ports.${port.name} of ${name}) is already in use on ${HOST}`,
          `stop whatever listens on ${port.host} (\`ss -ltnp 'sport = :${port.host}'\`), or drop the fixed port (\`host: ${port.host}\`, a preset's \`hostPort\`) so that hearth picks a free one`,
        )
      }
      ports[port.name] = port.host
    }
    return ports
  }

  private portOf(instance: Instance, name: string): number {
    const port = instance.ports[name]
    if (port === undefined)
      throw new DriverError(
        'start-failed',
        `${instance.identity.service} has no port named ${name}`,
        `declare ports.${name}`,
      )
    return port
  }

  private stateOf(record: ProcessRecord): InstanceState {
    const code = readExitCode(this.instanceDir(record.id))
    if (code !== undefined) return { status: 'exited', exitCode: code }
    if (isAlive(record.pid, record.startTime)) return { status: 'running' }
    return { status: 'exited', exitCode: null }
  }

  private toInstance(record: ProcessRecord): Instance {
    return {
      id: record.id,
      driver: this.name,
      identity: record.identity,
      kind: record.kind,
      specHash: record.specHash,
      labels: record.labels,
      host: HOST,
      ports: record.ports,
      createdAt: record.createdAt,
      state: this.stateOf(record),
    }
  }

  /**
   * Processes that carry the project's labels but have no readable record (lost, say a hearth
   * killed between spawn and write, or damaged, say emptied by a full disk): listed, marked as
   * damaged, so that `up` replaces them and `down` stops them too.
   */
  private findStrays(selector: InstanceSelector, known: Set<string>): Instance[] {
    const byId = new Map<string, { pid: number; labels: Record<string, string> }>()
    for (const { pid, id, labels } of this.labelledProcesses(selector.projectId)) {
      if (id === null || known.has(id) || byId.has(id) || !matchesSelector(labels, selector)) continue
      byId.set(id, { pid, labels })
    }
    const strays: Instance[] = []
    for (const [id, { pid, labels }] of byId) {
      const identity = identityFromLabels(labels)
      if (identity === null) continue
      const record = path.join(this.instanceDir(id), 'record.json')
      strays.push({
        id,
        driver: this.name,
        identity,
        kind: (labels[LABELS.kind] as ServiceKind | undefined) ?? 'process',
        specHash: labels[LABELS.specHash] ?? '',
        labels,
        host: HOST,
        ports: {},
        createdAt: startedAt(pid),
        state: { status: 'running' },
        damaged: existsSync(record)
          ? `its record ${record} cannot be read`
          : `its record ${record} is missing`,
      })
    }
    return strays
  }

  /** The processes carrying the project's id label, with their labels and instance id. */
  private labelledProcesses(projectId: string): LabelledProcess[] {
    const last = this.labelled.get(projectId)
    if (last !== undefined && Date.now() - last.at < LABELLED_REUSE_MS) {
      return last.found.filter(({ pid, startTime }) => isAlive(pid, startTime))
    }
    const found: LabelledProcess[] = []
    for (const pid of pidsWithEnv(labelEnvName(LABELS.projectId), projectId)) {
      const startTime = startTimeOf(pid)
      if (startTime === null) continue
      const labels: Record<string, string> = {}
      let id: string | null = null
      for (const entry of readEnviron(pid) ?? []) {
        const eq = entry.indexOf('=')
        const name = entry.slice(0, eq)
        if (name === INSTANCE_ENV) id = entry.slice(eq + 1)
        const label = labelFromEnvName(name)
        if (label !== null) labels[label] = entry.slice(eq + 1)
      }
      found.push({ pid, startTime, id, labels })
    }
    this.labelled.set(projectId, { at: Date.now(), found })
    return found
  }

  private instanceDir(id: string): string {
    if (!/^[\w.-]+$/.test(id)) throw new Error(`invalid instance id ${JSON.stringify(id)}`)
    return path.join(this.dir, id)
  }

  private async readRecord(id: string): Promise<ProcessRecord | null> {
    try {
      const record = JSON.parse(
        await readFile(path.join(this.instanceDir(id), 'record.json'), 'utf8'),
      ) as ProcessRecord
      return record.format === RECORD_FORMAT ? record : null
    } catch {
      return null
    }
  }

  private async readRecords(): Promise<ProcessRecord[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch {
      return []
    }
    const records = await Promise.all(names.map((name) => this.readRecord(name)))
    return records.filter((record): record is ProcessRecord => record !== null)
  }
}

/**
 * The secret env values a record leaves out, as the service's process has them (its environment
 * in /proc, readable by its owner only); none once it is gone (a reset of a dead service fails
 * anyway).
 */
function secretEnvOf(record: ProcessRecord): Record<string, string> {
  const names = record.secretEnv ?? []
  if (names.length === 0 || !isAlive(record.pid, record.startTime)) return {}
  const values: Record<string, string> = {}
  for (const entry of readEnviron(record.pid) ?? []) {
    const eq = entry.indexOf('=')
    const name = entry.slice(0, eq)
    if (names.includes(name)) values[name] = entry.slice(eq + 1)
  }
  return values
}

/** When a process started (epoch ms, to the second), from /proc; 0 when that cannot be read. */
function startedAt(pid: number): number {
  return Math.round(startedAtMs(pid) ?? 0)
}

/**
 * execa, loaded on first use: listing, inspecting and stopping (all `status` and `down` need) run
 * without it, and it costs ~70 ms to load.
 */
let execaModule: Promise<typeof import('execa')> | undefined
function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa')
  return execaModule
}

function readExitCode(dir: string): number | undefined {
  try {
    const text = readFileSync(path.join(dir, 'exit-code'), 'utf8')
    const code = Number.parseInt(text.trim(), 10)
    return Number.isNaN(code) ? undefined : code
  } catch {
    return undefined
  }
}

function toArgv(command: NormalizedCommand, lookup: (path: string) => string | undefined): string[] {
  if ('shell' in command) return ['/bin/sh', '-c', renderTemplate(command.shell, lookup)]
  return command.argv.map((arg) => renderTemplate(arg, lookup))
}

/** Polls `check` every 25 ms; true once it holds, false if `timeoutMs` passes first. */
async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (check()) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) {
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
