import {
  createLabels,
  type Driver,
  type Instance,
  type InstanceSpec,
  isDriverError,
  isStateWriteError,
} from '@hearth/driver'
import {
  computeSpecHash,
  formatDuration,
  type NormalizedCommand,
  type NormalizedService,
  type ResolvedSpecInputs,
} from '@hearth/environments'
import type { Clock } from '../../clock.js'
import type { ChangeSummary, Controller } from '../../store/controller.js'
import type { HearthStore } from '../../store/create-store.js'
import type {
  HearthState,
  InstanceSummary,
  ServiceFailure,
  ServiceKey,
  ServiceState,
} from '../../store/state.js'
import { waitForState } from '../../store/wait-for-state.js'
import type { MaintenanceError, MaintenanceOperation, MaintenanceResult } from '../maintenance/actions.js'
import { waitUntilReady } from '../readiness/wait-until-ready.js'
import type { EnvironmentLocks, LockHandle } from './environment-locks.js'
import { IN_FLIGHT } from './reducer.js'
import { computeOutputs, renderDependencies } from './render-service.js'
import { Runtimes, refusedFallback } from './runtimes.js'
import { selectDependents, selectFailures, selectServices, selectSettled } from './selectors.js'
import { createMemoryUsageRecords, type UsageRecords } from './usage-records.js'

export interface EnvironmentControllerOptions {
  store: HearthStore
  /** Tried in order; the first whose `supports` accepts a service runs it. */
  drivers: readonly Driver[]
  locks: EnvironmentLocks
  clock: Clock
  /** hearth's version, carried in labels. */
  version: string
  /** How many of a failed service's last output lines to keep. Default 20. */
  logTailLines?: number
  /** When environments were last used, for the idle TTL (`gc`). Default: kept in memory. */
  usage?: UsageRecords
  /**
   * Why containers must not run as their fallback this session (`--require-docker`): then a
   * container whose engine does not answer, or whose image cannot be had, fails. Default: they may.
   */
  noFallback?: string | null
}

interface Task {
  controller: AbortController
  done: Promise<void>
}

const DEFAULT_TAIL = 20
/** How often a pull or build may report progress. */
const PROGRESS_THROTTLE_MS = 250
/** How often a service that is slow to become ready reports that it is still being probed. */
const PROGRESS_EVERY_MS = 5_000

/**
 * Reconciles environments with what the session asked for: starts services in dependency order
 * (independent ones in parallel) once their dependencies are ready, attaches to a running instance
 * with the same spec hash rather than creating one, probes readiness, hands outputs on, records
 * failures with their cause and last output lines, and stops services dependents first.
 */
export class EnvironmentController implements Controller {
  readonly name = 'environments'
  private readonly store: HearthStore
  private readonly runtimes: Runtimes
  private readonly locks: EnvironmentLocks
  private readonly clock: Clock
  private readonly version: string
  private readonly tailLines: number
  /** Start and stop work under way, per service. */
  private readonly tasks = new Map<ServiceKey, Task>()
  /** Runtime handles of the instances in state (state holds only their summaries). */
  private readonly instances = new Map<ServiceKey, Instance>()
  /** What each service runs as this session: its definition, or its container's fallback. */
  private readonly running = new Map<ServiceKey, { driver: Driver; service: NormalizedService }>()
  private readonly lockTasks = new Map<
    string,
    { controller: AbortController; handle: Promise<LockHandle | null> }
  >()
  private readonly releases = new Set<Promise<void>>()
  /** Resets and maintenance under way (asked for by action). */
  private readonly chores = new Set<Promise<void>>()
  private readonly usage: UsageRecords
  /** Environments whose reset runs now: one at a time each. */
  private readonly resetting = new Set<string>()
  /** Ready services being watched until they stop (see `watchExit`). */
  private readonly watchers = new Map<ServiceKey, AbortController>()

  constructor(options: EnvironmentControllerOptions) {
    this.store = options.store
    this.runtimes = new Runtimes(options.drivers, options.noFallback ?? null)
    this.locks = options.locks
    this.clock = options.clock
    this.version = options.version
    this.tailLines = options.logTailLines ?? DEFAULT_TAIL
    this.usage = options.usage ?? createMemoryUsageRecords()
  }

  /** Runs a chore (a reset, maintenance) off the loop, tracked for `idle`. */
  private chore(work: () => Promise<void>): void {
    const done: Promise<void> = work().finally(() => this.chores.delete(done))
    this.chores.add(done)
  }

  private maintain(id: number, operation: MaintenanceOperation): void {
    this.store.dispatch({ type: 'maintenance/started', at: this.clock.now(), id })
    this.chore(async () => {
      let result: MaintenanceResult | null = null
      let error: MaintenanceError | null = null
      try {
        result = await this.perform(operation)
      } catch (caught) {
        const stack = (caught as Error).stack ?? null
        error = isDriverError(caught)
          ? { message: caught.message, code: caught.code, fix: caught.fix, stack }
          : { message: (caught as Error).message, code: null, fix: null, stack }
      }
      this.store.dispatch({ type: 'maintenance/finished', at: this.clock.now(), id, result, error })
    })
  }

  private async perform(operation: MaintenanceOperation): Promise<MaintenanceResult> {
    switch (operation.kind) {
      case 'observe':
        await this.observe(operation.environments)
        return { kind: 'observe' }
      case 'sweep':
        return { kind: 'sweep', stopped: await this.sweep(operation.environments) }
      case 'prune':
        return { kind: 'prune', removed: await this.prune() }
      case 'gc':
        return { kind: 'gc', expired: await this.collectGarbage() }
      case 'list':
        return { kind: 'list', environments: [...(await this.instancesByEnvironment()).keys()].sort() }
    }
  }

  private resetEnvironment(name: string, seq: number): void {
    this.resetting.add(name)
    this.store.dispatch({
      type: 'environment/reset-started',
      at: this.clock.now(),
      environment: name,
      seq,
    })
    const began = this.clock.now()
    this.chore(async () => {
      let error: string | null = null
      try {
        await this.reset([name])
        // A reset by restart is over once the services it restarted are up again.
        await waitForState(this.store, (state) =>
          selectServices(state, name).every(
            (service) =>
              !service.restarting &&
              !IN_FLIGHT.has(service.status) &&
              service.status !== 'stopping' &&
              service.status !== 'waiting',
          ),
        )
        // Only what failed during this reset: a service that had failed before is not its doing.
        const failed = selectServices(this.store.getState(), name).find(
          (service) => service.failure !== null && service.status === 'failed' && service.since >= began,
        )
        if (failed !== undefined) error = `${failed.key}: ${failed.failure?.cause ?? 'failed'}`
      } catch (caught) {
        error = (caught as Error).message
      }
      this.resetting.delete(name)
      this.store.dispatch({
        type: 'environment/reset-finished',
        at: this.clock.now(),
        environment: name,
        seq,
        error,
      })
    })
  }

  /**
   * Removes the project's environments that sat unused longer than the idle TTL (those the config
   * no longer has too), and resolves with their names. An environment with no record counts from its
   * newest instance's creation. A time that cannot be read (or records that cannot be read at all)
   * is unknown, not ancient: that environment is kept, and its next use writes a good record.
   */
  private async collectGarbage(): Promise<string[]> {
    const state = this.store.getState()
    const config = state.config
    if (config === null) return []
    const records = await this.usage.read()
    if (records === null) return []
    const expired: string[] = []
    for (const [name, instances] of await this.instancesByEnvironment()) {
      const record = records[name]
      if (record !== undefined && !Number.isFinite(record.lastUsedAt)) continue
      const lastUsedAt = record?.lastUsedAt ?? Math.max(...instances.map((instance) => instance.createdAt))
      const idleMs = this.clock.now() - lastUsedAt
      if (idleMs <= config.idleTtlMs) continue
      this.store.dispatch({
        type: 'environment/expired',
        at: this.clock.now(),
        environment: name,
        idleMs,
        ttlMs: config.idleTtlMs,
      })
      expired.push(name)
    }
    const known = expired.filter((name) => name in config.environments)
    if (known.length > 0) {
      await this.observe(known)
      this.store.dispatch({
        type: 'environment/down-requested',
        at: this.clock.now(),
        environments: known,
        only: 'all',
      })
      const settled = await waitForState(this.store, selectSettled)
      if (selectFailures(settled).length === 0) await this.sweep(known)
    }
    await this.sweep(expired.filter((name) => !(name in config.environments)))
    if (expired.length > 0) await this.usage.forget(expired)
    return expired
  }

  onChange(state: HearthState, _change: ChangeSummary): void {
    for (const task of Object.values(state.maintenance))
      if (task.status === 'requested') this.maintain(task.id, task.operation)
    for (const environment of Object.values(state.environments))
      if (environment.reset?.status === 'requested' && !this.resetting.has(environment.name))
        this.resetEnvironment(environment.name, environment.reset.seq)
    for (const environment of Object.values(state.environments)) {
      const services = selectServices(state, environment.name)
      const pending = services.filter(
        (service) => service.desired === 'running' && service.status === 'waiting',
      )
      const busy = services.some((service) => IN_FLIGHT.has(service.status) || service.status === 'stopping')

      if (pending.length > 0 && environment.lock === 'none' && !this.lockTasks.has(environment.name)) {
        this.acquireLock(environment.name)
      }
      if (environment.lock === 'held' && pending.length === 0 && !busy) this.releaseLock(environment.name)
      // Nothing left to start (Ctrl-C, or a down, while we waited for another hearth): stop waiting.
      if (pending.length === 0 && environment.lock !== 'held' && this.lockTasks.has(environment.name)) {
        this.abortLock(environment.name)
      }

      if (environment.lock === 'held') {
        for (const service of pending) this.advance(state, service)
      }
      for (const service of services) {
        if (service.desired === 'stopped' || service.restarting) this.stopWhenFree(state, service)
      }
    }
  }

  /**
   * The runtime handle of a service's instance in state, for the controllers that read from it
   * (the log follower): a query, never a command.
   */
  handleOf(key: ServiceKey): { driver: Driver; instance: Instance } | null {
    const instance = this.instances.get(key)
    const driver = instance === undefined ? null : this.runtimes.named(instance.driver)
    return instance === undefined || driver === null ? null : { driver, instance }
  }

  /** No start, stop, lock release, reset or maintenance under way. */
  isIdle(): boolean {
    return this.tasks.size === 0 && this.releases.size === 0 && this.chores.size === 0
  }

  /** Resolves when every start and stop under way has finished. */
  async idle(): Promise<void> {
    while (this.tasks.size > 0 || this.releases.size > 0 || this.chores.size > 0) {
      await Promise.allSettled([...this.tasks.values()].map((task) => task.done))
      await Promise.allSettled([...this.releases])
      await Promise.allSettled([...this.chores])
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /**
   * Reads what runs for these environments from the runtimes and records it (without starting or
   * stopping anything): for `status`, and before `down` so it knows what to stop.
   */
  private async observe(environments: readonly string[]): Promise<void> {
    for (const name of environments) {
      for (const service of selectServices(this.store.getState(), name)) {
        const state = this.store.getState()
        const project = state.project as NonNullable<HearthState['project']>
        const original = this.definitionOf(state, service.key)
        // Wherever it runs: a container may run as its fallback process (on another driver).
        const found: Array<{ driver: Driver; instance: Instance }> = []
        for (const driver of await this.runtimes.available()) {
          for (const instance of await driver.list({
            projectId: project.id,
            environment: name,
            service: original.name,
          })) {
            found.push({ driver, instance })
          }
        }
        const runsAsFallback = (instance: Instance): boolean =>
          original.kind === 'container' && original.fallback !== null && instance.kind !== 'container'
        const best = [...found].sort(
          (a, b) =>
            Number(b.instance.state.status === 'running') - Number(a.instance.state.status === 'running'),
        )[0]
        if (best === undefined) {
          this.instances.delete(service.key)
          this.running.delete(service.key)
          this.store.dispatch({
            type: 'service/observed',
            at: this.clock.now(),
            key: service.key,
            instance: null,
            running: false,
            exitCode: null,
            outdated: false,
            outputs: {},
          })
          continue
        }
        const definition =
          runsAsFallback(best.instance) && original.kind === 'container'
            ? (original.fallback ?? original)
            : original
        // With a dependency down there is nothing to compare with: the hash covers its outputs.
        const dependenciesUp = definition.dependsOn.every(
          (dep) => Object.keys(state.services[`${name}/${dep}`]?.outputs ?? {}).length > 0,
        )
        const rendered = dependenciesUp
          ? renderDependencies(definition, (dep) => state.services[`${name}/${dep}`]?.outputs)
          : null
        // A driver that prepares (pulls, builds) hashes what it prepared: without preparing, which
        // status must not do, there is nothing to compare with.
        const specHash =
          rendered !== null && best.driver.prepare === undefined
            ? specHashOf(rendered, this.store.getState())
            : null
        const instance = best.instance
        this.instances.set(service.key, instance)
        this.running.set(service.key, { driver: best.driver, service: definition })
        const running = instance.state.status === 'running'
        this.store.dispatch({
          type: 'service/observed',
          at: this.clock.now(),
          key: service.key,
          instance: summarize(instance, true),
          running,
          exitCode: instance.state.status === 'exited' ? instance.state.exitCode : null,
          outdated: specHash !== null && instance.specHash !== specHash,
          // A damaged instance's ports are unknown: it has no outputs to show.
          outputs:
            rendered !== null && (running || definition.kind === 'job') && instance.damaged === undefined
              ? computeOutputs(rendered, instance)
              : {},
        })
      }
    }
  }

  /**
   * Resets the ready services of these environments that declare a reset, all at once: an `exec`
   * runs in the instance (a database re-created from its template, a cache flushed), a `restart`
   * restarts the service and its dependents. Resolves when all are done; a reset that fails marks
   * its service failed, with the command's output.
   */
  private async reset(environments: readonly string[]): Promise<void> {
    const state = this.store.getState()
    const restarts: ServiceKey[] = []
    const execs: Promise<void>[] = []
    for (const name of environments) {
      for (const service of selectServices(state, name)) {
        const chosen = this.running.get(service.key)
        const instance = this.instances.get(service.key)
        const reset = chosen?.service.reset ?? null
        if (reset === null || chosen === undefined || instance === undefined || service.status !== 'ready')
          continue
        if (reset.type === 'restart') restarts.push(service.key)
        else
          execs.push(this.resetByExec(service.key, chosen.driver, instance, reset.command, reset.timeoutMs))
      }
    }
    await Promise.all(execs)
    if (restarts.length > 0) {
      this.store.dispatch({ type: 'service/restart-requested', at: this.clock.now(), keys: restarts })
    }
  }

  private async resetByExec(
    key: ServiceKey,
    driver: Driver,
    instance: Instance,
    command: NormalizedCommand,
    timeoutMs: number,
  ): Promise<void> {
    const began = this.clock.now()
    try {
      const result = await driver.exec(instance, command, { timeoutMs })
      if (result.exitCode === 0) {
        this.store.dispatch({
          type: 'service/reset',
          at: this.clock.now(),
          key,
          durationMs: this.clock.now() - began,
        })
        return
      }
      this.fail(key, {
        cause: `its reset exited with code ${result.exitCode}`,
        fix: "see the reset command's output below",
        logTail: result.output.trim().split('\n').slice(-this.tailLines),
        blockedBy: null,
      })
    } catch (error) {
      this.fail(key, {
        cause: `its reset failed: ${(error as Error).message}`,
        fix: isDriverError(error) ? error.fix : null,
        logTail: [],
        blockedBy: null,
      })
    }
  }

  /**
   * The project's instances in every runtime that answers, by environment (including environments
   * the config no longer has), for the idle TTL and `down --all`.
   */
  private async instancesByEnvironment(): Promise<Map<string, Instance[]>> {
    const project = this.store.getState().project as NonNullable<HearthState['project']>
    const byEnvironment = new Map<string, Instance[]>()
    for (const driver of await this.runtimes.available()) {
      for (const instance of await driver.list({ projectId: project.id })) {
        const name = instance.identity.environment
        byEnvironment.set(name, [...(byEnvironment.get(name) ?? []), instance])
      }
    }
    return byEnvironment
  }

  /** Removes what the drivers created for the project besides instances (networks, volumes). */
  private async prune(): Promise<number> {
    const project = this.store.getState().project as NonNullable<HearthState['project']>
    let removed = 0
    for (const driver of await this.runtimes.available())
      removed += (await driver.prune?.({ projectId: project.id })) ?? 0
    return removed
  }

  /**
   * Stops instances of these environments that no service in state accounts for: duplicates,
   * leftovers of a killed hearth, services removed from the config. Dependents are not known for
   * those, so they go in reverse creation order.
   */
  private async sweep(environments: readonly string[]): Promise<number> {
    const state = this.store.getState()
    const project = state.project as NonNullable<HearthState['project']>
    const tracked = new Set([...this.instances.values()].map((instance) => instance.id))
    let stopped = 0
    for (const driver of await this.runtimes.available()) {
      for (const name of environments) {
        const found = await driver.list({ projectId: project.id, environment: name })
        for (const instance of found
          .filter((item) => !tracked.has(item.id))
          .sort((a, b) => b.createdAt - a.createdAt)) {
          await driver.stop(instance)
          stopped++
        }
      }
    }
    return stopped
  }

  private acquireLock(environment: string): void {
    const controller = new AbortController()
    const handle = this.locks
      .acquire(environment, {
        signal: controller.signal,
        onWait: (holder) =>
          this.store.dispatch({
            type: 'environment/lock-waiting',
            at: this.clock.now(),
            environment,
            holder,
          }),
      })
      .then(
        (lock) => {
          this.store.dispatch({ type: 'environment/lock-acquired', at: this.clock.now(), environment })
          return lock
        },
        (error: unknown) => {
          // Gave up (the holder outlasted the lock timeout) or could not lock: the services that
          // waited fail with the cause, rather than start unlocked or wait on. Aborted (nothing left
          // to start, Ctrl-C): whoever aborted deals with them.
          if (!controller.signal.aborted) this.failLockWaiters(environment, error)
          this.lockTasks.delete(environment)
          this.store.dispatch({ type: 'environment/lock-released', at: this.clock.now(), environment })
          return null
        },
      )
    this.lockTasks.set(environment, { controller, handle })
  }

  private releaseLock(environment: string): void {
    const task = this.lockTasks.get(environment)
    if (task === undefined) return
    this.lockTasks.delete(environment)
    const release = task.handle
      .then(async (lock) => {
        await lock?.release()
        this.store.dispatch({ type: 'environment/lock-released', at: this.clock.now(), environment })
      })
      .finally(() => this.releases.delete(release))
    this.releases.add(release)
  }

  private abortLock(environment: string): void {
    this.lockTasks.get(environment)?.controller.abort(new Error('interrupted'))
  }

  /** Fails the services waiting for an environment's lock with why it could not be had (exit 3). */
  private failLockWaiters(environment: string, error: unknown): void {
    const fix = (error as { fix?: unknown } | null)?.fix
    const failure: ServiceFailure = {
      cause: error instanceof Error ? error.message : String(error),
      fix: typeof fix === 'string' ? fix : null,
      logTail: [],
      blockedBy: null,
    }
    for (const service of selectServices(this.store.getState(), environment))
      if (service.desired === 'running' && service.status === 'waiting') this.fail(service.key, failure)
  }

  /** A waiting service: start it once its dependencies are ready; fail it if one failed. */
  private advance(state: HearthState, service: ServiceState): void {
    const dependencies = service.dependsOn
      .map((key) => state.services[key])
      .filter((dep): dep is ServiceState => dep !== undefined)
    // A dependency that failed blocks; one that failed before and is being retried does not.
    const failed = dependencies.find(
      (dep) => dep.status === 'failed' || (dep.failure !== null && dep.desired !== 'running'),
    )
    if (failed !== undefined) {
      this.store.dispatch({
        type: 'service/failed',
        at: this.clock.now(),
        key: service.key,
        failure: {
          cause: `not started: ${failed.name} failed`,
          fix: null,
          logTail: [],
          blockedBy: failed.key,
        },
      })
      return
    }
    // A dependency being restarted is not ready, though it still answers: wait for its new instance.
    if (
      !dependencies.every((dep) => (dep.status === 'ready' || dep.status === 'completed') && !dep.restarting)
    )
      return
    this.store.dispatch({ type: 'service/starting', at: this.clock.now(), key: service.key })
    this.run(service.key, (signal) => this.ensure(service.key, signal))
  }

  /** A service asked to stop: abort its start, or stop its instance once no dependent runs. */
  private stopWhenFree(state: HearthState, service: ServiceState): void {
    if (IN_FLIGHT.has(service.status)) {
      this.tasks.get(service.key)?.controller.abort(new Error('stop requested'))
      return
    }
    if (service.instance === null || service.status === 'stopping') return
    const dependentRuns = selectDependents(state, service.key).some(
      (dependent) =>
        dependent.instance !== null || IN_FLIGHT.has(dependent.status) || dependent.status === 'stopping',
    )
    if (dependentRuns) return
    this.store.dispatch({ type: 'service/stopping', at: this.clock.now(), key: service.key })
    this.run(service.key, () => this.stop(service.key))
  }

  private run(key: ServiceKey, work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController()
    const task: Task = {
      controller,
      done: work(controller.signal)
        .catch((error: unknown) => {
          // ensure/stop report their own failures; reaching here is a bug, but the service must
          // still leave its in-flight state or the session would never settle.
          this.fail(key, {
            cause: `internal error: ${(error as Error).message}`,
            fix: 'run again with --verbose and report it',
            logTail: [],
            blockedBy: null,
          })
        })
        .finally(() => {
          if (this.tasks.get(key) === task) this.tasks.delete(key)
        }),
    }
    this.tasks.set(key, task)
  }

  /** Find or create the instance, then wait until it is ready (or, for a job, has completed). */
  private async ensure(key: ServiceKey, signal: AbortSignal): Promise<void> {
    const state = this.store.getState()
    const project = state.project as NonNullable<HearthState['project']>
    const config = state.config as NonNullable<HearthState['config']>
    const prepared = await this.prepareRuntime(key, this.definitionOf(state, key), config.root, signal)
    if (!prepared.ok) {
      if (signal.aborted) this.store.dispatch({ type: 'service/aborted', at: this.clock.now(), key })
      else this.fail(key, prepared.failure)
      return
    }
    const { driver, definition, rendered, inputs } = prepared
    this.running.set(key, { driver, service: definition })
    const identity = {
      project: project.name,
      projectId: project.id,
      environment: definition.environment,
      service: definition.name,
    }
    const selector = { projectId: project.id, environment: definition.environment, service: definition.name }

    let instance: Instance | null = null
    let created = false
    try {
      const specHash = specHashOf(rendered, state, inputs)
      const spec: InstanceSpec = {
        identity,
        specHash,
        labels: createLabels(identity, definition.kind, specHash, this.version),
        service: rendered,
        root: config.root,
      }
      const existing = await driver.list(selector)
      const reusable = existing.find((candidate) => isReusable(candidate, specHash, definition.kind))
      // Anything else of this service goes: an older definition, an exited run, a duplicate, or
      // the same service under another runtime (a fallback that Docker now replaces).
      const replaced: Array<[Driver, Instance]> = existing
        .filter((other) => other.id !== reusable?.id)
        .map((other) => [driver, other] as [Driver, Instance])
      for (const other of await this.runtimes.available()) {
        if (other === driver) continue
        for (const found of await other.list(selector)) replaced.push([other, found])
      }
      for (const [owner, other] of replaced) await owner.stop(other, { timeoutMs: stopTimeoutOf(definition) })
      signal.throwIfAborted()
      if (reusable !== undefined) {
        instance = reusable
      } else {
        instance = await driver.start(spec, { signal })
        created = true
      }
      this.instances.set(key, instance)
      this.store.dispatch({
        type: 'service/started',
        at: this.clock.now(),
        key,
        instance: summarize(instance, !created),
        replaced: replaced.length,
        damaged: replaced.flatMap(([, other]) => (other.damaged === undefined ? [] : [other.damaged])),
      })

      if (definition.kind === 'job') {
        await this.awaitJob(key, driver, instance, rendered, created, signal)
        return
      }
      const outcome = await this.awaitReadiness(key, driver, instance, definition, signal)
      if (outcome.ready) {
        this.store.dispatch({
          type: 'service/ready',
          at: this.clock.now(),
          key,
          outputs: computeOutputs(rendered, instance),
        })
        this.watchExit(key, driver, instance)
        return
      }
      this.fail(
        key,
        {
          cause: outcome.cause,
          fix: outcome.fix,
          logTail: await this.tail(driver, instance),
          blockedBy: null,
        },
        outcome.exitCode,
      )
    } catch (error) {
      if (signal.aborted) {
        await this.afterAbort(key, driver, instance, created)
        return
      }
      const failure: ServiceFailure = isDriverError(error)
        ? {
            cause: error.message,
            fix: error.fix,
            logTail: instance === null ? [] : await this.tail(driver, instance),
            blockedBy: null,
          }
        : isStateWriteError(error)
          ? { cause: error.message, fix: error.fix, logTail: [], blockedBy: null }
          : { cause: (error as Error).message, fix: null, logTail: [], blockedBy: null }
      this.fail(key, failure)
    }
  }

  /**
   * Chooses where the service runs and prepares it there (a pull, a build). A container falls back
   * to its stand-in process when its runtime does not answer, or when its image cannot be had (no
   * registry, say), and says so.
   */
  private async prepareRuntime(
    key: ServiceKey,
    original: NormalizedService,
    root: string,
    signal: AbortSignal,
  ): Promise<
    | {
        ok: true
        driver: Driver
        definition: NormalizedService
        rendered: NormalizedService
        inputs: ResolvedSpecInputs
      }
    | { ok: false; failure: ServiceFailure }
  > {
    const state = this.store.getState()
    const render = (service: NormalizedService): NormalizedService =>
      renderDependencies(service, (dep) => state.services[`${service.environment}/${dep}`]?.outputs)
    const stand = original.kind === 'container' ? original.fallback : null
    const instead = stand?.description == null ? {} : { instead: stand.description }
    const fellBack = (reason: string): void =>
      this.store.dispatch({ type: 'service/fell-back', at: this.clock.now(), key, reason, ...instead })
    const failure = (error: unknown): { ok: false; failure: ServiceFailure } => ({
      ok: false,
      failure: isDriverError(error)
        ? { cause: error.message, fix: error.fix, logTail: [], blockedBy: null }
        : { cause: (error as Error).message, fix: null, logTail: [], blockedBy: null },
    })

    const choice = await this.runtimes.choose(original)
    if (!choice.ok) return failure(choice.error)
    if (choice.fallbackReason !== null) fellBack(choice.fallbackReason)
    const rendered = render(choice.service)
    if (choice.driver.prepare === undefined) {
      return { ok: true, driver: choice.driver, definition: choice.service, rendered, inputs: {} }
    }
    try {
      const inputs = await choice.driver.prepare(rendered, {
        root,
        signal,
        onProgress: throttle(PROGRESS_THROTTLE_MS, (progress) =>
          this.store.dispatch({ type: 'service/preparing', at: this.clock.now(), key, ...progress }),
        ),
      })
      return { ok: true, driver: choice.driver, definition: choice.service, rendered, inputs }
    } catch (error) {
      const standDriver = stand === null ? null : this.runtimes.driverFor(stand)
      if (
        signal.aborted ||
        stand === null ||
        standDriver === null ||
        !isDriverError(error) ||
        error.code !== 'image-missing'
      ) {
        return failure(error)
      }
      if (this.runtimes.noFallback !== null) {
        return failure(refusedFallback(original, error.message, this.runtimes.noFallback))
      }
      fellBack(error.message)
      return { ok: true, driver: standDriver, definition: stand, rendered: render(stand), inputs: {} }
    }
  }

  private async awaitJob(
    key: ServiceKey,
    driver: Driver,
    instance: Instance,
    definition: NormalizedService,
    created: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const timeoutMs = definition.kind === 'job' ? definition.timeoutMs : 0
    const exit = created
      ? await raceTimeout(driver.wait(instance, { signal }), timeoutMs, this.clock, signal)
      : { exitCode: 0, signal: null }
    if (exit === 'timeout') {
      const logTail = await this.tail(driver, instance)
      await driver.stop(instance, { timeoutMs: 2_000 })
      this.fail(key, {
        cause: `did not finish within ${formatDuration(timeoutMs)}`,
        fix: `raise timeoutMs, or find out why it hangs`,
        logTail,
        blockedBy: null,
      })
      return
    }
    if (exit.exitCode === 0) {
      this.store.dispatch({
        type: 'service/completed',
        at: this.clock.now(),
        key,
        outputs: computeOutputs(definition, instance),
      })
      return
    }
    const how =
      exit.exitCode === null
        ? `was killed${exit.signal === null ? '' : ` by ${exit.signal}`}`
        : `exited with code ${exit.exitCode}`
    this.fail(
      key,
      {
        cause: `${how}`,
        fix: 'see its output below',
        logTail: await this.tail(driver, instance),
        blockedBy: null,
      },
      exit.exitCode,
    )
  }

  /** Readiness probing, raced against the instance exiting (a crash while starting). */
  private async awaitReadiness(
    key: ServiceKey,
    driver: Driver,
    instance: Instance,
    definition: NormalizedService,
    signal: AbortSignal,
  ): Promise<{ ready: true } | { ready: false; cause: string; fix: string | null; exitCode: number | null }> {
    const local = new AbortController()
    const both = AbortSignal.any([signal, local.signal])
    try {
      const began = this.clock.now()
      let reported = began
      const readiness = waitUntilReady(driver, instance, definition.readiness, {
        clock: this.clock,
        signal: both,
        onAttempt: (attempts, detail) => {
          const now = this.clock.now()
          if (now - reported < PROGRESS_EVERY_MS) return
          reported = now
          this.store.dispatch({ type: 'service/still-probing', at: now, key, attempts, detail })
        },
      }).then((outcome) => ({ kind: 'probed' as const, outcome }))
      const exited = driver
        .wait(instance, { signal: both })
        .then((status) => ({ kind: 'exited' as const, status }))
      const first = await Promise.race([readiness, exited])
      if (first.kind === 'exited') {
        const { exitCode, signal: killedBy } = first.status
        const how =
          exitCode === null
            ? `was killed${killedBy === null ? '' : ` by ${killedBy}`}`
            : `exited with code ${exitCode}`
        return { ready: false, cause: `${how} before it was ready`, fix: 'see its output below', exitCode }
      }
      if (first.outcome.ready) return { ready: true }
      return {
        ready: false,
        cause: `not ready after ${formatDuration(definition.readiness.timeoutMs)} (${first.outcome.attempts} probes; last: ${first.outcome.detail})`,
        fix: 'check the readiness settings and the output below; raise readiness.timeoutMs if it is only slow',
        exitCode: null,
      }
    } finally {
      local.abort()
    }
  }

  /**
   * Watches a ready service for the rest of the session: when it stops and hearth did not stop it
   * (killed, crashed, `docker kill`, the OOM killer), it fails at once, with its last output, and
   * every view shows it; the run it served counts as an environment failure (exit 3).
   */
  private watchExit(key: ServiceKey, driver: Driver, instance: Instance): void {
    this.unwatch(key)
    const watcher = new AbortController()
    this.watchers.set(key, watcher)
    const current = (): boolean => {
      if (watcher.signal.aborted || this.watchers.get(key) !== watcher) return false
      const service = this.store.getState().services[key]
      return (
        service?.status === 'ready' && service.desired === 'running' && service.instance?.id === instance.id
      )
    }
    driver.wait(instance, { signal: watcher.signal }).then(
      async (exit) => {
        if (!current()) return
        const logTail = await this.tail(driver, instance)
        if (!current()) return
        this.watchers.delete(key)
        const how =
          exit.exitCode === null
            ? `was killed${exit.signal === null ? '' : ` by ${exit.signal}`} or removed`
            : `exited with code ${exit.exitCode}`
        this.fail(
          key,
          {
            cause: `stopped while in use: it ${how} after it was ready`,
            fix: 'see its last output below; `hearth up` (or r in `hearth dev`) starts it again',
            logTail,
            blockedBy: null,
            inUse: true,
          },
          exit.exitCode,
        )
      },
      (error: unknown) => {
        // Aborted: hearth stops it, or the session ends. Anything else: its runtime went away (the
        // Docker daemon stopped), and with it what hearth can say about the service.
        if (!current()) return
        this.watchers.delete(key)
        this.fail(key, {
          cause: `lost while in use: ${(error as Error).message}`,
          fix: isDriverError(error) ? error.fix : 'check that its runtime still runs (`docker info`)',
          logTail: [],
          blockedBy: null,
          inUse: true,
        })
      },
    )
  }

  private unwatch(key: ServiceKey): void {
    this.watchers.get(key)?.abort(new Error('unwatched'))
    this.watchers.delete(key)
  }

  /** Stops watching every service (the session ends; what runs keeps running). */
  unwatchAll(): void {
    for (const key of [...this.watchers.keys()]) this.unwatch(key)
  }

  private async afterAbort(
    key: ServiceKey,
    driver: Driver,
    instance: Instance | null,
    created: boolean,
  ): Promise<void> {
    this.unwatch(key)
    // What this start created goes; what it attached to stays, unless a restart is why we stopped.
    const restarting = this.store.getState().services[key]?.restarting === true
    if (instance !== null && (created || restarting)) {
      await driver.stop(instance, { timeoutMs: 2_000 }).catch(() => undefined)
      this.instances.delete(key)
      this.store.dispatch({ type: 'service/stopped', at: this.clock.now(), key })
      return
    }
    this.store.dispatch({ type: 'service/aborted', at: this.clock.now(), key })
  }

  private async stop(key: ServiceKey): Promise<void> {
    this.unwatch(key)
    const state = this.store.getState()
    const service = state.services[key] as ServiceState
    const definition = this.definitionOf(state, key)
    // The driver that runs the instance (a fallback runs under another driver than its container).
    const driver = service.instance === null ? null : this.runtimes.named(service.instance.driver)
    try {
      const instance =
        this.instances.get(key) ?? (driver === null ? undefined : await this.findInstance(driver, service))
      if (driver !== null && instance !== undefined) {
        await driver.stop(instance, { timeoutMs: stopTimeoutOf(definition) })
      }
      this.instances.delete(key)
      this.store.dispatch({ type: 'service/stopped', at: this.clock.now(), key })
    } catch (error) {
      this.fail(key, {
        cause: `could not stop: ${(error as Error).message}`,
        fix: isDriverError(error) ? error.fix : null,
        logTail: [],
        blockedBy: null,
      })
    }
  }

  private async findInstance(driver: Driver, service: ServiceState): Promise<Instance | undefined> {
    const project = this.store.getState().project as NonNullable<HearthState['project']>
    const found = await driver.list({
      projectId: project.id,
      environment: service.environment,
      service: service.name,
    })
    return found.find((instance) => instance.id === service.instance?.id)
  }

  private async tail(driver: Driver, instance: Instance): Promise<string[]> {
    const lines: string[] = []
    try {
      for await (const line of driver.logs(instance)) {
        lines.push(line.text)
        if (lines.length > this.tailLines) lines.shift()
      }
    } catch {
      // The output is a courtesy on a failure that is already reported.
    }
    return lines
  }

  private fail(key: ServiceKey, failure: ServiceFailure, exitCode: number | null = null): void {
    this.store.dispatch({ type: 'service/failed', at: this.clock.now(), key, failure, exitCode })
  }

  private definitionOf(state: HearthState, key: ServiceKey): NormalizedService {
    const service = state.services[key] as ServiceState
    const definition = state.config?.environments[service.environment]?.services[service.name]
    if (definition === undefined) throw new Error(`no definition for ${key}`)
    return definition
  }
}

/**
 * The hash an instance of this (rendered) service must carry to be reused: see `computeSpecHash`.
 * `inputs` are what the driver resolved while preparing (the image id).
 */
function specHashOf(
  rendered: NormalizedService,
  state: HearthState,
  inputs: ResolvedSpecInputs = {},
): string {
  if (rendered.dependsOn.length === 0) return computeSpecHash(rendered, inputs)
  const dependencies = Object.fromEntries(
    rendered.dependsOn.map((dep) => [
      dep,
      state.services[`${rendered.environment}/${dep}`]?.instance?.specHash ?? '',
    ]),
  )
  return computeSpecHash(rendered, { ...inputs, dependencies })
}

/** Calls `fn` at most once per `ms`, dropping what comes between (progress is a courtesy). */
function throttle<T>(ms: number, fn: (value: T) => void): (value: T) => void {
  let last = Number.NEGATIVE_INFINITY
  return (value) => {
    const now = Date.now()
    if (now - last < ms) return
    last = now
    fn(value)
  }
}

function isReusable(instance: Instance, specHash: string, kind: NormalizedService['kind']): boolean {
  if (instance.specHash !== specHash || instance.damaged !== undefined) return false
  if (kind === 'job') return instance.state.status === 'exited' && instance.state.exitCode === 0
  return instance.state.status === 'running'
}

function summarize(instance: Instance, reused: boolean): InstanceSummary {
  return {
    id: instance.id,
    driver: instance.driver,
    host: instance.host,
    ports: instance.ports,
    specHash: instance.specHash,
    createdAt: instance.createdAt,
    reused,
    ...(instance.damaged === undefined ? {} : { damaged: instance.damaged }),
  }
}

function stopTimeoutOf(service: NormalizedService): number {
  return service.kind === 'process' ? service.stopTimeoutMs : 10_000
}

async function raceTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal,
): Promise<T | 'timeout'> {
  const local = new AbortController()
  const timer = clock.sleep(timeoutMs, AbortSignal.any([signal, local.signal])).then(() => 'timeout' as const)
  try {
    return await Promise.race([promise, timer])
  } finally {
    local.abort()
    timer.catch(() => undefined)
  }
}
