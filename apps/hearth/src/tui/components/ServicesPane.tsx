import type { ServiceKey, ServiceState } from '@hearth/core'
import { formatDuration } from '@hearth/environments'
import { Box } from 'ink'
import type { Tone } from '../palette.js'
import {
  type EnvironmentGroup,
  isServiceMoving,
  selectDriverLabel,
  selectEndpoint,
  selectReadiness,
  selectUpSince,
  selectWindow,
} from '../selectors.js'
import { alignRight, fitAddress, fitEnd, fitMiddle, formatAge } from '../text.js'
import { useTui } from '../tui-context.js'
import { PaneTitle, Row, Styled, spinnerFrame } from './Styled.js'

export interface ServicesPaneProps {
  groups: readonly EnvironmentGroup[]
  restarts: ReadonlyMap<ServiceKey, number>
  selected: ServiceKey | null
  focused: boolean
  width: number
  /** Rows, the title included. */
  height: number
  tick: number
}

type ListRow = { kind: 'environment'; group: EnvironmentGroup } | { kind: 'service'; service: ServiceState }

/**
 * One row per service, grouped by environment: its status (a spinner while it moves, with how long
 * it took to be ready), where it runs, uptime, restarts and its environment's last reset.
 */
export function ServicesPane({
  groups,
  restarts,
  selected,
  focused,
  width,
  height,
  tick,
}: ServicesPaneProps) {
  const { now } = useTui()
  const at = now()
  const several = groups.length > 1
  const rows: ListRow[] = groups.flatMap((group) => [
    ...(several ? [{ kind: 'environment' as const, group }] : []),
    ...group.services.map((service) => ({ kind: 'service' as const, service })),
  ])
  const services = groups.flatMap((group) => group.services)
  const nameWidth = Math.min(20, Math.max(4, ...services.map((service) => service.name.length)))
  const selectedIndex = rows.findIndex((row) => row.kind === 'service' && row.service.key === selected)
  const visible = selectWindow(rows.length, Math.max(0, selectedIndex), height - 1)
  const only = groups.length === 1 ? groups[0] : undefined
  const summary = only === undefined ? `${groups.length} environments` : `${only.name} ${only.status}`
  const position = rows.length > height - 1 ? ` · ${visible.start + 1}–${visible.end} of ${rows.length}` : ''
  const columns = serviceColumns(services, restarts, width, nameWidth, several, at)
  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      <PaneTitle name="services" focused={focused}>
        <Styled dim>{groups.length === 0 ? 'no environments in the config' : `${summary}${position}`}</Styled>
      </PaneTitle>
      {rows.slice(visible.start, visible.end).map((row) =>
        row.kind === 'environment' ? (
          <Row key={`environment:${row.group.name}`}>
            <Styled bold>{`  ${row.group.name}`}</Styled>
            <Styled dim>{` ${row.group.status}`}</Styled>
          </Row>
        ) : (
          <ServiceRow
            key={row.service.key}
            service={row.service}
            restarts={restarts}
            selected={row.service.key === selected}
            focused={focused}
            nameWidth={nameWidth}
            columns={columns}
            now={at}
            tick={tick}
            indent={several}
          />
        ),
      )}
    </Box>
  )
}

/** The optional cells at the right of the rows, and the width left for the address. */
interface ServiceColumns {
  cells: ReadonlyArray<{ name: 'up' | 'restarts' | 'reset'; width: number }>
  endpoint: number
}

const STATUS_WIDTH = 13
const DRIVER_WIDTH = 9

/**
 * Which optional cells the rows show: only those some service has a value for (an uptime, a
 * restart, a reset), and only while the address keeps 16 columns; the least useful go first.
 */
function serviceColumns(
  services: readonly ServiceState[],
  restarts: ReadonlyMap<ServiceKey, number>,
  width: number,
  nameWidth: number,
  indent: boolean,
  now: number,
): ServiceColumns {
  const lead = (indent ? 3 : 1) + 2 + nameWidth + 1 + STATUS_WIDTH + 1 + DRIVER_WIDTH + 1
  const wanted = [
    { name: 'up' as const, width: 7, present: services.some((service) => selectUpSince(service) !== null) },
    {
      name: 'restarts' as const,
      width: 4,
      present: services.some((service) => (restarts.get(service.key) ?? 0) > 0),
    },
    {
      name: 'reset' as const,
      width: 3 + Math.max(...services.map((service) => cellText('reset', service, restarts, now).length)),
      present: services.some((service) => service.lastResetAt !== null),
    },
  ].filter((cell) => cell.present)
  let cells = wanted
  const used = () => cells.reduce((sum, cell) => sum + cell.width, 0)
  while (cells.length > 0 && width - lead - used() < 16) cells = cells.slice(0, -1)
  // No wider than the longest address: on a wide terminal the cells stay next to it.
  const longest = Math.max(16, ...services.map((service) => selectEndpoint(service).length + 1))
  return { cells, endpoint: Math.max(8, Math.min(longest, width - lead - used())) }
}

function cellText(
  name: ServiceColumns['cells'][number]['name'],
  service: ServiceState,
  restarts: ReadonlyMap<ServiceKey, number>,
  now: number,
): string {
  switch (name) {
    case 'up': {
      const since = selectUpSince(service)
      return since === null ? '' : `up ${formatAge(now - since)}`
    }
    case 'restarts': {
      const count = restarts.get(service.key) ?? 0
      return count > 0 ? `↻${count}` : ''
    }
    case 'reset':
      return service.lastResetAt === null ? '' : `reset ${formatAge(now - service.lastResetAt)}`
  }
}

function ServiceRow({
  service,
  restarts,
  selected,
  focused,
  nameWidth,
  columns,
  now,
  tick,
  indent,
}: {
  service: ServiceState
  restarts: ReadonlyMap<ServiceKey, number>
  selected: boolean
  focused: boolean
  nameWidth: number
  columns: ServiceColumns
  now: number
  tick: number
  indent: boolean
}) {
  const { mark, tone } = serviceMark(service, tick)
  const status = statusCell(service, now)
  return (
    <Row>
      <Styled bold>{`${indent ? '  ' : ''}${selected ? '›' : ' '}`}</Styled>
      <Styled tone={tone}>{mark}</Styled>{' '}
      <Styled inverse={selected && focused} bold={selected}>
        {fitMiddle(service.name, nameWidth)}
      </Styled>{' '}
      <Styled tone={status.tone} dim={status.tone === null}>
        {fitEnd(status.text, STATUS_WIDTH)}
      </Styled>{' '}
      <Styled tone={service.fallback === null ? null : 'warn'} dim={service.fallback === null}>
        {fitEnd(selectDriverLabel(service), DRIVER_WIDTH)}
      </Styled>{' '}
      {fitAddress(selectEndpoint(service), columns.endpoint)}
      {columns.cells.map((cell) => (
        <Styled key={cell.name} dim>
          {alignRight(cellText(cell.name, service, restarts, now), cell.width)}
        </Styled>
      ))}
    </Row>
  )
}

/** The mark before a service: a spinner while it moves, ✓ ready, ✗ failed, - not started. */
function serviceMark(service: ServiceState, tick: number): { mark: string; tone: Tone | null } {
  if (service.failure !== null)
    return service.failure.blockedBy === null ? { mark: '✗', tone: 'fail' } : { mark: '-', tone: null }
  if (isServiceMoving(service)) return { mark: spinnerFrame(tick), tone: 'active' }
  if (service.status === 'ready' || service.status === 'completed') return { mark: '✓', tone: 'ok' }
  return { mark: '·', tone: null }
}

/** The status word, with how long it took to be ready, or how long it has been starting. */
function statusCell(service: ServiceState, now: number): { text: string; tone: Tone | null } {
  if (service.failure !== null)
    return service.failure.blockedBy === null
      ? { text: 'failed', tone: 'fail' }
      : { text: 'not started', tone: null }
  if (service.restarting && (service.status === 'stopping' || service.status === 'waiting'))
    return { text: 'restarting', tone: 'active' }
  const since = (from: number | null) =>
    from === null ? '' : ` ${Math.floor(Math.max(0, now - from) / 1000)}s`
  switch (service.status) {
    case 'ready':
    case 'completed': {
      const took = selectReadiness(service)
      const word = service.status === 'ready' ? 'ready' : 'done'
      return { text: took === null ? word : `${word} ${formatDuration(took)}`, tone: 'ok' }
    }
    case 'starting':
      if (service.preparing !== null) {
        const fraction = service.preparing.fraction
        return {
          text: fraction === null ? 'preparing' : `preparing ${Math.round(fraction * 100)}%`,
          tone: 'active',
        }
      }
      return { text: `starting${since(service.startingAt)}`, tone: 'active' }
    case 'probing':
      return { text: `probing${since(service.startedAt)}`, tone: 'active' }
    case 'waiting':
      return { text: 'waiting', tone: 'active' }
    case 'stopping':
      return { text: 'stopping', tone: 'active' }
    default:
      return { text: service.status, tone: null }
  }
}
