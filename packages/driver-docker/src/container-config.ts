import path from 'node:path'
import { DriverError, LABELS, type Labels, type ServiceIdentity } from '@hearth/driver'
import {
  lookupIn,
  type NormalizedCommand,
  type NormalizedService,
  renderTemplate,
} from '@hearth/environments'
import type Docker from 'dockerode'

/**
 * Labels only the Docker driver reads, beside hearth's own (`LABELS` in @hearth/driver).
 * `ports` maps each port name to its container port (`{"main":"8080/tcp"}`), so that `list` in a
 * later hearth process can say which host port is which.
 */
export const DOCKER_LABELS = {
  ports: 'dev.hearth.ports',
} as const

/** Where published ports listen: loopback only, never the machine's other addresses. */
export const LOOPBACK = '127.0.0.1'

/** `hearth-<projectId>-<environment>`: one network per environment; its containers find each other by service name. */
export function networkName(projectId: string, environment: string): string {
  return `hearth-${projectId}-${environment}`
}

/** `hearth-<projectId>-<environment>-<service>-<suffix>`. */
export function containerName(identity: ServiceIdentity, suffix: string): string {
  return `hearth-${identity.projectId}-${identity.environment}-${identity.service}-${suffix}`
}

/** `hearth-<projectId>-<environment>-<service>-<volume>`: a named volume belongs to one service. */
export function volumeName(identity: ServiceIdentity, volume: string): string {
  return `hearth-${identity.projectId}-${identity.environment}-${identity.service}-${volume}`
}

/**
 * The labels of a network (`service: false`) or a volume: hearth's marker, the project and the
 * environment (and the service), but not the spec hash or the kind, which belong to a container.
 */
export function sharedResourceLabels(labels: Labels, withService: boolean): Record<string, string> {
  const keys: string[] = [
    LABELS.managed,
    LABELS.project,
    LABELS.projectId,
    LABELS.environment,
    LABELS.version,
  ]
  if (withService) keys.push(LABELS.service)
  const picked: Record<string, string> = {}
  for (const key of keys) {
    const value = labels[key]
    if (value !== undefined) picked[key] = value
  }
  return picked
}

export type VolumeMount =
  | { type: 'volume'; name: string; target: string; readOnly: boolean }
  | { type: 'bind'; source: string; target: string; readOnly: boolean }

/**
 * `name:/path[:ro]` is a named volume; `./rel:/path`, `../rel:/path` and `/abs:/path` are bind
 * mounts, relative ones resolved against the project root.
 */
export function parseVolume(volume: string, root: string, service: string): VolumeMount {
  const match = /^([^:]+):(\/[^:]*)(?::(ro|rw))?$/.exec(volume)
  if (match === null) {
    throw new DriverError(
      'start-failed',
      `invalid volume "${volume}" of ${service}`,
      'write "name:/path/in/container" or "./folder:/path/in/container[:ro]"',
    )
  }
  const [, source = '', target = '', mode] = match
  const readOnly = mode === 'ro'
  if (source.startsWith('.') || source.startsWith('/')) {
    return { type: 'bind', source: path.resolve(root, source), target, readOnly }
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source)) {
    throw new DriverError(
      'start-failed',
      `invalid volume name "${source}" in "${volume}" of ${service}`,
      'use letters, digits, "_", "." and "-"; start a path to a folder with "./"',
    )
  }
  return { type: 'volume', name: source, target, readOnly }
}

/**
 * What a container's own templates mean. A container's env and command are fixed when it is
 * created, before the engine picks host ports, so there `{{ports.<name>}}` is the CONTAINER port
 * (the one the service must listen on) and `{{host}}` is the service's name on the environment
 * network (which the service itself and its siblings resolve). The host side is in the outputs.
 */
export function containerLookup(service: NormalizedService): (key: string) => string | undefined {
  const ports: Record<string, number> = {}
  for (const port of service.ports) if (port.container !== null) ports[port.name] = port.container
  return lookupIn({ host: service.name, ports })
}

export function toArgv(command: NormalizedCommand, lookup: (key: string) => string | undefined): string[] {
  if ('shell' in command) return ['/bin/sh', '-c', renderTemplate(command.shell, lookup)]
  return command.argv.map((arg) => renderTemplate(arg, lookup))
}

export interface ContainerPlan {
  identity: ServiceIdentity
  name: string
  image: string
  network: string
  labels: Labels
  root: string
  service: NormalizedService
}

/**
 * The engine's create request for one service. Ports are published on 127.0.0.1 only, on a port
 * the engine picks unless the service fixes one; `Init` runs a tiny init as PID 1 that forwards
 * signals and reaps children, so a service that ignores SIGTERM still stops on time.
 */
export function createContainerOptions(plan: ContainerPlan): Docker.ContainerCreateOptions {
  const { service } = plan
  const lookup = containerLookup(service)
  const { identity } = plan
  const env = Object.entries(service.env).map(([name, value]) => `${name}=${renderTemplate(value, lookup)}`)

  const exposed: Record<string, object> = {}
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {}
  const portMap: Record<string, string> = {}
  for (const port of service.ports) {
    if (port.container === null) continue
    const key = `${port.container}/${port.protocol}`
    exposed[key] = {}
    bindings[key] = [{ HostIp: LOOPBACK, HostPort: port.host === null ? '' : String(port.host) }]
    portMap[port.name] = key
  }

  const binds: string[] = []
  if (service.kind === 'container') {
    for (const volume of service.volumes) {
      const mount = parseVolume(volume, plan.root, service.name)
      const source = mount.type === 'bind' ? mount.source : volumeName(identity, mount.name)
      binds.push(`${source}:${mount.target}${mount.readOnly ? ':ro' : ''}`)
    }
  }

  const command = service.kind === 'process' ? null : service.command
  const healthcheck = service.kind === 'container' ? service.healthcheck : null
  const options: Docker.ContainerCreateOptions = {
    name: plan.name,
    Image: plan.image,
    Hostname: service.name,
    Env: env,
    Labels: { ...plan.labels, [DOCKER_LABELS.ports]: JSON.stringify(portMap) },
    ExposedPorts: exposed,
    HostConfig: {
      Init: true,
      PortBindings: bindings,
      Binds: binds,
      NetworkMode: plan.network,
      RestartPolicy: { Name: 'no' },
    },
    NetworkingConfig: { EndpointsConfig: { [plan.network]: { Aliases: [service.name] } } },
  }
  if (command !== null) options.Cmd = toArgv(command, lookup)
  if (healthcheck !== null) {
    // Docker 20.10 has no StartInterval: the first check runs one interval after start.
    const test =
      'shell' in healthcheck.command
        ? ['CMD-SHELL', renderTemplate(healthcheck.command.shell, lookup)]
        : ['CMD', ...healthcheck.command.argv.map((arg) => renderTemplate(arg, lookup))]
    options.Healthcheck = {
      Test: test,
      Interval: healthcheck.intervalMs * 1_000_000,
      Timeout: healthcheck.timeoutMs * 1_000_000,
      Retries: healthcheck.retries,
      StartPeriod: 0,
    }
  }
  return options
}

/** The named volumes a service's container mounts, by their engine names. */
export function namedVolumes(service: NormalizedService, identity: ServiceIdentity, root: string): string[] {
  if (service.kind !== 'container') return []
  return service.volumes
    .map((volume) => parseVolume(volume, root, service.name))
    .filter((mount) => mount.type === 'volume')
    .map((mount) => volumeName(identity, (mount as { name: string }).name))
}

/** The host port of each named port, from an inspect's `NetworkSettings.Ports`, loopback bindings only. */
export function hostPorts(
  portLabel: string | undefined,
  published:
    | Readonly<Record<string, ReadonlyArray<{ HostIp?: string; HostPort?: string }> | null>>
    | undefined,
): Record<string, number> {
  const ports: Record<string, number> = {}
  let map: Record<string, string> = {}
  try {
    map = JSON.parse(portLabel ?? '{}') as Record<string, string>
  } catch {
    return ports
  }
  for (const [name, key] of Object.entries(map)) {
    const binding = published?.[key]?.find((entry) => entry.HostIp === LOOPBACK) ?? published?.[key]?.[0]
    const port = Number(binding?.HostPort)
    if (Number.isInteger(port) && port > 0) ports[name] = port
  }
  return ports
}
