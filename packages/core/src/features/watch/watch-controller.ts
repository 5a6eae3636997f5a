import path from 'node:path'
import type { ImportGraph } from '@hearth/affected'
import type { NormalizedConfig } from '@hearth/environments'
import { type FSWatcher, watch } from 'chokidar'
import picomatch from 'picomatch'
import type { Clock } from '../../clock.js'
import { relativePath } from '../../paths.js'
import type { HearthStore } from '../../store/create-store.js'
import type { ServiceKey } from '../../store/state.js'
import { selectAffected, type TestConfigOwnership } from '../tests/selection.js'
import type { ClassifiedTestFile } from '../tests/test-files.js'
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
  /** The test configs in use, each with the files it owns (asked again after every discovery). */
  testConfigs(files: readonly ClassifiedTestFile[]): TestConfigOwnership[]
  /** The project's test files now (called again after files are added or removed). */
  discoverTests(): Promise<ClassifiedTestFile[]>
  /** How long a burst of saves may last before it runs (default 100 ms). */
  debounceMs?: number
}

/**
 * The watch loop: chokidar on the project (not its .git, node_modules, dist or hearth's state),
 * saves batched over a short debounce, then for the batch: the import graph updated, the test
 * runner told what changed, the services whose watch globs match restarted, and a run asked for
 * with the affected tests and why. A batch that arrives during a run is merged into the next run
 * (or cancels the current one, as the test controller is set up).
 */
export class WatchController {
  private watcher: FSWatcher | null = null
  private pending = new Map<string, 'add' | 'change' | 'unlink'>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private processing: Promise<void> = Promise.resolve()
  private files: ClassifiedTestFile[] = []
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

  /** Starts watching; resolves once the watcher has scanned the project and is ready. */
  async start(files: readonly ClassifiedTestFile[]): Promise<void> {
    this.files = [...files]
    const { root } = this.options.config
    const ignored = (file: string): boolean => {
      const relative = path.relative(root, file)
      return relative.split(path.sep).some((part) => WATCH_IGNORED.includes(part))
    }
    this.watcher = watch(root, { ignored, ignoreInitial: true, persistent: true })
    for (const event of ['add', 'change', 'unlink'] as const) {
      this.watcher.on(event, (file: string) => this.queue(path.resolve(root, file), event))
    }
    await new Promise<void>((resolve, reject) => {
      this.watcher?.once('ready', () => resolve())
      this.watcher?.once('error', reject)
    })
  }

  /** Stops watching, and waits for a batch under way. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.watcher?.close()
    this.watcher = null
    await this.processing
  }

  private queue(file: string, event: 'add' | 'change' | 'unlink'): void {
    this.pending.set(file, event)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      const batch = this.pending
      this.pending = new Map()
      // One batch at a time: a later one waits for the graph update of the earlier.
      this.processing = this.processing.then(() => this.process(batch)).catch(() => undefined)
    }, this.options.debounceMs ?? 100)
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
    if ([...batch].some(([file, event]) => event !== 'change' || configs.has(file))) {
      this.files = await this.options.discoverTests()
      await graph.setTestFiles(this.files.map((file) => file.file))
    }
    await graph.update(changed)

    const restart = this.restartMatchers
      .filter(({ matches }) => relative.some((file) => matches(file)))
      .map(({ key }) => key)
    if (restart.length > 0)
      store.dispatch({ type: 'service/restart-requested', at: clock.now(), keys: restart })

    const selection = selectAffected({
      config,
      graph,
      files: this.files,
      changed,
      testConfigs: this.options.testConfigs(this.files),
    })
    if (Object.keys(selection.files).length > 0) {
      store.dispatch({ type: 'run/requested', at: clock.now(), trigger: 'change', files: selection.files })
    }
  }
}
