import {
  type Action,
  describeBuildReason,
  describeReason,
  type HearthState,
  type HearthStore,
  isTestsAction,
  type ServiceState,
  selectRedactedState,
  selectRedactor,
  selectRunCounts,
  selectStartDuration,
  selectTestCaseCounts,
  type TestsAction,
} from '@hearth/core'
import { formatDuration } from '@hearth/environments'
import type { Style } from '../style.js'

export interface LineReporterOptions {
  store: HearthStore
  write(line: string): void
  style: Style
}

/**
 * The headless view: one line per state change, with durations. Subscribes to actions and reads
 * the state through the same selectors as the TUI. Secrets are masked (`selectRedactor`): in the
 * action and state it formats, and in each line it writes.
 */
export function attachLineReporter({ store, write, style }: LineReporterOptions): () => void {
  // A pull or build reports often; a log wants a line when what it does changes, not every tick.
  const preparing = new Map<string, string>()
  return store.subscribeActions((action, state) => {
    // Services' output has no line here (and is the busiest action): nothing to redact.
    if (action.type === 'service/log') return
    if (action.type === 'service/preparing') {
      if (preparing.get(action.key) === action.message) return
      preparing.set(action.key, action.message)
    }
    const redactor = selectRedactor(state)
    for (const line of formatAction(redactor.value(action), selectRedactedState(state), style))
      write(redactor.text(line))
  })
}

/** The lines one action adds to the log; pure, so it is tested on its own. */
export function formatAction(action: Action, state: HearthState, style: Style): string[] {
  if (isTestsAction(action)) return formatRunAction(action, state, style)
  const width = nameWidth(state)
  const row = (mark: string, name: string, status: string, detail = ''): string =>
    `${mark} ${name.padEnd(width)}  ${status.padEnd(11)}${detail === '' ? '' : `  ${detail}`}`.trimEnd()

  switch (action.type) {
    case 'environment/lock-waiting':
      return [row(' ', action.environment, 'waiting', `another hearth holds it: ${action.holder}`)]
    case 'environment/expired':
      return [
        row(
          style.yellow('!'),
          action.environment,
          'expired',
          `unused for ${formatDuration(action.idleMs)} (idle TTL ${formatDuration(action.ttlMs)}): removing it`,
        ),
      ]
    case 'session/interrupted':
      return action.keepEnvironments === true
        ? [style.yellow(`! interrupted (${action.signal})`)]
        : [style.yellow(`! interrupted (${action.signal}): stopping what this run started…`)]
    case 'session/quit':
      return action.stopEnvironments ? [style.dim('quitting: stopping the environments…')] : []
    case 'environment/reset-finished':
      return action.error === null
        ? []
        : [style.red(`✗ ${action.environment}: the reset failed: ${action.error}`)]
    case 'maintenance/requested':
    case 'maintenance/started':
    case 'maintenance/finished':
    case 'environment/reset-requested':
    case 'environment/reset-started':
    case 'service/log':
    case 'watch/starting':
    case 'watch/ready':
    case 'watch/held':
    case 'watch/stopped':
      return []
    case 'watch/failed':
      // The session throws it (WatchError): the command reports it on stderr.
      return []
    case 'watch/error':
      return [style.yellow(`! the watcher: ${action.message}`)]
    case 'watch/paused':
      return [style.dim('watching paused: saves are held until resumed')]
    case 'watch/resumed':
      return [style.dim('watching resumed')]
    case 'session/warning':
      return [
        style.yellow(`! ${action.message}`),
        ...(action.fix === null ? [] : [style.dim(`  fix: ${action.fix}`)]),
      ]
    case 'session/failed':
      // The command reports it on stderr once the session has closed (`reportFatal`).
      return []
    case 'project/loaded':
    case 'environment/up-requested':
    case 'environment/down-requested':
    case 'environment/lock-acquired':
    case 'environment/lock-released':
    case 'service/observed':
    case 'service/restart-requested':
      return []
    default:
      break
  }

  const service = state.services[action.key]
  if (service === undefined) return []
  const name = displayName(state, service)
  switch (action.type) {
    case 'service/starting':
      return [row(' ', name, 'starting', style.dim(service.kind))]
    case 'service/started': {
      const { instance } = action
      const where = Object.entries(instance.ports)
        .map(([port, number]) => `${port} ${instance.host}:${number}`)
        .join(', ')
      if (service.kind === 'job') return instance.reused ? [] : [row(' ', name, 'running')]
      if (instance.reused) {
        return [
          row(
            ' ',
            name,
            'attached',
            style.dim(
              `running for ${formatDuration(action.at - instance.createdAt)}${where === '' ? '' : ` · ${where}`}`,
            ),
          ),
        ]
      }
      const damaged = action.damaged ?? []
      const replaced = (action.replaced ?? 0) > damaged.length ? 'replaced its outdated instance · ' : ''
      const detail = `${replaced}${where === '' ? '' : `${where} · `}waiting until ready`
      return [
        // hearth could not vouch for what ran: it says so, and why the service started afresh.
        ...damaged.map((why) =>
          row(style.yellow('!'), name, 'replaced', `${why}: stopped what ran, started afresh`),
        ),
        row(' ', name, 'started', style.dim(detail)),
      ]
    }
    case 'service/ready':
      return [
        row(style.green('✓'), name, 'ready', [took(service), endpoint(service)].filter(Boolean).join('  ')),
      ]
    case 'service/completed':
      return [
        row(
          style.green('✓'),
          name,
          'completed',
          service.instance?.reused ? style.dim('done in an earlier run, unchanged') : took(service),
        ),
      ]
    case 'service/failed': {
      const failure = action.failure
      if (failure.blockedBy !== null)
        return [
          row(style.dim('-'), name, 'not started', style.dim(failure.cause.replace(/^not started: /, ''))),
        ]
      const indent = ' '.repeat(width + 4)
      const lines = [row(style.red('✗'), name, 'failed', failure.cause)]
      if (failure.fix !== null) lines.push(`${indent}${style.dim('fix:')} ${failure.fix}`)
      if (failure.logTail.length > 0) {
        lines.push(
          `${indent}${style.dim(`last ${failure.logTail.length === 1 ? 'line' : `${failure.logTail.length} lines`} of its output:`)}`,
        )
        for (const line of failure.logTail) lines.push(`${indent}${style.dim('│')} ${line}`)
      }
      return lines
    }
    case 'service/reset':
      return [row(style.green('✓'), name, 'reset', formatDuration(action.durationMs))]
    case 'service/fell-back':
      return [
        row(
          style.yellow('!'),
          name,
          'fallback',
          `${action.reason}: running ${action.instead ?? 'its local stand-in'} instead`,
        ),
      ]
    case 'service/preparing':
      return [row(' ', name, 'preparing', style.dim(action.message))]
    case 'service/still-probing':
      return [
        row(
          ' ',
          name,
          'not ready',
          style.dim(
            `${formatDuration(action.at - (service.startedAt ?? action.at))} · ${action.attempts} probes · last: ${action.detail}`,
          ),
        ),
      ]
    case 'service/aborted':
      return [row(' ', name, 'cancelled')]
    case 'service/stopping':
      return [row(' ', name, 'stopping')]
    case 'service/stopped':
      return [
        row(
          ' ',
          name,
          'stopped',
          service.stoppingAt === null ? '' : formatDuration(action.at - service.stoppingAt),
        ),
      ]
  }
}

function took(service: ServiceState): string {
  const duration = selectStartDuration(service)
  return duration === null ? '' : formatDuration(duration)
}

/** The output most worth showing on the ready line: a declared URL, else the first port. */
function endpoint(service: ServiceState): string {
  const { outputs } = service
  const url = Object.entries(outputs).find(([key]) => /url$/i.test(key))
  if (url !== undefined) return url[1]
  const port = Object.entries(outputs).find(([key]) => key.endsWith('Port'))
  return port === undefined ? '' : `${outputs.host}:${port[1]}`
}

/** `api`, or `backend/api` when the project has several environments (service names may repeat). */
function displayName(state: HearthState, service: ServiceState): string {
  return Object.keys(state.environments).length > 1 ? service.key : service.name
}

function nameWidth(state: HearthState): number {
  const names = [
    ...Object.values(state.services).map((service) => displayName(state, service)),
    ...Object.keys(state.environments),
  ]
  return Math.max(8, ...names.map((name) => name.length))
}

/** The lines of a test run: what runs and why, each file's result, the totals. */
function formatRunAction(action: TestsAction, state: HearthState, style: Style): string[] {
  const run = state.tests.run
  switch (action.type) {
    case 'watch/changed': {
      const shown = action.paths.slice(0, 3).join(', ')
      const more = action.paths.length > 3 ? ` and ${action.paths.length - 3} more` : ''
      return [style.cyan(`↻ changed: ${shown}${more}`)]
    }
    case 'run/started': {
      if (run === null) return []
      const count = `${run.files.length} test ${run.files.length === 1 ? 'file' : 'files'}`
      const why = run.trigger === 'all' ? 'all' : 'affected by the change'
      return [style.bold(`▶ run ${run.id}: ${count} (${why})`)]
    }
    case 'run/phase':
      if (action.phase === 'resetting') return [style.dim('  resetting the environments')]
      return []
    case 'build/planned': {
      const list = action.packages.map((pkg) => `${pkg.name} (${describeBuildReason(pkg.reason)})`)
      if (action.skipped)
        return [
          style.yellow(`! not rebuilt (--no-build): ${list.join(', ')}`),
          style.dim('  the tests run against that build output: results may be stale'),
        ]
      return [style.dim(`  rebuilding ${list.join(', ')}`)]
    }
    case 'build/started':
      return [`  ${style.cyan('⚙')} ${action.name}  ${style.dim(action.command)}`]
    case 'build/finished':
      return action.ok
        ? [
            `  ${style.green('✓')} ${action.name}  ${style.dim(`built in ${formatDuration(action.durationMs)}`)}`,
          ]
        : [
            `  ${style.red('✗')} ${action.name}  ${style.dim(`build failed after ${formatDuration(action.durationMs)}`)}`,
          ]
    case 'run/retrying':
      return [
        style.yellow(
          `↻ retrying ${action.files.length} failed ${action.files.length === 1 ? 'file' : 'files'} (attempt ${action.attempt})`,
        ),
      ]
    case 'run/file-finished':
      return formatFileResult(action.outcome.file, state, style)
    case 'run/blocked':
      if (action.block.kind === 'environment') {
        return [style.red(`✗ run ${action.id} cannot run: environment ${action.block.name} is not ready`)]
      }
      return [
        style.red(`✗ run ${action.id} cannot run: ${action.block.name} does not build`),
        ...action.block.output
          .trim()
          .split('\n')
          .slice(-15)
          .map((line) => `    ${style.dim('│')} ${line}`),
        style.dim(
          `  fix: make it build (its whole output: ${buildCommandOf(run, action.block.name)}), or run with --no-build`,
        ),
      ]
    case 'run/errors':
      return [
        style.red(
          `✗ run ${action.id}: ${action.errors.length} unhandled ${action.errors.length === 1 ? 'error' : 'errors'} outside any test (the run fails)`,
        ),
        ...action.errors.flatMap((error) =>
          error.message
            .split('\n')
            .slice(0, 5)
            .map((line) => `    ${style.dim('│')} ${line}`),
        ),
      ]
    case 'run/finished': {
      if (run === null) return []
      if (action.cancelled) return [style.yellow(`! run ${run.id} cancelled`)]
      const counts = selectRunCounts(state)
      const cases = selectTestCaseCounts(state)
      const took = run.startedAt === null ? '' : ` in ${formatDuration(action.at - run.startedAt)}`
      const flaky = counts.flaky > 0 ? `, ${counts.flaky} flaky` : ''
      const total = cases.passed + cases.failed + cases.skipped
      const tests = `${total} ${total === 1 ? 'test' : 'tests'}`
      if (counts.failed > 0 || run.blockedBy !== null) {
        return [style.red(`✗ ${counts.failed} failed, ${counts.passed} passed${flaky}${took} (${tests})`)]
      }
      return [
        style.green(
          `✓ ${counts.passed} passed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}${flaky}${took} (${tests})`,
        ),
      ]
    }
    default:
      return []
  }
}

/** The command that builds a package of the run, as the build step showed it. */
function buildCommandOf(run: HearthState['tests']['run'], name: string): string {
  return run?.builds.find((build) => build.name === name)?.command ?? 'its build script'
}

function formatFileResult(file: string, state: HearthState, style: Style): string[] {
  const entry = state.tests.files[file]
  if (entry === undefined) return []
  const root = state.project?.root ?? ''
  const relative = (absolute: string) =>
    absolute.startsWith(`${root}/`) ? absolute.slice(root.length + 1) : absolute
  const took = entry.durationMs === null ? '' : `  ${formatDuration(entry.durationMs)}`
  const failed = entry.tests.filter((test) => test.state === 'failed')
  const lines: string[] = []
  if (entry.status === 'failed') {
    const summary = failed.length > 0 ? `${failed.length} of ${entry.tests.length} failed` : 'failed to run'
    lines.push(`${style.red('✗')} ${entry.path}  ${summary}${took}`)
  } else if (entry.status === 'skipped') {
    lines.push(`${style.dim('-')} ${entry.path}  skipped`)
  } else {
    const flaky = entry.flaky ? style.yellow('  flaky: passed on a retry') : ''
    lines.push(
      `${style.green('✓')} ${entry.path}  ${entry.tests.length} ${entry.tests.length === 1 ? 'test' : 'tests'}${took}${flaky}`,
    )
  }
  const reason = entry.reasons.find((item) => item.kind !== 'all' && item.kind !== 'retry')
  if (reason !== undefined && entry.attempts <= 1)
    lines.push(style.dim(`    because ${describeReason(reason)}`))
  const errors = [
    ...entry.errors.map((error) => ({ name: null as string | null, error })),
    ...failed.flatMap((test) => test.errors.map((error) => ({ name: test.name, error }))),
  ]
  for (const { name, error } of errors) {
    if (name !== null) lines.push(`    ${style.red('✗')} ${name}`)
    lines.push(`      ${error.message.split('\n')[0] ?? ''}`)
    if (error.location !== undefined)
      lines.push(
        style.dim(
          `      at ${relative(error.location.file)}:${error.location.line}:${error.location.column}`,
        ),
      )
  }
  return lines
}
