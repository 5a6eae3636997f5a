import {
  type EnvironmentStatus,
  type HearthState,
  type ServiceKey,
  type ServiceState,
  selectEnvironmentStatus,
  selectRunFiles,
  selectServices,
  type TestFileState,
} from '@hearth/core'

/**
 * Pure selectors of the terminal UI: what its panes show, derived from core's state. Those worth
 * sharing with other views (the time saved by a selection) could move to core.
 */

/** A filter of the files pane: by file path, or by test name (`p` and `t`, as in Vitest's watch mode). */
export interface FileFilter {
  kind: 'path' | 'test'
  text: string
}

export interface EnvironmentGroup {
  name: string
  status: EnvironmentStatus
  services: ServiceState[]
}

/** The environments, each with its services in start order, as the services pane lists them. */
export function selectServiceGroups(state: HearthState): EnvironmentGroup[] {
  return Object.keys(state.environments).map((name) => ({
    name,
    status: selectEnvironmentStatus(state, name),
    services: selectServices(state, name),
  }))
}

/** Every service key in the order the services pane shows them. */
export function selectServiceOrder(state: HearthState): ServiceKey[] {
  return selectServiceGroups(state).flatMap((group) => group.services.map((service) => service.key))
}

/** Statuses in which something moves, so a spinner turns. */
const MOVING = new Set(['waiting', 'starting', 'probing', 'stopping'])

export function isServiceMoving(service: ServiceState): boolean {
  return MOVING.has(service.status) || service.restarting
}

/** Whether anything on screen is under way (a spinner needs its timer); false when all is at rest. */
export function selectMoving(state: HearthState): boolean {
  if (Object.values(state.services).some(isServiceMoving)) return true
  if (Object.values(state.environments).some((environment) => environment.reset?.status === 'running'))
    return true
  const run = state.tests.run
  return run !== null && run.finishedAt === null && run.phase !== 'finished' && run.phase !== 'cancelled'
}

/** The driver column: `fallback` when the service runs as its stand-in, else its instance's driver. */
export function selectDriverLabel(service: ServiceState): string {
  if (service.fallback !== null) return 'fallback'
  if (service.instance !== null) return service.instance.driver
  return service.kind === 'container' ? 'container' : service.kind
}

/** The address most worth showing: a declared URL, else `host:port` of each port. */
export function selectEndpoint(service: ServiceState): string {
  const url = Object.entries(service.outputs).find(([key]) => /url$/i.test(key))
  if (url !== undefined) return url[1]
  const instance = service.instance
  if (instance === null) return ''
  return Object.values(instance.ports)
    .map((port) => `${instance.host}:${port}`)
    .join(' ')
}

/** How long it took to become ready, from when hearth began on it (its dependencies ready). */
export function selectReadiness(service: ServiceState): number | null {
  if (service.readyAt === null || service.startingAt === null || service.readyAt < service.startingAt)
    return null
  return service.readyAt - service.startingAt
}

/** When its instance was created (uptime), for services that run (not jobs, which ran and exited). */
export function selectUpSince(service: ServiceState): number | null {
  if (service.instance === null || service.kind === 'job') return null
  if (service.status !== 'ready' && service.status !== 'probing') return null
  return service.instance.createdAt
}

/**
 * Restart counts, updated from one state change to the next: a service counts one restart each time
 * it is asked to restart (`restarting` turns on), whether asked by a key, a watched save, or as a
 * dependent of a restarted service.
 */
export function countRestarts(
  previous: HearthState,
  next: HearthState,
  counts: ReadonlyMap<ServiceKey, number>,
): ReadonlyMap<ServiceKey, number> {
  if (previous.services === next.services) return counts
  let updated: Map<ServiceKey, number> | null = null
  for (const service of Object.values(next.services)) {
    if (!service.restarting || previous.services[service.key]?.restarting === true) continue
    updated ??= new Map(counts)
    updated.set(service.key, (updated.get(service.key) ?? 0) + 1)
  }
  return updated ?? counts
}

/**
 * The time the current selection saves against the whole suite, from the timing history: what all
 * test files are expected to take, less what the run's files are. Null when there is no history, or
 * the run is the whole suite.
 */
export function selectTimeSaved(
  state: HearthState,
): { savedMs: number; suiteMs: number; runMs: number; untimed: number } | null {
  const run = state.tests.run
  if (run === null) return null
  const inRun = new Set(run.files)
  let suiteMs = 0
  let runMs = 0
  let untimed = 0
  for (const file of Object.values(state.tests.files)) {
    if (file.expectedMs === null) {
      untimed++
      continue
    }
    suiteMs += file.expectedMs
    if (inRun.has(file.file)) runMs += file.expectedMs
  }
  if (suiteMs === 0 || inRun.size >= Object.keys(state.tests.files).length) return null
  return { savedMs: suiteMs - runMs, suiteMs, runMs, untimed }
}

/**
 * The files the files pane lists: those of the current (or last) run, or every discovered file
 * before the first run; narrowed by the filter when there is one.
 */
export function selectListedFiles(state: HearthState, filter: FileFilter | null): TestFileState[] {
  const files =
    state.tests.run === null
      ? Object.values(state.tests.files).sort((a, b) => a.path.localeCompare(b.path))
      : selectRunFiles(state)
  return filter === null ? files : files.filter((file) => matchesFilter(file, filter))
}

/** Every discovered file the filter matches, in path order (what `p` and `t` run). */
export function selectMatchingFiles(state: HearthState, filter: FileFilter): TestFileState[] {
  return Object.values(state.tests.files)
    .filter((file) => matchesFilter(file, filter))
    .sort((a, b) => a.path.localeCompare(b.path))
}

/**
 * `path`: the relative path contains the text (case-insensitive). `test`: a test of the file, as
 * last run, has a name containing it; a file whose tests never ran has no names to match.
 */
export function matchesFilter(file: TestFileState, filter: FileFilter): boolean {
  const text = filter.text.toLowerCase()
  if (filter.kind === 'path') return file.path.toLowerCase().includes(text)
  return file.tests.some((test) => test.name.toLowerCase().includes(text))
}

/** The file the detail shows when the user picked none: the run's first failure, else its first file. */
export function selectDefaultFile(files: readonly TestFileState[]): TestFileState | null {
  return files.find((file) => file.status === 'failed') ?? files[0] ?? null
}

/** Files that failed (in the last result each had), in path order: what `f` runs. */
export function selectFailedFiles(state: HearthState): TestFileState[] {
  return Object.values(state.tests.files)
    .filter((file) => file.status === 'failed')
    .sort((a, b) => a.path.localeCompare(b.path))
}

/**
 * The rows of a list to render, `height` at most, keeping `selected` in view (centred when it can):
 * a 500-file run renders the 15 rows that fit, not 500.
 */
export function selectWindow(
  count: number,
  selected: number,
  height: number,
): { start: number; end: number } {
  if (height <= 0 || count === 0) return { start: 0, end: 0 }
  if (count <= height) return { start: 0, end: count }
  const start = Math.max(0, Math.min(selected - Math.floor(height / 2), count - height))
  return { start, end: start + height }
}

/** The instants the coarse ages on screen count from (uptimes, last resets), for the age clock. */
export function selectAgeOrigins(state: HearthState): number[] {
  const origins: number[] = []
  for (const service of Object.values(state.services)) {
    const up = selectUpSince(service)
    if (up !== null) origins.push(up)
    if (service.lastResetAt !== null) origins.push(service.lastResetAt)
  }
  return origins
}

/** The environments whose data `x` can reset now: those ready. */
export function selectResettable(state: HearthState): string[] {
  return Object.keys(state.environments).filter((name) => selectEnvironmentStatus(state, name) === 'ready')
}
