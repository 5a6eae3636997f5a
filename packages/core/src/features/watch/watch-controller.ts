import path from 'node:path'
import type { ImportGraph } from '@hearth/affected'
import type { NormalizedConfig } from '@hearth/environments'
import type { FSWatcher } from 'chokidar'
import picomatch from 'picomatch'
import type { Clock } from '../../clock.js'
import { relativePath } from '../../paths.js'
import type { ChangeSummary, Controller } from '../../store/controller.js'
import type { HearthStore } from '../../store/create-store.js'
import type { HearthState, ServiceKey } from '../../store/state.js'
import type { AffectedSelection } from '../tests/selection.js'
import { type ClassifiedTestFile, classifiedFiles } from '../tests/test-files.js'
import type { TestRunner } from '../tests/test-runner.js'

/** Folders never watched: one inotify watch per file adds up fast (facts: ~192k shared per machine). */
export const WATCH_IGNORED = [
  '.git',
  'node_modules',
  'dist',
  '.hearth',
  'coverage',
  '.turbo',
  '.next',
  '.vitest-results',
]

export interface WatchControllerOptions {
  store: HearthStore
  clock: Clock
  config: NormalizedConfig
  graph: ImportGraph
  runner: TestRunner
  /** The project's test files now (called again after files are added or removed). */
  discoverTests(): Promise<ClassifiedTestFile[]>
  /** What a change selects, with why (the session's one selection). */
  select(changed: readonly string[], files: readonly ClassifiedTestFile[]): AffectedSelection
  /** How long a burst of saves may last before it runs (default 100 ms). */
  debounceMs?: number
}

/**
 * The watch loop, as a controller: `watch/starting` in state starts chokidar on the project (not its
 * .git, node_modules, dist or hearth's state) and `watch/ready` says it scanned; saves are batched
 * over a short debounce, then for the batch: the import graph updated, the test runner told what
 * changed, the services whose watch globs match restarted, and a run asked for with the affected
 * tests and why. While `paused` the batches are held (`watch/held`) and run as one on
 * `watch/resumed`; `watch/stopped` closes the watcher. It acts only by dispatching.
 */
export class WatchController implements Controller {
  readonly name = 'watch'
  private watcher: FSWatcher | null = null
  private starting: Promise<void> | null = null
  private pending = new Map<string, 'add' | 'change' | 'unlink'>()
  private held = new Map<string, 'add' | 'change' | 'unlink'>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private processing: Promise<void> = Promise.resolve()
  private readonly restartMatchers: Array<{ key: ServiceKey; matches: (file: string) => boolean }>

  constructor(private readonly options: WatchControllerOptions) {
    this.restartMatchers = Object.values(options.config.environments).flatMap((environment) =>
      Object.values(environment.services)
        .filter((service) => service.watch.length > 0)
        .map((service) => ({
          key: `${environment.name}/${service.name}` as ServiceKey,
          matches: picomatch(service.watch as string[], { dot: true }),
        })),
    )
  }

  onChange(state: HearthState, change: ChangeSummary): void {
    const status = state.watch.status
    if ((status === 'starting' || status === 'paused') && this.watcher === null && this.starting === null)
      this.starting = this.start().catch((error: unknown) => this.failed(error))
    for (const action of change.actions) {
      if (action.type === 'watch/resumed' && this.held.size > 0) {
        const batch = this.held
        this.held = new Map()
        this.enqueue(batch)
      }
      if (action.type === 'watch/stopped') this.stop().catch(() => undefined)
    }
  }

  /** Resolves once the watcher is closed and the batch under way is done. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.starting?.catch(() => undefined)
    await this.watcher?.close()
    this.watcher = null
    await this.processing
  }

  private async start(): Promise<void> {
    const { root } = this.options.config
    const ignored = (file: string): boolean => {
      const relative = path.relative(root, file)
      return relative.split(path.sep).some((part) => WATCH_IGNORED.includes(part))
    }
    // Loaded here: only `hearth dev` watches, and the other commands need not load chokidar.
    const { watch } = await import('chokidar')
    const watcher = watch(root, { ignored, ignoreInitial: true, persistent: true })
    this.watcher = watcher
    for (const event of ['add', 'change', 'unlink'] as const) {
      watcher.on(event, (file: string) => this.queue(path.resolve(root, file), event))
    }
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve())
      watcher.once('error', reject)
    })
    // Problems later on (a folder that cannot be read) are reported; the watcher goes on.
    watcher.on('error', (error: unknown) =>
      this.options.store.dispatch({
        type: 'watch/error',
        at: this.options.clock.now(),
        message: (error as Error).message ?? String(error),
      }),
    )
    this.options.store.dispatch({ type: 'watch/ready', at: this.options.clock.now() })
  }

  private async failed(error: unknown): Promise<void> {
    const watcher = this.watcher
    this.watcher = null
    await watcher?.close().catch(() => undefined)
    const message = (error as Error).message ?? String(error)
    const code = (error as NodeJS.ErrnoException).code
    this.options.store.dispatch({
      type: 'watch/failed',
      at: this.options.clock.now(),
      message: `could not watch ${this.options.config.root}: ${message}`,
      fix:
        code === 'ENOSPC'
          ? 'the inotify watch limit is reached: raise it (`sudo sysctl fs.inotify.max_user_watches=524288`) or close other watchers'
          : code === 'EMFILE'
            ? 'too many open files: raise the limit (`ulimit -n`)'
            : null,
    })
  }

  private queue(file: string, event: 'add' | 'change' | 'unlink'): void {
    // Closing: what arrives now is not for this session.
    if (this.watcher === null) return
    this.pending.set(file, event)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      const batch = this.pending
      this.pending = new Map()
      const { store, clock, config } = this.options
      const status = store.getState().watch.status
      if (status === 'paused') {
        for (const [file, kind] of batch) this.held.set(file, kind)
        const paths = [...batch.keys()].map((file) => relativePath(config.root, file)).sort()
        store.dispatch({ type: 'watch/held', at: clock.now(), paths })
        return
      }
      // A save while the first scan still runs counts as well: the graph is built by then.
      if (status !== 'watching' && status !== 'starting') return
      this.enqueue(batch)
    }, this.options.debounceMs ?? 100)
  }

  private enqueue(batch: ReadonlyMap<string, 'add' | 'change' | 'unlink'>): void {
    // One batch at a time: a later one waits for the graph update of the earlier.
    this.processing = this.processing.then(() => this.process(batch)).catch(() => undefined)
  }

  private async process(batch: ReadonlyMap<string, 'add' | 'change' | 'unlink'>): Promise<void> {
    const { store, clock, config, graph, runner } = this.options
    const changed = [...batch.keys()].sort()
    const relative = changed.map((file) => relativePath(config.root, file))
    store.dispatch({ type: 'watch/changed', at: clock.now(), paths: relative })

    runner.invalidate(changed)
    // A new or deleted file can be a test file; an edited test config can include others.
    const configs = new Set(
      runner
        .owners()
        .flatMap((owner) =>
          owner.configFile === null ? [] : [owner.configFile, ...(owner.configDependencies ?? [])],
        ),
    )
    let files = classifiedFiles(store.getState())
    if ([...batch].some(([file, event]) => event !== 'change' || configs.has(file))) {
      files = await this.options.discoverTests()
      await graph.setTestFiles(files.map((file) => file.file))
    }
    await graph.update(changed)

    const restart = this.restartMatchers
      .filter(({ matches }) => relative.some((file) => matches(file)))
      .map(({ key }) => key)
    if (restart.length > 0)
      store.dispatch({ type: 'service/restart-requested', at: clock.now(), keys: restart })

    const selection = this.options.select(changed, files)
    if (Object.keys(selection.files).length > 0) {
      store.dispatch({ type: 'run/requested', at: clock.now(), trigger: 'change', files: selection.files })
    }
  }
}
