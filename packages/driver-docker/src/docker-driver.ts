import { randomBytes } from 'node:crypto'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Readable } from 'node:stream'
import {
  type AtomicReadiness,
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
  isDriverError,
  LABELS,
  type Labels,
  type LogLine,
  type LogOptions,
  matchesSelector,
  type PrepareOptions,
  type ProbeOptions,
  type ProbeResult,
  probeHttp,
  probePostgres,
  probeRedis,
  type ServiceIdentity,
} from '@hearth/driver'
import {
  lookupIn,
  type NormalizedCommand,
  type NormalizedService,
  type ResolvedSpecInputs,
  type ServiceKind,
  stableStringify,
} from '@hearth/environments'
import type Docker from 'dockerode'
import { buildKey, buildTag, readBuildContext } from './build-context.js'
import {
  containerName,
  createContainerOptions,
  DOCKER_LABELS,
  hostPorts,
  LOOPBACK,
  namedVolumes,
  networkName,
  parseVolume,
  sharedResourceLabels,
  toArgv,
} from './container-config.js'
import {
  type DockerConnectionOptions,
  type DockerEndpoint,
  describeEndpoint,
  type EndpointResolution,
  resolveDockerEndpoint,
} from './docker-host.js'
import { createEngineApi, demuxStream, type EngineApi, listQuery } from './engine-api.js'
import {
  classifyEngineError,
  engineMessage,
  isMissingImage,
  isNotFound,
  isPortConflict,
  statusOf,
} from './engine-errors.js'
import { buildStep, PullProgress, readEngineStream, throttleProgress } from './engine-stream.js'
import { demuxedLines } from './log-lines.js'
import { NetworkLock } from './network-lock.js'
import { probeTcpThroughProxy } from './proxy-probe.js'

const OUTPUT_LIMIT = 64 * 1024
/** Docker's own default grace period for `docker stop`. */
const DEFAULT_STOP_TIMEOUT_MS = 10_000
const PING_TIMEOUT_MS = 10_000
/** How often a wait also looks at the container itself (see `wait`). */
const WAIT_LOOK_EVERY_MS = 2_000
const PROGRESS_INTERVAL_MS = 250
/** How many lines of a failed build's output the error carries. */
const BUILD_TAIL_LINES = 15

export interface DockerDriverOptions {
  /**
   * Accepted for symmetry with the process driver. The Docker driver keeps no state of its own:
   * everything it needs to find its resources again is in the engine, as labels.
   */
  stateDir?: string
  /** How to reach the engine. Default: `DOCKER_HOST` as Docker reads it, else the local socket. */
  docker?: DockerConnectionOptions
  /** The environment to read `DOCKER_HOST` and `PATH` from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** How often `wait` looks at the container besides the engine's own wait. Default 2 s. */
  waitLookEveryMs?: number
}

/** An image as prepared: its id, and the name it was pulled or built under. */
interface ResolvedImage {
  id: string
  reference: string
}

/** What `removeProjectResources` removed, by engine name. */
export interface RemovedResources {
  containers: string[]
  networks: string[]
  volumes: string[]
}

/**
 * The Driver for containers, over dockerode. Everything it creates (containers, one network per
 * environment, named volumes) carries hearth's labels, and it finds, stops and removes only what
 * carries the project's id. See README.md for the choices it makes.
 */
export class DockerDriver implements Driver {
  readonly name = 'docker'
  private readonly resolution: EndpointResolution
  private readonly connection: DockerConnectionOptions | undefined
  private readonly env: Readonly<Record<string, string | undefined>>
  private readonly waitLookEveryMs: number
  private client: Docker | null = null
  /** The plain reads (ping, list, inspect) without dockerode, where the endpoint allows; see engine-api.ts. */
  private engineApi: EngineApi | null | undefined
  /** Image ids that `prepare` resolved, per service definition, for `start` to use. */
  private readonly prepared = new Map<string, ResolvedImage>()
  /**
   * Per network, in this process: starts share it (their containers are created at once), and a
   * removal has it alone, so a network is never removed between its check and a container's create.
   */
  private readonly networkLocks = new Map<string, NetworkLock>()
  /** The network checks (and creates) under way: starts that arrive together make it once. */
  private readonly ensuringNetworks = new Map<string, Promise<void>>()

  constructor(options: DockerDriverOptions = {}) {
    this.waitLookEveryMs = options.waitLookEveryMs ?? WAIT_LOOK_EVERY_MS
    this.env = options.env ?? process.env
    this.connection = options.docker
    this.resolution = resolveDockerEndpoint(options.docker, this.env)
  }

  /** The engine this driver talks to, as `DOCKER_HOST` would spell it. */
  get endpoint(): string {
    return this.resolution.ok ? describeEndpoint(this.resolution.endpoint) : '(invalid DOCKER_HOST)'
  }

  supports(service: NormalizedService): boolean {
    return service.kind === 'container' || (service.kind === 'job' && service.image !== null)
  }

  async check(): Promise<void> {
    const api = this.api()
    const timeout = AbortSignal.timeout(PING_TIMEOUT_MS)
    try {
      if (api !== null) await api.get('/_ping', { signal: timeout })
      else {
        const docker = this.docker()
        // dockerode takes an abort signal here; its types do not say so yet.
        await (docker.ping as (options: { abortSignal: AbortSignal }) => Promise<unknown>).call(docker, {
          abortSignal: timeout,
        })
      }
    } catch (error) {
      if (timeout.aborted) throw this.classify({ code: 'ETIMEDOUT' })
      throw this.classify(error)
    }
  }

  /**
   * Pulls the service's image by its pull policy, or builds it from its context (skipped when an
   * image of the same context hash exists), and returns the image id, which core hashes.
   *
   * - `missing`: pulls only when the engine lacks the image.
   * - `always`: pulls every time; when the pull fails and an image is present, that image is used
   *   and the failure reported through `onProgress` (an offline machine keeps working).
   * - `never`: never pulls; a missing image is an `image-missing` error with the fix.
   */
  async prepare(service: NormalizedService, options: PrepareOptions): Promise<ResolvedSpecInputs> {
    const resolved = await this.resolveImage(service, options)
    this.prepared.set(preparedKey(service, options.root), resolved)
    return { image: resolved.id }
  }

  async list(selector: InstanceSelector): Promise<Instance[]> {
    const summaries = await this.listContainers(selectorFilters(selector)).catch((error: unknown) =>
      this.fail(error),
    )
    const infos = await Promise.all(
      summaries.map((summary) =>
        this.inspectContainer(summary.Id).catch((error: unknown) =>
          isNotFound(error) ? null : this.fail(error),
        ),
      ),
    )
    const instances: Instance[] = []
    for (const info of infos) {
      if (info === null) continue
      // The engine filtered already; checking again costs nothing and guards what we touch.
      if (!matchesSelector(info.Config.Labels ?? {}, selector)) continue
      const instance = toInstance(info)
      if (instance !== null) instances.push(instance)
    }
    return instances.sort((a, b) => a.createdAt - b.createdAt)
  }

  async start(spec: InstanceSpec, options: { signal?: AbortSignal } = {}): Promise<Instance> {
    const { service, identity, root } = spec
    const { signal } = options
    if (!this.supports(service)) {
      throw new DriverError(
        'start-failed',
        `${identity.service} is a local ${service.kind}; the Docker driver cannot start it`,
        'this is a bug in hearth: local processes go to the process driver',
      )
    }
    signal?.throwIfAborted()
    const resolved =
      this.prepared.get(preparedKey(service, root)) ??
      (await this.resolveImage(service, { root, ...(signal ? { signal } : {}) }))
    // By name while the name still means the prepared image (readable in `docker ps`), else by id.
    const image = (await this.imageId(resolved.reference)) === resolved.id ? resolved.reference : resolved.id
    if (service.kind === 'container') {
      for (const volume of service.volumes) {
        const mount = parseVolume(volume, root, service.name)
        if (mount.type === 'bind' && !existsSync(mount.source)) {
          throw new DriverError(
            'start-failed',
            `the folder ${mount.source} that ${identity.service} mounts at ${mount.target} does not exist`,
            `create it, or fix the volume "${volume}" (relative paths start at the project root)`,
          )
        }
      }
    }
    const network = networkName(identity.projectId, identity.environment)
    const createOptions = createContainerOptions({
      identity,
      name: containerName(identity, randomBytes(3).toString('hex')),
      image,
      network,
      labels: spec.labels,
      root,
      service,
    })

    const id = await this.networkLock(network).shared(async () => {
      await this.ensureNetwork(network, spec.labels)
      for (const volume of namedVolumes(service, identity, root)) {
        const body = { Name: volume, Labels: sharedResourceLabels(spec.labels, true) }
        await this.via(
          (api) => api.post('/volumes/create', { body }),
          (docker) => docker.createVolume(body),
        ).catch((error: unknown) => this.fail(error))
      }
      // The engine takes the name in the query and the rest as the body (as dockerode splits them).
      const { name = '', ...body } = createOptions
      return this.via(
        async (api) =>
          (await api.post<{ Id: string }>(`/containers/create?name=${encodeURIComponent(name)}`, { body }))
            .Id,
        async (docker) => (await docker.createContainer(createOptions)).id,
      ).catch((error: unknown) => {
        if (isMissingImage(error)) {
          throw new DriverError(
            'image-missing',
            `the image ${image} of ${identity.service} is not on the engine (any more)`,
            'run `hearth up` again: it pulls or builds the image first',
            { cause: error },
          )
        }
        throw this.classifyStart(error, identity)
      })
    })

    const discard = (): Promise<void> =>
      this.via(
        (api) => api.delete(`/containers/${id}?force=1&v=1`),
        (docker) => docker.getContainer(id).remove({ force: true, v: true }),
      ).then(
        () => undefined,
        () => undefined,
      )
    if (signal?.aborted) {
      await discard()
      signal.throwIfAborted()
    }
    try {
      await this.via(
        (api) => api.post(`/containers/${id}/start`),
        (docker) => docker.getContainer(id).start(),
      )
    } catch (error) {
      await discard()
      if (isPortConflict(error)) throw portConflict(error, service, identity)
      throw this.classifyStart(error, identity)
    }
    const info = await this.inspectContainer(id).catch((error: unknown) => this.fail(error))
    const instance = toInstance(info)
    if (instance === null) throw new Error(`container ${info.Id} lost its labels`)
    return instance
  }

  /**
   * Sends the container's stop signal (SIGTERM unless its image says otherwise), waits up to
   * `timeoutMs` (default 10 s) for it to exit, then removes it by force (SIGKILL) with its anonymous
   * volumes. Timed here rather than by the engine, whose timeout is in whole seconds. Then removes
   * the service's named volumes, and the environment's network once no container of the
   * environment is left. Stopping a container that is gone succeeds.
   */
  async stop(instance: Instance, options: { timeoutMs?: number } = {}): Promise<void> {
    const { id } = instance
    const info = await this.inspectContainer(id).catch((error: unknown) =>
      isNotFound(error) ? null : this.fail(error),
    )
    if (info !== null) {
      if (info.Config.Labels?.[LABELS.managed] !== 'true') {
        throw new DriverError(
          'start-failed',
          `container ${info.Name.replace(/^\//, '')} does not carry hearth's labels; hearth leaves it alone`,
          'remove it yourself if it should go (`docker rm -f`)',
        )
      }
      if (info.State.Running) {
        const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS
        const stopSignal = (info.Config as { StopSignal?: string }).StopSignal ?? 'SIGTERM'
        await this.via(
          (api) => api.post(`/containers/${id}/kill?signal=${encodeURIComponent(stopSignal)}`),
          (docker) => docker.getContainer(id).kill({ signal: stopSignal }),
        ).catch((error: unknown) => {
          // 409: it stopped meanwhile; 404: it is gone.
          if (statusOf(error) !== 409 && !isNotFound(error)) this.fail(error)
        })
        const timeout = AbortSignal.timeout(timeoutMs)
        await this.waitNotRunning(id, timeout).catch(() => undefined)
      }
      await this.removeContainer(instance.id)
    }
    await this.removeServiceVolumes(instance.identity)
    await this.removeNetworkIfUnused(instance.identity.projectId, instance.identity.environment)
  }

  async inspect(instance: Instance): Promise<InstanceState> {
    const info = await this.inspectContainer(instance.id).catch((error: unknown) =>
      isNotFound(error) ? null : this.fail(error),
    )
    return info === null ? { status: 'missing' } : stateOf(info.State)
  }

  async probe(instance: Instance, check: AtomicReadiness, options: ProbeOptions): Promise<ProbeResult> {
    switch (check.type) {
      // The engine's port proxy accepts a connection before the service inside listens: a bare
      // connect says only that the container is up, so this probe holds the connection a moment.
      case 'tcp':
        return probeTcpThroughProxy(LOOPBACK, portOf(instance, check.port), options.timeoutMs, options.signal)
      case 'http':
        return probeHttp(
          `http://${LOOPBACK}:${portOf(instance, check.port)}${check.path}`,
          check.status,
          options.timeoutMs,
          options.signal,
        )
      // Spoken through the port proxy, these see it hang up when nothing listens inside yet.
      case 'postgres':
        return probePostgres(LOOPBACK, portOf(instance, check.port), {
          user: check.user,
          database: check.database,
          ...options,
        })
      case 'redis':
        return probeRedis(LOOPBACK, portOf(instance, check.port), options)
      case 'log': {
        const pattern = compileLogPattern(check.pattern)
        for await (const line of this.logs(instance, options.signal ? { signal: options.signal } : {})) {
          if (pattern.test(line.text)) return { ok: true, detail: `saw "${line.text}"` }
        }
        return { ok: false, detail: `no output line matches /${check.pattern.source}/` }
      }
      case 'command': {
        let result: ExecResult
        try {
          result = await this.exec(instance, check.command, {
            timeoutMs: options.timeoutMs,
            ...(options.signal ? { signal: options.signal } : {}),
          })
        } catch (error) {
          if (isDriverError(error) && error.code === 'exited') return { ok: false, detail: error.message }
          throw error
        }
        const last = result.output.trim().split('\n').at(-1) ?? ''
        return {
          ok: result.exitCode === 0,
          detail: `exit ${result.exitCode}${last === '' ? '' : `: ${last}`}`,
        }
      }
      case 'healthcheck': {
        const info = await this.inspectContainer(instance.id).catch((error: unknown) =>
          isNotFound(error) ? null : this.fail(error),
        )
        if (info === null) return { ok: false, detail: `${instance.identity.service} is gone` }
        const health = info.State.Health
        if (health === undefined || health.Status === 'none' || health.Status === '') {
          return {
            ok: false,
            detail: `${instance.identity.service} has no healthcheck: give the service a healthcheck, or use another readiness check`,
          }
        }
        if (health.Status === 'healthy') return { ok: true, detail: 'healthy' }
        const last = health.Log?.at(-1)
        const said =
          last === undefined
            ? ''
            : `: exit ${last.ExitCode}${last.Output.trim() === '' ? '' : `, ${last.Output.trim().split('\n').at(-1)}`}`
        return { ok: false, detail: `${health.Status}${said}` }
      }
    }
  }

  async *logs(instance: Instance, options: LogOptions = {}): AsyncIterable<LogLine> {
    const { signal } = options
    const demux =
      this.api() === null ? this.docker().modem.demuxStream.bind(this.docker().modem) : demuxStream
    if (options.follow !== true) {
      const output = await this.readLogs(instance.id)
      if (output !== null) yield* demuxedLines(Readable.from([output]), demux)
      return
    }
    let source: NodeJS.ReadableStream
    try {
      source = await this.followLogs(instance.id, signal)
    } catch (error) {
      if (isNotFound(error) || signal?.aborted) return
      this.fail(error)
    }
    let given = 0
    for await (const line of demuxedLines(source, demux, signal, { keepPartial: false })) {
      given += 1
      yield line
    }
    if (signal?.aborted) return
    // Docker 20.10 ends a follow as the container exits, before the last line when that line has no
    // newline: read the whole log once more and give out what the follow did not.
    const output = await this.readLogs(instance.id)
    if (output === null) return
    let index = 0
    for await (const line of demuxedLines(Readable.from([output]), demux)) {
      if (index++ >= given) yield line
    }
  }

  /** The container's log from its start on, followed (multiplexed). */
  private followLogs(id: string, signal: AbortSignal | undefined): Promise<NodeJS.ReadableStream> {
    return this.via(
      (api) =>
        api.stream(
          `/containers/${encodeURIComponent(id)}/logs?follow=1&stdout=1&stderr=1`,
          signal ? { signal } : {},
        ),
      (docker) =>
        docker.getContainer(id).logs({
          follow: true,
          stdout: true,
          stderr: true,
          ...(signal ? { abortSignal: signal } : {}),
        }) as Promise<NodeJS.ReadableStream>,
    )
  }

  /** The container's port map label (`{"http":"8080/tcp"}`). */
  private async portMapOf(instance: Instance): Promise<string | undefined> {
    try {
      const info = await this.inspectContainer(instance.id)
      return info.Config.Labels?.[DOCKER_LABELS.ports]
    } catch (error) {
      if (isNotFound(error)) {
        throw new DriverError(
          'exited',
          `${instance.identity.service} is not running`,
          'start it with `hearth up`',
        )
      }
      return this.fail(error)
    }
  }

  /** The container's whole log so far (multiplexed), or null when the container is gone. */
  private async readLogs(id: string): Promise<Buffer | null> {
    try {
      return await this.via(
        async (api) => {
          const chunks: Buffer[] = []
          const stream = await api.stream(`/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1`)
          for await (const chunk of stream) chunks.push(chunk as Buffer)
          return Buffer.concat(chunks)
        },
        async (docker) => {
          const output = (await docker
            .getContainer(id)
            .logs({ follow: false, stdout: true, stderr: true })) as unknown
          return Buffer.isBuffer(output) ? output : Buffer.from(String(output ?? ''))
        },
      )
    } catch (error) {
      if (isNotFound(error)) return null
      return this.fail(error)
    }
  }

  /**
   * Runs a command inside the running container with the container's env (plus `options.env`).
   * On timeout it returns exit code 124; the engine cannot kill an exec, so the command may still
   * run inside the container until it ends by itself or the container stops.
   */
  async exec(instance: Instance, command: NormalizedCommand, options: ExecOptions = {}): Promise<ExecResult> {
    const { signal } = options
    signal?.throwIfAborted()
    // Templates in the command mean what they mean in the container's own command: read its port map.
    const templated = ('shell' in command ? command.shell : command.argv.join(' ')).includes('{{')
    const portMap = templated ? await this.portMapOf(instance) : undefined
    const argv = toArgv(command, execLookup(instance.identity.service, portMap))
    const body = {
      Cmd: argv,
      AttachStdout: true,
      AttachStderr: true,
      Env: Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`),
    }
    let execId: string
    try {
      execId = await this.via(
        async (api) =>
          (await api.post<{ Id: string }>(`/containers/${encodeURIComponent(instance.id)}/exec`, { body }))
            .Id,
        async (docker) => (await docker.getContainer(instance.id).exec(body)).id,
      )
    } catch (error) {
      if (isNotFound(error) || statusOf(error) === 409) {
        throw new DriverError(
          'exited',
          `${instance.identity.service} is not running`,
          'start it with `hearth up`',
          { cause: error },
        )
      }
      this.fail(error)
    }
    const stop = new AbortController()
    const timer =
      options.timeoutMs === undefined
        ? null
        : setTimeout(() => stop.abort(new Error('timeout')), options.timeoutMs)
    const onAbort = (): void => stop.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const chunks: string[] = []
    let size = 0
    try {
      // The output, multiplexed (no TTY), until the command ends and the engine closes the stream.
      const stream = await this.via(
        (api) =>
          api.stream(`/exec/${encodeURIComponent(execId)}/start`, {
            method: 'POST',
            body: { Detach: false, Tty: false },
          }),
        (docker) =>
          docker.getExec(execId).start({ hijack: true, stdin: false }) as Promise<NodeJS.ReadableStream>,
      )
      for await (const line of demuxedLines(stream, demuxStream, stop.signal)) {
        chunks.push(line.text)
        size += line.text.length + 1
        // Keep a little more than the limit, trimmed once at the end.
        while (size > OUTPUT_LIMIT * 2 && chunks.length > 1) size -= (chunks.shift() as string).length + 1
      }
    } finally {
      if (timer !== null) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const output = chunks.join('\n').slice(-OUTPUT_LIMIT)
    if (signal?.aborted) throw signal.reason
    if (stop.signal.aborted) {
      return { exitCode: 124, output: `${output}\n(timed out after ${options.timeoutMs} ms)`.trim() }
    }
    // The stream can end a moment before the engine records the exit code.
    for (let attempt = 0; ; attempt++) {
      const info = await this.via(
        (api) =>
          api.get<{ Running: boolean; ExitCode: number | null }>(`/exec/${encodeURIComponent(execId)}/json`),
        (docker) => docker.getExec(execId).inspect(),
      ).catch((error: unknown) => this.fail(error))
      if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) {
        // The engine says 126 when the command is not found; a shell (and the process driver) says 127.
        const notFound = info.ExitCode === 126 && /executable file not found/.test(output)
        return { exitCode: notFound ? 127 : info.ExitCode, output }
      }
      if (attempt >= 100) return { exitCode: 128, output }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  async wait(instance: Instance, options: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    const { signal } = options
    signal?.throwIfAborted()
    const request = new AbortController()
    const onAbort = (): void => request.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const waited = this.waitNotRunning(instance.id, request.signal).then((result) => ({
        exitCode: typeof result.StatusCode === 'number' ? result.StatusCode : null,
        signal: null,
      }))
      // A connection to the engine cut while it waits (the daemon stopped, a proxy restarted) ends
      // the engine's answer without a word, and the wait may then never settle: a look at
      // the container every few seconds notices it exited, went, or the engine is gone.
      const looked = this.lookUntilStopped(instance, request.signal)
      waited.catch(() => undefined)
      looked.catch(() => undefined)
      return await Promise.race([waited, looked])
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (isNotFound(error)) return { exitCode: null, signal: null }
      if (isDriverError(error)) throw error
      return this.fail(error)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      request.abort()
    }
  }

  private async lookUntilStopped(instance: Instance, signal: AbortSignal): Promise<ExitStatus> {
    for (;;) {
      // Aborted while a look was under way: the abort event has come and gone, and a listener
      // added now would never hear it. Without this check the looks went on for ever, and kept
      // the process alive after its work was done (`hearth up` said ready and never exited).
      signal.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        // Removed at each look: a watch lasts the whole session, one look every few seconds.
        const onAbort = (): void => {
          clearTimeout(timer)
          reject(signal.reason)
        }
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }, this.waitLookEveryMs)
        signal.addEventListener('abort', onAbort, { once: true })
      })
      const state = await this.inspect(instance)
      if (state.status === 'exited') return { exitCode: state.exitCode, signal: null }
      if (state.status === 'missing') return { exitCode: null, signal: null }
    }
  }

  async close(): Promise<void> {
    // dockerode keeps no connection open between requests; the plain reads keep one.
    this.engineApi?.close()
    this.engineApi = undefined
  }

  /**
   * The Driver contract's clean-up for `hearth down --all`: everything of the project this engine
   * still holds (see `removeProjectResources`), counted.
   */
  async prune(selector: InstanceSelector): Promise<number> {
    const removed = await this.removeProjectResources(selector.projectId)
    return removed.containers.length + removed.networks.length + removed.volumes.length
  }

  /**
   * Removes everything of a project this engine holds: its containers (running or not, with their
   * anonymous volumes), its networks and its named volumes. Only resources that carry hearth's
   * marker and the project's id are touched. For `hearth down --all` and test cleanup.
   */
  async removeProjectResources(projectId: string): Promise<RemovedResources> {
    const label = selectorFilters({ projectId })
    const removed: RemovedResources = { containers: [], networks: [], volumes: [] }
    const containers = await this.listContainers(label).catch((error: unknown) => this.fail(error))
    await Promise.all(
      containers.map(async (summary) => {
        await this.removeContainer(summary.Id)
        removed.containers.push((summary.Names[0] ?? summary.Id).replace(/^\//, ''))
      }),
    )
    const networks = await this.listNetworks({ label }).catch((error: unknown) => this.fail(error))
    for (const network of networks) {
      if (network.Labels?.[LABELS.projectId] !== projectId) continue
      await this.networkLock(network.Name).exclusive(() =>
        removeIgnoringGone(() => this.removeNetwork(network.Id)),
      )
      removed.networks.push(network.Name)
    }
    const volumes = await this.listVolumes({ label }).catch((error: unknown) => this.fail(error))
    for (const volume of volumes) {
      if (volume.Labels?.[LABELS.projectId] !== projectId) continue
      await removeIgnoringGone(() => this.removeVolume(volume.Name))
      removed.volumes.push(volume.Name)
    }
    return removed
  }

  // ── images ────────────────────────────────────────────────────────────────────────────────────

  private async resolveImage(service: NormalizedService, options: PrepareOptions): Promise<ResolvedImage> {
    if (service.kind === 'container' && service.build !== null) return this.build(service, options)
    const reference = service.kind === 'process' ? null : service.image
    if (reference === null) {
      throw new DriverError(
        'image-missing',
        `${service.name} has no image`,
        'set image: "<name>:<tag>", or build: { context: "…" }',
      )
    }
    const policy = service.kind === 'container' ? service.pull : 'missing'
    return { id: await this.ensureImage(service.name, reference, policy, options), reference }
  }

  private async ensureImage(
    service: string,
    reference: string,
    policy: 'missing' | 'always' | 'never',
    options: PrepareOptions,
  ): Promise<string> {
    const present = await this.imageId(reference)
    if (policy === 'never') {
      if (present !== null) return present
      throw new DriverError(
        'image-missing',
        `the image ${reference} of ${service} is not on the engine, and ${service} has pull: 'never'`,
        `build it (\`docker build -t ${reference} …\`), or set pull: 'missing' so that hearth pulls it`,
      )
    }
    if (policy === 'missing' && present !== null) return present
    try {
      await this.pull(reference, options)
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason
      const why = engineMessage(error)
      if (present !== null) {
        options.onProgress?.({
          message: `could not pull ${reference} (${why}); using the image already here`,
        })
        return present
      }
      throw new DriverError(
        'image-missing',
        `could not pull the image ${reference} of ${service}: ${why}`,
        `check the name and your access to its registry (\`docker login\`), or build it here (\`docker build -t ${reference} …\`) and set pull: 'never'`,
        { cause: error },
      )
    }
    const pulled = await this.imageId(reference)
    if (pulled === null) {
      throw new DriverError(
        'image-missing',
        `the pull of ${reference} finished, but the engine has no such image`,
        'check the reference (name:tag) of the image',
      )
    }
    return pulled
  }

  private async pull(reference: string, options: PrepareOptions): Promise<void> {
    const docker = this.docker()
    const progress = new PullProgress(reference)
    const report = throttleProgress(options.onProgress, PROGRESS_INTERVAL_MS)
    report.push({ message: `pulling ${reference}` })
    const stream = (await docker.pull(
      reference,
      options.signal ? { abortSignal: options.signal } : {},
    )) as NodeJS.ReadableStream
    await readEngineStream(stream, (event) => report.push(progress.update(event)), options.signal)
    report.flush()
  }

  /**
   * Builds the service's image from its context, unless an image of the same build key (context
   * content, Dockerfile, args) exists: then it is the answer, and nothing is sent to the engine.
   */
  private async build(
    service: NormalizedService & { kind: 'container' },
    options: PrepareOptions,
  ): Promise<ResolvedImage> {
    const build = service.build as NonNullable<typeof service.build>
    const dir = path.resolve(options.root, build.context)
    const context = await readBuildContext(dir, build.dockerfile, service.name)
    const tag = buildTag(
      options.root,
      service.name,
      buildKey(context.contentHash, build.dockerfile, build.args),
    )
    const existing = await this.imageId(tag)
    if (existing !== null) return { id: existing, reference: tag }
    options.signal?.throwIfAborted()

    const report = throttleProgress(options.onProgress, PROGRESS_INTERVAL_MS)
    report.push({ message: `building ${build.context}` })
    const tail: string[] = []
    let partial = ''
    const keep = (text: string): void => {
      const lines = (partial + text).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        tail.push(line)
        if (tail.length > BUILD_TAIL_LINES) tail.shift()
        const step = buildStep(line)
        if (step !== null) {
          report.push({
            message: `building ${build.context} (step ${step.step}/${step.of})`,
            fraction: (step.step - 1) / step.of,
          })
        }
      }
    }
    let builtId: string | null = null
    try {
      const { pack } = requireModule('tar-fs') as typeof import('tar-fs')
      const stream = (await this.docker().buildImage(pack(dir, { entries: context.files }), {
        t: tag,
        dockerfile: build.dockerfile,
        buildargs: build.args,
        labels: {
          [LABELS.managed]: 'true',
          [LABELS.service]: service.name,
          [LABELS.environment]: service.environment,
        },
        rm: true,
        forcerm: true,
        ...(options.signal ? { abortSignal: options.signal } : {}),
      })) as NodeJS.ReadableStream
      await readEngineStream(
        stream,
        (event) => {
          if (event.stream !== undefined) keep(event.stream)
          if (event.aux?.ID !== undefined) builtId = event.aux.ID
        },
        options.signal,
      )
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason
      if (isDriverError(error)) throw error
      if (statusOf(error) === null && (error as { code?: string }).code !== undefined) this.fail(error)
      keep('\n')
      const lines = tail.filter((line) => line.trim() !== '')
      throw new DriverError(
        'start-failed',
        `building ${service.name} from ${build.context} failed: ${engineMessage(error)}${lines.length > 0 ? `\n${lines.join('\n')}` : ''}`,
        `fix ${path.join(build.context, build.dockerfile)} or the files it uses; hearth builds it again on the next start`,
        { cause: error },
      )
    }
    report.flush()
    const id = builtId ?? (await this.imageId(tag))
    if (id === null)
      throw new DriverError(
        'start-failed',
        `building ${service.name} produced no image`,
        'check the build output with `docker build`',
      )
    return { id, reference: tag }
  }

  /** The image's id, or null when the engine does not have it. */
  private async imageId(reference: string): Promise<string | null> {
    try {
      const api = this.api()
      // The reference goes in the path as it is (`/images/hearth-test/redis:7/json`), as dockerode sends it.
      if (api !== null) return (await api.get<{ Id: string }>(`/images/${reference}/json`)).Id
      return (await this.docker().getImage(reference).inspect()).Id
    } catch (error) {
      if (isNotFound(error)) return null
      this.fail(error)
    }
  }

  // ── networks, volumes, containers ─────────────────────────────────────────────────────────────

  private ensureNetwork(name: string, labels: Labels): Promise<void> {
    let ensuring = this.ensuringNetworks.get(name)
    if (ensuring === undefined) {
      ensuring = this.checkNetwork(name, labels).finally(() => this.ensuringNetworks.delete(name))
      this.ensuringNetworks.set(name, ensuring)
    }
    return ensuring
  }

  private async checkNetwork(name: string, labels: Labels): Promise<void> {
    const found = await this.listNetworks({ name: [name] }).catch((error: unknown) => this.fail(error))
    // The name filter matches substrings: only an exact match counts.
    if (found.some((network) => network.Name === name)) return
    const body = {
      Name: name,
      CheckDuplicate: true,
      Driver: 'bridge',
      Labels: sharedResourceLabels(labels, false),
    }
    await this.via(
      (api) => api.post('/networks/create', { body }),
      (docker) => docker.createNetwork(body),
    ).catch((error: unknown) => {
      // Another hearth created it meanwhile.
      if (statusOf(error) === 409) return
      this.fail(error)
    })
  }

  private async removeContainer(id: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.via(
          (api) => api.delete(`/containers/${id}?force=1&v=1`),
          (docker) => docker.getContainer(id).remove({ force: true, v: true }),
        )
        return
      } catch (error) {
        if (isNotFound(error)) return
        // 409: a removal is already under way; wait for it to finish.
        if (statusOf(error) !== 409 || attempt >= 50) this.fail(error)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }

  private async removeServiceVolumes(identity: ServiceIdentity): Promise<void> {
    const filters = selectorFilters({
      projectId: identity.projectId,
      environment: identity.environment,
      service: identity.service,
    })
    const volumes = await this.listVolumes({ label: filters }).catch((error: unknown) => this.fail(error))
    for (const volume of volumes) {
      // In use by another container of the service (a duplicate): it stays until that one stops.
      await removeIgnoringGone(() => this.removeVolume(volume.Name), [409])
    }
  }

  private async removeNetworkIfUnused(projectId: string, environment: string): Promise<void> {
    const name = networkName(projectId, environment)
    await this.networkLock(name).exclusive(async () => {
      const label = selectorFilters({ projectId, environment })
      const left = await this.listContainers(label).catch((error: unknown) => this.fail(error))
      if (left.length > 0) return
      const networks = await this.listNetworks({ label }).catch((error: unknown) => this.fail(error))
      for (const network of networks) {
        if (network.Labels?.[LABELS.projectId] !== projectId) continue
        // 403/409: something joined it meanwhile.
        await removeIgnoringGone(() => this.removeNetwork(network.Id), [403, 409])
      }
    })
  }

  private networkLock(name: string): NetworkLock {
    let lock = this.networkLocks.get(name)
    if (lock === undefined) {
      lock = new NetworkLock()
      this.networkLocks.set(name, lock)
    }
    return lock
  }

  // ── the engine connection and its errors ──────────────────────────────────────────────────────

  private docker(): Docker {
    if (!this.resolution.ok) throw this.resolution.error
    if (this.client !== null) return this.client
    try {
      // Loaded on first use: a command that only reads (status, a warm up's list) never needs it.
      const Dockerode = requireModule('dockerode') as typeof Docker
      this.client = new Dockerode(dockerodeOptions(this.connection, this.resolution.endpoint))
    } catch (error) {
      // dockerode reads process.env.DOCKER_HOST itself, and throws on one it cannot parse.
      throw new DriverError(
        'runtime-unavailable',
        `cannot use the Docker host: ${(error as Error).message}`,
        'set DOCKER_HOST to unix:///path/to/docker.sock or tcp://HOST:PORT, or unset it',
        { cause: error },
      )
    }
    return this.client
  }

  /** The plain reads' client, or null where only dockerode reaches the engine (TLS, ssh, given options). */
  private api(): EngineApi | null {
    if (!this.resolution.ok) throw this.resolution.error
    if (this.engineApi === undefined)
      this.engineApi = this.connection === undefined ? createEngineApi(this.resolution.endpoint) : null
    return this.engineApi
  }

  private listContainers(labels: readonly string[]): Promise<Docker.ContainerInfo[]> {
    return this.via(
      (api) => api.get<Docker.ContainerInfo[]>(`/containers/json?${listQuery(labels)}`),
      (docker) => docker.listContainers({ all: true, filters: { label: [...labels] } }),
    )
  }

  /** Resolves once the container is not running (at once if it is not), with its exit code. */
  private waitNotRunning(id: string, signal: AbortSignal): Promise<{ StatusCode?: number }> {
    return this.via(
      (api) =>
        api.post<{ StatusCode?: number }>(
          `/containers/${encodeURIComponent(id)}/wait?condition=not-running`,
          {
            signal,
          },
        ),
      (docker) => docker.getContainer(id).wait({ condition: 'not-running', abortSignal: signal }),
    )
  }

  private inspectContainer(id: string): Promise<Docker.ContainerInspectInfo> {
    return this.via(
      (api) => api.get<Docker.ContainerInspectInfo>(`/containers/${encodeURIComponent(id)}/json`),
      (docker) => docker.getContainer(id).inspect(),
    )
  }

  /**
   * One engine call, over the plain API where it reaches the engine (no dockerode to load: a cold
   * `up` creates networks, volumes and containers without it), else through dockerode.
   */
  private via<T>(
    plain: (api: EngineApi) => Promise<T>,
    dockerode: (docker: Docker) => Promise<T>,
  ): Promise<T> {
    const api = this.api()
    return api !== null ? plain(api) : dockerode(this.docker())
  }

  private listNetworks(filters: Record<string, string[]>): Promise<Docker.NetworkInspectInfo[]> {
    return this.via(
      (api) => api.get(`/networks?filters=${encodeURIComponent(JSON.stringify(filters))}`),
      (docker) => docker.listNetworks({ filters }),
    )
  }

  private removeNetwork(id: string): Promise<unknown> {
    return this.via(
      (api) => api.delete(`/networks/${encodeURIComponent(id)}`),
      (docker) => docker.getNetwork(id).remove(),
    )
  }

  private async listVolumes(filters: Record<string, string[]>): Promise<Docker.VolumeInspectInfo[]> {
    const answer = await this.via(
      (api) =>
        api.get<{ Volumes: Docker.VolumeInspectInfo[] | null }>(
          `/volumes?filters=${encodeURIComponent(JSON.stringify(filters))}`,
        ),
      (docker) => docker.listVolumes({ filters }),
    )
    return answer.Volumes ?? []
  }

  private removeVolume(name: string): Promise<unknown> {
    return this.via(
      (api) => api.delete(`/volumes/${encodeURIComponent(name)}`),
      (docker) => docker.getVolume(name).remove(),
    )
  }

  private classify(error: unknown): DriverError {
    const endpoint = (this.resolution as { endpoint: DockerEndpoint }).endpoint
    return classifyEngineError(error, { endpoint, installed: isDockerInstalled(endpoint, this.env) })
  }

  /**
   * Rethrows an engine failure: a broken connection as the `DriverError` that says why (daemon
   * gone, permission), anything else as it is.
   */
  private fail(error: unknown): never {
    if (isDriverError(error)) throw error
    const code = (error as { code?: unknown } | null)?.code
    if (statusOf(error) === null && typeof code === 'string' && /^E[A-Z_]+$/.test(code))
      throw this.classify(error)
    throw error
  }

  private classifyStart(error: unknown, identity: ServiceIdentity): DriverError {
    if (isDriverError(error)) return error
    if (statusOf(error) === null) {
      const code = (error as { code?: unknown } | null)?.code
      if (typeof code === 'string') return this.classify(error)
    }
    return new DriverError(
      'start-failed',
      `could not start ${identity.service}: ${engineMessage(error)}`,
      'check the image, its command and the volumes; `docker events` may say more',
      { cause: error },
    )
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────

/** dockerode and tar-fs are CommonJS: required when first needed, synchronously. */
const requireModule = createRequire(import.meta.url)

function dockerodeOptions(
  connection: DockerConnectionOptions | undefined,
  endpoint: DockerEndpoint,
): Docker.DockerOptions | undefined {
  if (connection !== undefined) return { ...connection }
  // The common cases explicitly (so that `env` is honoured); TLS, ssh and named pipes as
  // dockerode reads them from DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
  if (endpoint.kind === 'unix') return { socketPath: endpoint.socketPath }
  if (endpoint.kind === 'tcp' && endpoint.protocol === 'http') {
    return { host: endpoint.host, port: endpoint.port, protocol: 'http' }
  }
  return undefined
}

/** Whether Docker looks installed: its socket exists, or `docker` or `dockerd` is on PATH. */
function isDockerInstalled(
  endpoint: DockerEndpoint,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (endpoint.kind === 'unix' && existsSync(endpoint.socketPath)) return true
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue
    for (const name of ['docker', 'dockerd']) {
      try {
        const file = path.join(dir, name)
        if (statSync(file).isFile()) {
          accessSync(file, constants.X_OK)
          return true
        }
      } catch {
        // not there
      }
    }
  }
  return false
}

/** The label filters of a selector, for the engine's list calls. */
function selectorFilters(selector: InstanceSelector): string[] {
  const filters = [`${LABELS.managed}=true`, `${LABELS.projectId}=${selector.projectId}`]
  if (selector.environment !== undefined) filters.push(`${LABELS.environment}=${selector.environment}`)
  if (selector.service !== undefined) filters.push(`${LABELS.service}=${selector.service}`)
  return filters
}

function preparedKey(service: NormalizedService, root: string): string {
  const source =
    service.kind === 'container'
      ? { image: service.image, build: service.build, pull: service.pull }
      : { image: service.kind === 'job' ? service.image : null }
  return stableStringify({ root, environment: service.environment, name: service.name, source })
}

function toInstance(info: Docker.ContainerInspectInfo): Instance | null {
  const all = info.Config.Labels ?? {}
  const identity = identityFromLabels(all)
  if (identity === null) return null
  const hearthKeys = new Set<string>(Object.values(LABELS))
  const labels: Record<string, string> = {}
  for (const [key, value] of Object.entries(all)) if (hearthKeys.has(key)) labels[key] = value
  return {
    id: info.Id,
    driver: 'docker',
    identity,
    kind: (all[LABELS.kind] as ServiceKind | undefined) ?? 'container',
    specHash: all[LABELS.specHash] ?? '',
    labels,
    host: LOOPBACK,
    ports: hostPorts(
      all[DOCKER_LABELS.ports],
      info.NetworkSettings?.Ports as Parameters<typeof hostPorts>[1],
    ),
    createdAt: Date.parse(info.Created),
    state: stateOf(info.State),
  }
}

function stateOf(state: Docker.ContainerInspectInfo['State']): InstanceState {
  if (state.Running || state.Restarting || state.Paused) {
    const health = state.Health?.Status
    return health === 'starting' || health === 'healthy' || health === 'unhealthy'
      ? { status: 'running', health }
      : { status: 'running' }
  }
  // Created but never started (a start that failed) has no exit code of its own.
  return { status: 'exited', exitCode: state.Status === 'created' ? null : state.ExitCode }
}

/** Inside the container, `{{ports.<name>}}` is the container port and `{{host}}` the service's name. */
function execLookup(service: string, portMap: string | undefined): (key: string) => string | undefined {
  const ports: Record<string, number> = {}
  try {
    const map = JSON.parse(portMap ?? '{}') as Record<string, string>
    for (const [name, key] of Object.entries(map)) ports[name] = Number.parseInt(key, 10)
  } catch {
    // no port map: templates that need one fail with their own message
  }
  return lookupIn({ host: service, ports })
}

function portOf(instance: Instance, name: string): number {
  const port = instance.ports[name]
  if (port === undefined) {
    throw new DriverError(
      'start-failed',
      `${instance.identity.service} has no published port named ${name}`,
      `declare ports.${name}`,
    )
  }
  return port
}

function portConflict(error: unknown, service: NormalizedService, identity: ServiceIdentity): DriverError {
  const message = engineMessage(error)
  const taken = Number(/:(\d+) failed/.exec(message)?.[1] ?? Number.NaN)
  const port =
    service.ports.find((candidate) => candidate.host === taken) ?? service.ports.find((p) => p.host !== null)
  if (port === undefined || port.host === null) {
    return new DriverError(
      'port-conflict',
      `a port of ${identity.service} is already in use on ${LOOPBACK}: ${message}`,
      'start it again: the engine picks another free port',
      { cause: error },
    )
  }
  return new DriverError(
    'port-conflict',
    `port ${port.host} (ports.${port.name} of ${identity.service}) is already in use on ${LOOPBACK}`,
    `stop whatever listens on ${port.host} (\`ss -ltnp 'sport = :${port.host}'\`, \`docker ps --filter publish=${port.host}\`), or drop the fixed port (\`host: ${port.host}\`, a preset's \`hostPort\`) so that the engine picks a free one`,
    { cause: error },
  )
}

async function removeIgnoringGone(remove: () => Promise<unknown>, alsoIgnore: number[] = []): Promise<void> {
  try {
    await remove()
  } catch (error) {
    const status = statusOf(error)
    if (status === 404 || (status !== null && alsoIgnore.includes(status))) return
    throw error
  }
}
