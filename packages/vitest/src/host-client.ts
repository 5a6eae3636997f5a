import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import type { Writable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  type FromHost,
  HOST_KIND,
  type HostReady,
  KIND_VARIABLE,
  LABEL_VARIABLE_PREFIX,
  MANAGED_VARIABLE,
  type SurveyOwner,
  type SurveyResult,
  type ToHost,
} from './host-protocol.js'
import type { TestOwner } from './owners.js'
import { configLoadError } from './resolve-vitest.js'
import type { FileResult, RunEvent, RunResult } from './types.js'
import type { TestRunnerMode } from './vitest-instance.js'

/**
 * hearth's side of a Vitest host: one child process per owner, started lazily, restarted when it
 * died or was recycled. Runs on one host are queued (its Vitest has one env at a time); `list` and
 * `invalidate` are not.
 */

export interface HostOptions {
  mode: TestRunnerMode
  env: Readonly<Record<string, string>>
  cancelGraceMs: number
  stdout: Writable | undefined
  stderr: Writable | undefined
}

export interface HostRunOptions {
  env: Readonly<Record<string, string>> | undefined
  signal: AbortSignal
  onEvent: ((event: RunEvent) => void) | undefined
}

/** The host's own deadline to close Vitest when told to, or when hearth is gone. */
const HOST_CLOSE_DEADLINE_MS = 5000
/** How long hearth waits for a host to exit after `close` before it kills the host's process group. */
const CLOSE_WAIT_MS = 10_000
/** How many of a host's last stderr lines a crash report carries. */
const STDERR_TAIL_LINES = 20

export class VitestHost {
  #process: HostProcess | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #closing: Promise<void> | undefined

  constructor(
    readonly owner: TestOwner & { nodeEntry: string },
    private readonly options: HostOptions,
  ) {}

  /** The pid of the live host process, if one is running. */
  get pid(): number | undefined {
    return this.#process?.exited === false ? this.#process.child.pid : undefined
  }

  /** Starts the host if none is alive, and resolves once its Vitest is ready. */
  start(): Promise<HostReady> {
    if (this.#closing) return Promise.reject(new Error('hearth: this test runner is closed'))
    if (!this.#process || this.#process.exited) this.#process = new HostProcess(this.owner, this.options)
    const current = this.#process
    return current.ready.catch((error: unknown) => {
      if (this.#process === current) this.#process = undefined
      void current.close()
      throw error
    })
  }

  async list(): Promise<string[]> {
    await this.start()
    const current = this.#process
    if (!current) throw new Error(`hearth: the Vitest host of ${this.owner.root} stopped`)
    return current.list()
  }

  /** Queued behind the host's earlier runs. A run whose signal aborts before its turn never starts. */
  run(files: readonly string[], options: HostRunOptions): Promise<RunResult> {
    const next = this.#queue.then(async () => {
      if (options.signal.aborted) return cancelledRun(files)
      await this.start()
      const current = this.#process
      if (options.signal.aborted || !current) return cancelledRun(files)
      return current.run(files, options)
    })
    this.#queue = next.catch(() => undefined)
    return next
  }

  /** Forwarded to the live host; a host started later reads the files afresh anyway. */
  invalidate(files: readonly string[]): void {
    if (this.#process && !this.#process.exited) this.#process.send({ type: 'invalidate', files })
  }

  /** Its config changed: the host closes once the runs queued before have finished; the next starts anew. */
  recycle(): Promise<void> {
    const next = this.#queue.then(async () => {
      const current = this.#process
      this.#process = undefined
      await current?.close()
    })
    this.#queue = next.catch(() => undefined)
    return next
  }

  /** Waits for the queued runs (the caller has aborted them), then stops the host. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue
      await this.#process?.close()
    })()
    return this.#closing
  }
}

function cancelledRun(files: readonly string[]): RunResult {
  return {
    files: [],
    notRun: files.map((file) => ({ file, reason: 'cancelled' as const })),
    errors: [],
    durationMs: 0,
    cancelled: true,
  }
}

type Pending =
  | { kind: 'list'; resolve: (files: string[]) => void; reject: (error: Error) => void }
  | {
      kind: 'run'
      files: readonly string[]
      finished: FileResult[]
      started: number
      options: HostRunOptions
      resolve: (result: RunResult) => void
      reject: (error: Error) => void
    }

/** One host process, from fork to exit. */
class HostProcess {
  readonly child: ChildProcess
  readonly ready: Promise<HostReady>
  exited = false
  #exit: Promise<void>
  #readyWaiter: { resolve: (ready: HostReady) => void; reject: (error: Error) => void } | undefined
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #stderrTail: string[] = []
  #stderrPartial = ''
  #closing: Promise<void> | undefined
  #how = ''

  constructor(
    private readonly owner: TestOwner & { nodeEntry: string },
    private readonly options: HostOptions,
  ) {
    this.child = spawnHost(owner.root)
    this.ready = new Promise<HostReady>((resolve, reject) => {
      this.#readyWaiter = { resolve, reject }
    })
    // A rejection nobody awaits yet (the caller awaits `ready` through `start`) is not unhandled.
    this.ready.catch(() => undefined)
    this.#exit = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#how = signal === null ? `exit code ${code}` : `signal ${signal}`
        this.#onExit()
        resolve()
      })
    })
    this.child.on('error', (error) => {
      // fork failed, or a send failed: the exit event (if any) settles what is pending.
      this.#appendStderr(`${error.message}\n`)
      if (this.child.pid === undefined) {
        this.#how = error.message
        this.#onExit()
      }
    })
    this.child.on('message', (message: FromHost) => this.#onMessage(message))
    this.child.stdout?.on('data', (chunk: Buffer) => this.options.stdout?.write(chunk))
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.options.stderr?.write(chunk)
      this.#appendStderr(chunk.toString())
    })
    this.send({
      type: 'init',
      init: {
        root: owner.root,
        configFile: owner.configFile,
        nodeEntry: owner.nodeEntry,
        mode: options.mode,
        env: options.env,
        cancelGraceMs: options.cancelGraceMs,
        closeDeadlineMs: HOST_CLOSE_DEADLINE_MS,
      },
    })
  }

  send(message: ToHost): void {
    if (this.exited || !this.child.connected) return
    // A failed send means the host is going away: its exit settles what is pending.
    this.child.send(message, (error) => {
      if (error) this.#appendStderr(`hearth: could not reach the Vitest host: ${error.message}\n`)
    })
  }

  list(): Promise<string[]> {
    const id = this.#nextId++
    return new Promise<string[]>((resolve, reject) => {
      this.#pending.set(id, { kind: 'list', resolve, reject })
      this.#updateRef()
      this.send({ type: 'list', id })
    })
  }

  run(files: readonly string[], options: HostRunOptions): Promise<RunResult> {
    const id = this.#nextId++
    const cancel = () => this.send({ type: 'cancel', id })
    return new Promise<RunResult>((resolve, reject) => {
      const done = <T>(settle: (value: T) => void) => {
        return (value: T) => {
          options.signal.removeEventListener('abort', cancel)
          settle(value)
        }
      }
      this.#pending.set(id, {
        kind: 'run',
        files,
        finished: [],
        started: performance.now(),
        options,
        resolve: done(resolve),
        reject: done(reject),
      })
      this.#updateRef()
      this.send({ type: 'run', id, files, env: options.env })
      options.signal.addEventListener('abort', cancel)
      if (options.signal.aborted) cancel()
    })
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.exited) return
      this.#ref(true)
      this.send({ type: 'close' })
      if (!this.child.connected) this.#killGroup()
      const timer = setTimeout(() => this.#killGroup(), CLOSE_WAIT_MS)
      await this.#exit
      clearTimeout(timer)
    })()
    return this.#closing
  }

  #onMessage(message: FromHost): void {
    switch (message.type) {
      case 'ready':
        this.#readyWaiter?.resolve(message.ready)
        this.#readyWaiter = undefined
        this.#updateRef()
        return
      case 'init-failed':
        this.#readyWaiter?.reject(configLoadError(this.owner.root, this.owner.configFile, message.message))
        this.#readyWaiter = undefined
        this.#updateRef()
        return
      case 'listed': {
        const pending = this.#take(message.id)
        if (pending?.kind === 'list') pending.resolve(message.files)
        return
      }
      case 'event': {
        const pending = this.#pending.get(message.id)
        if (pending?.kind !== 'run') return
        if (message.event.type === 'file-finished') pending.finished.push(message.event.file)
        pending.options.onEvent?.(message.event)
        return
      }
      case 'done': {
        const pending = this.#take(message.id)
        if (pending?.kind === 'run') pending.resolve(message.result)
        return
      }
      case 'failed': {
        const pending = this.#take(message.id)
        if (!pending) return
        const error = new Error(message.message)
        if (message.stack !== undefined) error.stack = message.stack
        pending.reject(error)
        return
      }
    }
  }

  #take(id: number): Pending | undefined {
    const pending = this.#pending.get(id)
    this.#pending.delete(id)
    this.#updateRef()
    return pending
  }

  #onExit(): void {
    if (this.exited) return
    this.exited = true
    // The host's Vitest workers are in its process group: none may outlive it.
    this.#killGroup()
    const tail = this.#stderrLines()
    const stopped = `the Vitest host of ${this.owner.root} stopped (${this.#how})`
    const withTail = (text: string) => (tail === '' ? text : `${text}. Its last lines on stderr:\n${tail}`)
    this.#readyWaiter?.reject(
      configLoadError(this.owner.root, this.owner.configFile, withTail(`${stopped} before Vitest was ready`)),
    )
    this.#readyWaiter = undefined
    for (const pending of this.#pending.values()) {
      if (pending.kind === 'list') {
        pending.reject(new Error(`hearth: ${withTail(stopped)}`))
        continue
      }
      const finished = new Set(pending.finished.map((file) => file.file))
      const cancelled = pending.options.signal.aborted
      pending.resolve({
        files: pending.finished,
        notRun: [...new Set(pending.files)]
          .filter((file) => !finished.has(file))
          .map((file) => ({
            file,
            reason: !existsSync(file) ? 'not-found' : cancelled ? 'cancelled' : 'interrupted',
          })),
        errors: [{ message: `hearth: ${withTail(`${stopped} during the run`)}` }],
        durationMs: performance.now() - pending.started,
        cancelled,
      })
    }
    this.#pending.clear()
  }

  #killGroup(): void {
    killGroup(this.child)
  }

  #appendStderr(text: string): void {
    const lines = (this.#stderrPartial + text).split('\n')
    this.#stderrPartial = lines.pop() ?? ''
    this.#stderrTail.push(...lines)
    if (this.#stderrTail.length > STDERR_TAIL_LINES)
      this.#stderrTail.splice(0, this.#stderrTail.length - STDERR_TAIL_LINES)
  }

  #stderrLines(): string {
    const lines = [...this.#stderrTail, this.#stderrPartial].filter((line) => line.trim() !== '')
    return lines.slice(-STDERR_TAIL_LINES).join('\n')
  }

  /** An idle host does not keep hearth's event loop alive (it exits by itself when hearth does). */
  #updateRef(): void {
    this.#ref(this.#readyWaiter !== undefined || this.#pending.size > 0 || this.#closing !== undefined)
  }

  #ref(on: boolean): void {
    const handles: Array<{ ref(): unknown; unref(): unknown } | null | undefined> = [
      this.child,
      this.child.channel,
      this.child.stdout as Socket | null,
      this.child.stderr as Socket | null,
    ]
    for (const handle of handles) {
      if (on) handle?.ref()
      else handle?.unref()
    }
  }
}

/** A host process working in `cwd`, with the labels of a hearth-managed test runner. */
function spawnHost(cwd: string): ChildProcess {
  const entry = hostEntry()
  return fork(entry.file, [], {
    cwd,
    env: hostEnvironment(),
    execArgv: entry.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    // Its own process group: a terminal's Ctrl-C reaches hearth, which stops the hosts itself;
    // and the group lets hearth reap the host's Vitest workers if the host dies.
    detached: true,
  })
}

/**
 * Lists the test files of owners that have no host running, in ONE short-lived process that loads
 * their configs one after the other: Vitest is imported once, and each further instance costs tens
 * of milliseconds, where a host per owner costs a process and a Vitest import each (measured: 6
 * owners in ~0.6 s against 2-4 s). Resolves once the process has exited.
 */
export function surveyOwners(
  cwd: string,
  owners: readonly SurveyOwner[],
  output: Pick<HostOptions, 'stdout' | 'stderr'>,
  /** Aborting kills the lister (the runner is closing). */
  lifetime: AbortSignal,
): Promise<SurveyResult[]> {
  const child = spawnHost(cwd)
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => output.stdout?.write(chunk))
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr?.write(chunk)
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  let results: SurveyResult[] | undefined
  let closeTimer: NodeJS.Timeout | undefined
  return new Promise<SurveyResult[]>((resolve, reject) => {
    const abort = () => killGroup(child)
    lifetime.addEventListener('abort', abort)
    child.on('message', (message: FromHost) => {
      if (message.type !== 'surveyed') return
      results = message.results
      child.send({ type: 'close' } satisfies ToHost, () => undefined)
      // It exits at once; if it does not, its group goes.
      closeTimer = setTimeout(() => killGroup(child), CLOSE_WAIT_MS)
    })
    child.on('error', (error) => {
      if (child.pid === undefined) reject(error)
    })
    child.once('exit', (code, signal) => {
      lifetime.removeEventListener('abort', abort)
      clearTimeout(closeTimer)
      killGroup(child)
      if (results) return resolve(results)
      const tail = stderr.trim().split('\n').slice(-STDERR_TAIL_LINES).join('\n')
      reject(
        new Error(
          `hearth: the Vitest lister in ${cwd} stopped (${signal === null ? `exit code ${code}` : `signal ${signal}`})` +
            (tail === '' ? '' : `. Its last lines on stderr:\n${tail}`),
        ),
      )
    })
    child.send({ type: 'survey', owners } satisfies ToHost, () => undefined)
  })
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // The group is empty already.
  }
}

/**
 * The host's entry: the compiled `vitest-host.js` beside this module, or, when hearth runs from its
 * TypeScript sources (its own tests, through the `@hearth/source` condition), `vitest-host.ts`
 * through tsx's loader, resolved from this package (the owner's folder need not have tsx).
 */
function hostEntry(): { file: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts')
  const file = fileURLToPath(new URL(fromSource ? './vitest-host.ts' : './vitest-host.js', import.meta.url))
  if (!fromSource) return { file, execArgv: [] }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return { file, execArgv: ['--import', tsx] }
}

/** hearth's env, with the labels of a host (and no other label: never the project id). */
function hostEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith(LABEL_VARIABLE_PREFIX)) env[name] = value
  }
  env[MANAGED_VARIABLE] = 'true'
  env[KIND_VARIABLE] = HOST_KIND
  return env
}
