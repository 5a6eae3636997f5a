import {
  type HearthState,
  type ServiceState,
  selectEnvironmentStatus,
  selectRedactedState,
  selectServices,
} from '@hearth/core'
import { formatDuration } from '@hearth/environments'
import type { Style } from '../style.js'
import { stripAnsi } from '../style.js'

/** What `hearth status --json` prints. Versioned: fields are added, never renamed. */
export interface StatusJson {
  version: 1
  project: { name: string; id: string; root: string }
  environments: Array<{
    name: string
    status: string
    services: Array<{
      name: string
      kind: string
      /**
       * What runs: `container` or `process` as configured, or `stand-in` where a container runs as
       * its fallback process (an embedded PostgreSQL, a local redis-server); null when nothing runs.
       */
      runsAs: 'container' | 'process' | 'job' | 'stand-in' | null
      /** The stand-in's description (`embedded PostgreSQL 16`), when one runs and says what it is. */
      standIn: string | null
      state: ServiceRunState
      outdated: boolean
      /** Why hearth cannot vouch for the instance (its record is lost or unreadable), else null. */
      damaged: string | null
      exitCode: number | null
      instance: {
        id: string
        driver: string
        host: string
        ports: Record<string, number>
        createdAt: string
      } | null
      outputs: Record<string, string>
    }>
  }>
}

export type ServiceRunState = 'running' | 'completed' | 'exited' | 'stopped'

/** A service as `status` reports it: from what `observe` found. */
export function runStateOf(service: ServiceState): ServiceRunState {
  if (service.status === 'ready') return 'running'
  if (service.status === 'completed') return 'completed'
  if (service.instance !== null) return 'exited'
  return 'stopped'
}

/** `status --json`, secrets masked (`postgres://postgres:***@…`): the tests get the values, not the report. */
export function toStatusJson(observed: HearthState, environments: readonly string[]): StatusJson {
  const state = selectRedactedState(observed)
  const project = state.project as NonNullable<HearthState['project']>
  return {
    version: 1,
    project: { name: project.name, id: project.id, root: project.root },
    environments: environments.map((name) => ({
      name,
      status: selectEnvironmentStatus(state, name),
      services: selectServices(state, name).map((service) => ({
        name: service.name,
        kind: service.kind,
        runsAs: runsAsOf(service),
        standIn: runsAsOf(service) === 'stand-in' ? standInOf(state, service) : null,
        state: runStateOf(service),
        outdated: service.outdated,
        damaged: service.instance?.damaged ?? null,
        exitCode: service.exitCode,
        instance:
          service.instance === null
            ? null
            : {
                id: service.instance.id,
                driver: service.instance.driver,
                host: service.instance.host,
                ports: { ...service.instance.ports },
                createdAt: new Date(service.instance.createdAt).toISOString(),
              },
        outputs: { ...service.outputs },
      })),
    })),
  }
}

/** What runs for a service: a container running as its fallback process is a stand-in. */
function runsAsOf(service: ServiceState): StatusJson['environments'][number]['services'][number]['runsAs'] {
  if (service.instance === null) return null
  if (service.kind === 'container' && service.instance.driver !== 'docker') return 'stand-in'
  return service.kind
}

function standInOf(state: HearthState, service: ServiceState): string | null {
  const definition = state.config?.environments[service.environment]?.services[service.name]
  return definition?.kind === 'container' ? (definition.fallback?.description ?? null) : null
}

/** The status table for people, secrets masked. */
export function formatStatusTable(
  observed: HearthState,
  environments: readonly string[],
  style: Style,
  now: number,
): string {
  const state = selectRedactedState(observed)
  const header = ['ENVIRONMENT', 'SERVICE', 'KIND', 'STATE', 'UP', 'ENDPOINTS']
  const rows: string[][] = []
  for (const name of environments) {
    for (const service of selectServices(state, name)) {
      const runState = runStateOf(service)
      let shown: string = runState
      if (runState === 'running') shown = style.green('running')
      if (runState === 'exited') shown = style.red(`exited (${service.exitCode ?? 'killed'})`)
      if (runState === 'stopped') shown = style.dim('stopped')
      if (service.outdated) shown = `${shown} ${style.yellow('(outdated)')}`
      const damaged = service.instance?.damaged
      if (damaged !== undefined) shown = `${shown} ${style.yellow('(damaged)')}`
      const up =
        runState === 'running' && service.instance !== null && service.instance.createdAt > 0
          ? formatDuration(now - service.instance.createdAt)
          : ''
      const endpoints =
        damaged !== undefined
          ? style.yellow(`${damaged}; \`hearth up\` replaces it, \`hearth down\` stops it`)
          : Object.entries(service.outputs)
              .filter(([key]) => key !== 'host')
              .map(([key, value]) => `${key}=${value}`)
              .join(' ')
      const kind =
        runsAsOf(service) === 'stand-in'
          ? style.yellow(
              `stand-in${standInOf(state, service) === null ? '' : `: ${standInOf(state, service)}`}`,
            )
          : service.kind
      rows.push([name, service.name, kind, shown, up, endpoints])
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => stripAnsi(row[column] ?? '').length)),
  )
  const render = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : cell + ' '.repeat((widths[column] ?? 0) - stripAnsi(cell).length),
      )
      .join('  ')
      .trimEnd()
  return [style.bold(render(header)), ...rows.map(render)].join('\n')
}
