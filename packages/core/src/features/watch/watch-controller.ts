import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import type { ImportGraph } from '@hearth/affected'
import type { NormalizedConfig } from '@hearth/environments'
import type { AsyncSubscription, Event as WatcherEvent } from '@parcel/watcher'
import picomatch from 'picomatch'
import type { Clock } from '../../clock.js'
import { relativePath } from '../../paths.js'
import type { ChangeSummary, Controller } from '../../store/controller.js'
import type { HearthStore } from '../../store/create-store.js'
import type { HearthState, ServiceKey } from '../../store/state.js'
import type { AffectedSelection } from '../tests/selection.js'
import { type ClassifiedTestFile, classifiedFiles } from '../tests/test-files.js'
import type { TestRunner } from '../tests/test-runner.js'

/**
 * Folders never watched, at any depth: they are left out before the watcher descends into them, so
 * a workspace's node_modules costs no inotify watch (facts: ~192k shared per machine) and no scan.
 */
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
  /**
   * The import graph, with the test files set: the watcher starts while it is built, and says it is
   * watching once both are done. A rejection is the caller's to report: the watcher then never
   * says it is ready.
   */
  graph: Promise<ImportGraph>
  runner: TestRunner
  /** The project's test files now (called again after files are added or removed). */
  discoverTests(): Promise<ClassifiedTestFile[]>
  /** What a change selects, with why (the session's one selection). */
  select(
    graph: ImportGraph,
    changed: readonly string[],
    files: readonly ClassifiedTestFile[],
  ): AffectedSelection
  /** How long a burst of saves may last before it runs (default 100 ms). */
  debounceMs?: number
}

/**
 * The watch loop, as a controller: `watch/starting` in state starts watching the project (not its
 * .git, node_modules, dist or hearth's state) and `watch/ready` says the watches are set; saves are batched
 * over a short debounce, then for the batch: the import graph updated, the test runner told what
 * changed, the services whose watch globs match restarted, and a run asked for with the affected
 * tests and why. While `paused` the batches are held (`watch/held`) and run as one on
 * `watch/resumed`; `watch/stopped` closes the watcher. It acts only by dispatching.
 */
export class WatchController implements Controller {
  readonly name = 'watch'
  private watcher: AsyncSubscription | null = null
  private starting: Promise<void> | null = null
  private pending = new Map<string, 'add' | 'change' | 'unlink'>()
  private held = new Map<string, 'add' | 'change' | 'unlink'>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private processing: Promise<void> = Promise.resolve()
  /** Each file's stat as its last batch saw it: a save reported again later is not run again. */
  private readonly seen = new Map<string, string>()
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
    const watcher = this.watcher
    this.watcher = null
    await watcher?.unsubscribe()
    await this.processing
  }

  private async start(): Promise<void> {
    const { root } = this.options.config
    // @parcel/watcher watches folders (one inotify watch each, not one per file) and applies the
    // ignores while it walks, so an ignored folder is never read. Loaded here: only `hearth dev`
    // watches, and the other commands need not load it.
    const { subscribe } = await import('@parcel/watcher')
    // Its error for a missing folder is "Bad file descriptor": say what is wrong instead.
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory())
      throw Object.assign(new Error('no such folder'), { code: 'ENOENT' })
    this.watcher = await subscribe(
      root,
      (error, events) => {
        if (error !== null) this.problem(error)
        else this.received(events)
      },
      { ignore: WATCH_IGNORED.map((name) => `**/${name}`) },
    )
    // The graph was built meanwhile (one walks the tree on the watcher's threads, the other reads
    // and parses on this one). Without a graph there is nothing to select with: no ready.
    try {
      await this.options.graph
    } catch {
      return
    }
    this.options.store.dispatch({ type: 'watch/ready', at: this.options.clock.now() })
  }

  /** Problems once watching (a folder that cannot be read) are reported; the watcher goes on. */
  private problem(error: Error): void {
    this.options.store.dispatch({
      type: 'watch/error',
      at: this.options.clock.now(),
      message: error.message ?? String(error),
    })
  }

  private received(events: readonly WatcherEvent[]): void {
    for (const event of events) {
      if (event.type === 'update') this.queue(event.path, 'change')
      else if (event.type === 'delete') {
        // A folder moved or deleted comes as one event (the files the graph knew in it go too, when
        // the batch is processed).
        this.queue(event.path, 'unlink')
      } else if (statSync(event.path, { throwIfNoEntry: false })?.isDirectory()) {
        // A folder moved in comes as one event too, without its files (those written into a new
        // folder come as their own events as well: queued twice, they count once).
        for (const file of filesUnder(event.path)) this.queue(file, 'add')
      } else this.queue(event.path, 'add')
    }
  }

  private async failed(error: unknown): Promise<void> {
    const watcher = this.watcher
    this.watcher = null
    await watcher?.unsubscribe().catch(() => undefined)
    const message = (error as Error).message ?? String(error)
    // The watcher's native errors carry no code, only the system's words.
    const code =
      (error as NodeJS.ErrnoException).code ??
      (/No space left on device/i.test(message)
        ? 'ENOSPC'
        : /Too many open files/i.test(message)
          ? 'EMFILE'
          : null)
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
      const batch = this.unseen(this.pending)
      this.pending = new Map()
      if (batch.size === 0) return
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

  /**
   * The batch without the edits already run: one save can come as two bursts of events (the
   * truncate, then the write, apart under load), and a file whose size, mtime and inode are what
   * the last batch saw has nothing new. Touching a file changes its mtime, so it still runs.
   * `remember`: the batch is being run, so what it saw of each file is what later ones compare with.
   */
  private unseen(
    batch: ReadonlyMap<string, 'add' | 'change' | 'unlink'>,
    { remember = false }: { remember?: boolean } = {},
  ): Map<string, 'add' | 'change' | 'unlink'> {
    const fresh = new Map<string, 'add' | 'change' | 'unlink'>()
    for (const [file, event] of batch) {
      const signature = event === 'unlink' || (event === 'add' && !remember) ? null : statSignature(file)
      if (event === 'change' && signature !== null && this.seen.get(file) === signature) continue
      fresh.set(file, event)
      // What this batch runs for: a later report of the same state of the file is not new.
      if (!remember) continue
      if (signature === null) this.seen.delete(file)
      else this.seen.set(file, signature)
    }
    return fresh
  }

  private enqueue(batch: ReadonlyMap<string, 'add' | 'change' | 'unlink'>): void {
    // One batch at a time: a later one waits for the graph update of the earlier.
    this.processing = this.processing.then(() => this.process(batch)).catch(() => undefined)
  }

  private async process(events: ReadonlyMap<string, 'add' | 'change' | 'unlink'>): Promise<void> {
    const { store, clock, config, runner } = this.options
    const graph = await this.options.graph
    // Held or queued behind another batch: what that batch ran may already cover these.
    const batch = this.unseen(events, { remember: true })
    if (batch.size === 0) return
    // A deleted folder: the files the graph knew in it are deleted too.
    for (const [deleted, event] of events) {
      if (event !== 'unlink') continue
      const inside = deleted + path.sep
      for (const file of graph.files()) if (file.startsWith(inside)) batch.set(file, 'unlink')
    }
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

    const selection = this.options.select(graph, changed, files)
    if (Object.keys(selection.files).length > 0) {
      store.dispatch({ type: 'run/requested', at: clock.now(), trigger: 'change', files: selection.files })
    }
  }
}

/** A file's size, mtime (ns) and inode, or null when it is gone. */
function statSignature(file: string): string | null {
  const stat = statSync(file, { bigint: true, throwIfNoEntry: false })
  return stat === undefined ? null : `${stat.size}:${stat.mtimeNs}:${stat.ino}`
}

/** The files in a folder and its subfolders, leaving out the folders never watched. */
function filesUnder(folder: string): string[] {
  const files: string[] = []
  const entries = (() => {
    try {
      return readdirSync(folder, { withFileTypes: true })
    } catch {
      return [] // gone again, or unreadable: its events, if any, say so
    }
  })()
  for (const entry of entries) {
    const full = path.join(folder, entry.name)
    if (entry.isDirectory()) {
      if (!WATCH_IGNORED.includes(entry.name)) files.push(...filesUnder(full))
    } else files.push(full)
  }
  return files
}
