import {
  type Action,
  type HearthState,
  type HearthStore,
  type ServiceState,
  selectStartDuration,
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
 * the state through the same selectors as the TUI.
 */
export function attachLineReporter({ store, write, style }: LineReporterOptions): () => void {
  // A pull or build reports often; a log wants a line when what it does changes, not every tick.
  const preparing = new Map<string, string>()
  return store.subscribeActions((action, state) => {
    if (action.type === 'service/preparing') {
      if (preparing.get(action.key) === action.message) return
      preparing.set(action.key, action.message)
    }
    for (const line of formatAction(action, state, style)) write(line)
  })
}

/** The lines one action adds to the log; pure, so it is tested on its own. */
export function formatAction(action: Action, state: HearthState, style: Style): string[] {
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
      return [style.yellow(`! interrupted (${action.signal}): stopping what this run started…`)]
    case 'project/loaded':
    case 'session/failed':
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
      const replaced = (action.replaced ?? 0) > 0 ? 'replaced its outdated instance · ' : ''
      const detail = `${replaced}${where === '' ? '' : `${where} · `}waiting until ready`
      return [row(' ', name, 'started', style.dim(detail))]
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
        row(style.yellow('!'), name, 'fallback', `${action.reason}: running its local stand-in instead`),
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
