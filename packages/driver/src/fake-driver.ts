import http from 'node:http'
import type { NormalizedCommand, NormalizedService, ResolvedSpecInputs } from '@hearth/environments'
import { matchesSelector } from './create-labels.js'
import { DriverError, type DriverErrorCode } from './errors.js'
import { compileLogPattern, probeHttp, probeTcp } from './probes.js'
import type {
  AtomicReadiness,
  Driver,
  ExecOptions,
  ExecResult,
  ExitStatus,
  Instance,
  InstanceSelector,
  InstanceSpec,
  InstanceState,
  LogLine,
  LogOptions,
  ProbeOptions,
  ProbeResult,
} from './types.js'

const HOST = '127.0.0.1'
/** How long `stop` waits for a fake that ignores the graceful signal, when neither side says. */
const DEFAULT_STOP_TIMEOUT_MS = 10_000

/** How a fake service behaves. Keyed by `environment/service` or just `service`. */
export interface FakeBehaviour {
  /** How long `start` takes. */
  startDelayMs?: number
  /** `start` rejects with this. */
  startError?: { code: DriverErrorCode; message: string; fix: string }
  /** This many probes fail before they pass. */
  failingProbes?: number
  /** Probes never pass. */
  neverReady?: boolean
  /** The instance exits by itself this long after starting (jobs default to 0). */
  exitAfterMs?: number
  /** Its exit code when it exits by itself (default 0). */
  exitCode?: number
  /** Lines it prints when it starts. */
  logs?: readonly string[]
  /** How long `stop` takes. */
  stopDelayMs?: number
  /** `stop` rejects with this (the instance keeps running). */
  stopError?: { code: DriverErrorCode; message: string; fix: string }
  /** What `exec` returns. */
  execResult?: ExecResult
  /**
   * What `exec` returns, from the command and the env it runs with (the service's `env`, then the
   * exec's own): a stand-in for running it. Wins over `execResult`. With it, a `command` probe
   * passes only when this returns exit code 0.
   */
  exec?: (command: NormalizedCommand, env: Readonly<Record<string, string>>) => ExecResult
  /**
   * Listens for real: an HTTP server on 127.0.0.1 per port (answering 200), on the fixed `host`
   * port or one the kernel picks, closed when the instance exits or stops. Its `tcp`, `http`,
   * `postgres` and `redis` probes then connect for real (the last two as `tcp` does: the listener
   * speaks HTTP only). Off by default: core's unit tests need no sockets.
   */
  listen?: boolean
  /**
   * Ignores the graceful signal: `stop` waits its whole grace period (the `timeoutMs` given, else
   * the service's `stopTimeoutMs`, else 10 s) and then kills it (`SIGKILL`).
   */
  ignoresStopSignal?: boolean
}

export interface FakeDriverOptions {
  /** Share one to play several hearth processes looking at the same runtime. */
  runtime?: FakeRuntime
  /** Clock for event times (default `performance.now`). */
  now?: () => number
  /** The driver's name (default `fake`), to play two runtimes side by side. */
  name?: string
  /** Which services it runs (default: all). */
  supports?: (service: NormalizedService) => boolean
  /** Its runtime does not answer: `check` rejects with this. */
  checkError?: { code: DriverErrorCode; message: string; fix: string }
  /** It prepares services (as Docker pulls and builds), resolving these inputs. */
  prepare?: (service: NormalizedService) => ResolvedSpecInputs
  /**
   * Scripts services by what they are rather than by their names: for a service that `behave` did
   * not script, asked with the spec `start` got, each time the fake acts on the instance.
   */
  script?: (spec: InstanceSpec) => FakeBehaviour | undefined
}

export type FakeEvent =
  | { type: 'start'; service: string; at: number }
  | { type: 'started'; service: string; at: number }
  | { type: 'stop'; service: string; at: number }
  | { type: 'stopped'; service: string; at: number }
  | { type: 'probe'; service: string; at: number; ok: boolean }
  | { type: 'exec'; service: string; at: number; command: string }

export interface FakeInstanceRecord {
  instance: Instance
  /** What the instance was started from, for tests to check what core asked for. */
  spec: InstanceSpec
  state: InstanceState
  logs: string[]
  probes: number
  exit: ExitStatus | null
  waiters: Array<(status: ExitStatus) => void>
  timer: ReturnType<typeof setTimeout> | null
  /** Its listeners, with `listen`. */
  servers: http.Server[]
  /** Settles once its listeners are closed (after it exits). */
  closed: Promise<void>
}

/**
 * The instances "running" in a fake runtime. Share one between several `FakeDriver`s to play two
 * hearth processes looking at the same engine.
 */
export class FakeRuntime {
  readonly records = new Map<string, FakeInstanceRecord>()
  readonly events: FakeEvent[] = []
  nextPort = 41000
  nextId = 1
}

/**
 * A Driver that runs nothing: instances live in memory and behave as scripted. For unit tests of
 * core. It keeps the contract's semantics, and passes the conformance suite when scripted as the
 * suite's fixtures say (see `fake-driver.test.ts`): with `listen`, its ports answer for real.
 */
export class FakeDriver implements Driver {
  readonly name: string
  readonly runtime: FakeRuntime
  private readonly behaviours = new Map<string, FakeBehaviour>()
  private readonly clock: () => number

  private readonly options: FakeDriverOptions

  constructor(options: FakeDriverOptions = {}) {
    this.name = options.name ?? 'fake'
    this.runtime = options.runtime ?? new FakeRuntime()
    this.clock = options.now ?? (() => performance.now())
    this.options = options
  }

  /** Present only when `checkError` was given, as on a driver with a runtime to check. */
  get check(): (() => Promise<void>) | undefined {
    const error = this.options.checkError
    if (error === undefined) return undefined
    return async () => {
      throw new DriverError(error.code, error.message, error.fix)
    }
  }

  /** Present only when `prepare` was given. */
  get prepare(): Driver['prepare'] {
    const prepare = this.options.prepare
    if (prepare === undefined) return undefined
    return async (service, options) => {
      options.onProgress?.({ message: `preparing ${service.name}` })
      return prepare(service)
    }
  }

  /** Scripts a service. `key` is `environment/service` or `service`. */
  behave(key: string, behaviour: FakeBehaviour): this {
    this.behaviours.set(key, behaviour)
    return this
  }

  get events(): readonly FakeEvent[] {
    return this.runtime.events
  }

  supports(service: NormalizedService): boolean {
    return this.options.supports?.(service) ?? true
  }

  async list(selector: InstanceSelector): Promise<Instance[]> {
    return [...this.runtime.records.values()]
      .filter(
        (record) => record.state.status !== 'missing' && matchesSelector(record.instance.labels, selector),
      )
      .map((record) => ({ ...record.instance, state: record.state }))
  }

  async start(spec: InstanceSpec, options: { signal?: AbortSignal } = {}): Promise<Instance> {
    const { service } = spec.identity
    const behaviour = this.behaviourOf(spec)
    this.runtime.events.push({ type: 'start', service, at: this.clock() })
    if (behaviour.startDelayMs !== undefined) await sleep(behaviour.startDelayMs, options.signal)
    options.signal?.throwIfAborted()
    if (behaviour.startError !== undefined) {
      const { code, message, fix } = behaviour.startError
      throw new DriverError(code, message, fix)
    }
    const ports: Record<string, number> = {}
    const servers: http.Server[] = []
    if (behaviour.listen) {
      try {
        for (const port of spec.service.ports) {
          const server = await listen(port.host ?? 0)
          servers.push(server)
          ports[port.name] = (server.address() as { port: number }).port
        }
      } catch (error) {
        await Promise.all(servers.map(close))
        throw new DriverError(
          'port-conflict',
          `a port of ${service} is already in use on ${HOST}: ${(error as Error).message}`,
          'stop whatever listens on it, or drop the fixed port',
        )
      }
    } else {
      for (const port of spec.service.ports) ports[port.name] = port.host ?? this.runtime.nextPort++
    }
    const instance: Instance = {
      id: `fake-${this.runtime.nextId++}`,
      driver: this.name,
      identity: spec.identity,
      kind: spec.service.kind,
      specHash: spec.specHash,
      labels: spec.labels,
      host: HOST,
      ports,
      createdAt: Date.now(),
      state: { status: 'running' },
    }
    const record: FakeInstanceRecord = {
      instance,
      spec,
      state: { status: 'running' },
      logs: [...(behaviour.logs ?? [])],
      probes: 0,
      exit: null,
      waiters: [],
      timer: null,
      servers,
      closed: Promise.resolve(),
    }
    const exitAfterMs = behaviour.exitAfterMs ?? (spec.service.kind === 'job' ? 0 : undefined)
    if (exitAfterMs !== undefined) {
      record.timer = setTimeout(
        () => this.exit(record, { exitCode: behaviour.exitCode ?? 0, signal: null }),
        exitAfterMs,
      )
    }
    this.runtime.records.set(instance.id, record)
    this.runtime.events.push({ type: 'started', service, at: this.clock() })
    return { ...instance }
  }

  async stop(instance: Instance, options: { timeoutMs?: number } = {}): Promise<void> {
    const record = this.runtime.records.get(instance.id)
    if (record === undefined || record.state.status === 'missing') return
    const { service } = instance.identity
    this.runtime.events.push({ type: 'stop', service, at: this.clock() })
    const behaviour = this.behaviourOf(record.spec)
    if (behaviour.stopDelayMs !== undefined) await sleep(behaviour.stopDelayMs)
    if (behaviour.stopError !== undefined) {
      const { code, message, fix } = behaviour.stopError
      throw new DriverError(code, message, fix)
    }
    let signal: NodeJS.Signals = 'SIGTERM'
    if (behaviour.ignoresStopSignal && record.exit === null) {
      const definition = record.spec.service
      await sleep(
        options.timeoutMs ??
          (definition.kind === 'process' ? definition.stopTimeoutMs : DEFAULT_STOP_TIMEOUT_MS),
      )
      signal = 'SIGKILL'
    }
    if (record.exit === null) this.exit(record, { exitCode: null, signal })
    await record.closed
    record.state = { status: 'missing' }
    this.runtime.events.push({ type: 'stopped', service, at: this.clock() })
  }

  async inspect(instance: Instance): Promise<InstanceState> {
    return this.runtime.records.get(instance.id)?.state ?? { status: 'missing' }
  }

  async probe(
    instance: Instance,
    check: AtomicReadiness,
    options: ProbeOptions = { timeoutMs: 1000 },
  ): Promise<ProbeResult> {
    const record = this.runtime.records.get(instance.id)
    if (record === undefined || record.state.status !== 'running') {
      return { ok: false, detail: 'not running' }
    }
    const behaviour = this.behaviourOf(record.spec)
    record.probes++
    let ok = !behaviour.neverReady && record.probes > (behaviour.failingProbes ?? 0)
    let detail = ok ? `${check.type} check passed` : `${check.type} check failed (attempt ${record.probes})`
    if (ok && check.type === 'log') {
      const pattern = compileLogPattern(check.pattern)
      ok = record.logs.some((line) => pattern.test(line))
      detail = ok ? 'pattern seen' : `no line matches /${check.pattern.source}/`
    }
    if (
      ok &&
      behaviour.listen &&
      (check.type === 'tcp' || check.type === 'http' || check.type === 'postgres' || check.type === 'redis')
    ) {
      const port = instance.ports[check.port]
      const result =
        port === undefined
          ? { ok: false, detail: `${instance.identity.service} has no port named ${check.port}` }
          : await this.probePort(check, port, options)
      ok = result.ok
      detail = result.detail
    }
    if (ok && behaviour.exec !== undefined && check.type === 'command') {
      const result = behaviour.exec(check.command, record.spec.service.env)
      ok = result.exitCode === 0
      detail = `exit ${result.exitCode}`
    }
    this.runtime.events.push({ type: 'probe', service: instance.identity.service, at: this.clock(), ok })
    return { ok, detail }
  }

  /** A port check against what listens there for real (`listen`), as the real drivers probe it. */
  private probePort(
    check: Extract<AtomicReadiness, { type: 'tcp' | 'http' | 'postgres' | 'redis' }>,
    port: number,
    options: ProbeOptions,
  ): Promise<ProbeResult> {
    switch (check.type) {
      // Its listeners speak HTTP only: a protocol check is a connect to the port, as `tcp` is.
      case 'tcp':
      case 'postgres':
      case 'redis':
        return probeTcp(HOST, port, options.timeoutMs, options.signal)
      case 'http':
        return probeHttp(
          `http://${HOST}:${port}${check.path}`,
          check.status,
          options.timeoutMs,
          options.signal,
        )
    }
  }

  async *logs(instance: Instance, options: LogOptions = {}): AsyncIterable<LogLine> {
    const record = this.runtime.records.get(instance.id)
    if (record === undefined) return
    let index = 0
    for (;;) {
      while (index < record.logs.length) yield { text: record.logs[index++] as string, stream: 'output' }
      if (!options.follow || record.exit !== null || options.signal?.aborted) return
      await sleep(5, options.signal).catch(() => undefined)
    }
  }

  async exec(instance: Instance, command: NormalizedCommand, options: ExecOptions = {}): Promise<ExecResult> {
    const record = this.runtime.records.get(instance.id)
    if (record === undefined || record.state.status !== 'running') {
      throw new DriverError('exited', `${instance.identity.service} is not running`, 'start it first')
    }
    const text = 'argv' in command ? command.argv.join(' ') : command.shell
    this.runtime.events.push({
      type: 'exec',
      service: instance.identity.service,
      at: this.clock(),
      command: text,
    })
    const behaviour = this.behaviourOf(record.spec)
    if (behaviour.exec !== undefined) {
      return behaviour.exec(command, { ...record.spec.service.env, ...options.env })
    }
    return behaviour.execResult ?? { exitCode: 0, output: '' }
  }

  wait(instance: Instance, options: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    const { signal } = options
    // An 'abort' listener added to an already aborted signal never fires: check first, as the
    // real drivers do.
    if (signal?.aborted) return Promise.reject(signal.reason)
    const record = this.runtime.records.get(instance.id)
    if (record === undefined) return Promise.resolve({ exitCode: null, signal: null })
    if (record.exit !== null) return Promise.resolve(record.exit)
    return new Promise((resolve, reject) => {
      const waiter = (status: ExitStatus): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve(status)
      }
      const onAbort = (): void => {
        // Forget the waiter, so that aborted waits do not pile up on a long-lived instance.
        const index = record.waiters.indexOf(waiter)
        if (index !== -1) record.waiters.splice(index, 1)
        reject(signal?.reason ?? new Error('aborted'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      record.waiters.push(waiter)
    })
  }

  /** Makes a running fake instance exit, as a crash would. */
  crash(instance: Instance, exitCode = 1, line?: string): void {
    const record = this.runtime.records.get(instance.id)
    if (record === undefined) return
    if (line !== undefined) record.logs.push(line)
    this.exit(record, { exitCode, signal: null })
  }

  /** Appends a line to a fake instance's output. */
  print(instance: Instance, line: string): void {
    this.runtime.records.get(instance.id)?.logs.push(line)
  }

  private exit(record: FakeInstanceRecord, status: ExitStatus): void {
    if (record.exit !== null) return
    if (record.timer !== null) clearTimeout(record.timer)
    record.closed = Promise.all(record.servers.splice(0).map(close)).then(() => undefined)
    record.exit = status
    record.state = { status: 'exited', exitCode: status.exitCode }
    for (const waiter of record.waiters.splice(0)) waiter(status)
  }

  private behaviourOf(spec: InstanceSpec): FakeBehaviour {
    const { environment, service } = spec.identity
    return (
      this.behaviours.get(`${environment}/${service}`) ??
      this.behaviours.get(service) ??
      this.options.script?.(spec) ??
      {}
    )
  }
}

/** An HTTP server on loopback that answers every request with 200. */
function listen(port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.end('ok\n')
    })
    server.once('error', reject)
    server.listen({ host: HOST, port, exclusive: true }, () => {
      server.off('error', reject)
      // A listener must not keep the test run alive.
      server.unref()
      resolve(server)
    })
  })
}

/** Closes a listener and the connections it holds, as a process that exits would. */
function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
