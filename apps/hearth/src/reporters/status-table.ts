import { type HearthState, type ServiceState, selectEnvironmentStatus, selectServices } from '@hearth/core'
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
      state: ServiceRunState
      outdated: boolean
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

export function toStatusJson(state: HearthState, environments: readonly string[]): StatusJson {
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
        state: runStateOf(service),
        outdated: service.outdated,
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

/** The status table for people. */
export function formatStatusTable(
  state: HearthState,
  environments: readonly string[],
  style: Style,
  now: number,
): string {
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
      const up =
        runState === 'running' && service.instance !== null
          ? formatDuration(now - service.instance.createdAt)
          : ''
      const endpoints = Object.entries(service.outputs)
        .filter(([key]) => key !== 'host')
        .map(([key, value]) => `${key}=${value}`)
        .join(' ')
      rows.push([name, service.name, service.kind, shown, up, endpoints])
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
