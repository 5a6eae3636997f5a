import { fileURLToPath } from 'node:url'
import { type Instance, LABELS } from '@hearth/driver'
import type { ConformanceFixtures } from '@hearth/driver/testing'
import { expect } from 'vitest'
import { docker, leftovers, service, TOOLBOX } from './helpers.js'

export const root = fileURLToPath(new URL('./fixtures', import.meta.url))

/**
 * The toolbox fixtures: a busybox httpd serving an index, a crash, a shell that ignores SIGTERM,
 * a job. Every one prints what the suite looks for. The server prints `ready` just before httpd
 * binds (busybox httpd has no "listening" hook; it binds within milliseconds), so by the time the
 * port answers, `ready` is in the log.
 */
const server = [
  'echo "hello $GREETING"',
  'mkdir -p /tmp/www && echo hello > /tmp/www/index.html',
  'echo ready',
  'exec busybox httpd -f -p 8080 -h /tmp/www',
].join('\n')

const env = { GREETING: 'conformance' }

export const fixtures: ConformanceFixtures = {
  server: () =>
    service(root, {
      kind: 'container',
      image: TOOLBOX,
      pull: 'never',
      command: server,
      ports: { main: 8080 },
      env,
    }),
  crash: (code) =>
    service(root, {
      kind: 'container',
      image: TOOLBOX,
      pull: 'never',
      command: `echo bye; sleep 0.1; exit ${code}`,
      env,
    }),
  stubborn: () =>
    service(root, {
      kind: 'container',
      image: TOOLBOX,
      pull: 'never',
      command: "trap '' TERM; echo trapping; while true; do sleep 0.1; done",
      env,
    }),
  job: (code) =>
    service(root, { kind: 'job', image: TOOLBOX, command: `echo "job done"; exit ${code}`, env }),
}

interface EngineView {
  Config: { Labels: Record<string, string> | null }
  HostConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null }
  NetworkSettings: {
    Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null
    Networks: Record<string, { IPAddress: string }>
  }
}

/**
 * How the engine itself sees an instance the suite started, asked through the docker CLI rather
 * than the driver: the container and every network it is on carry hearth's labels; its ports are
 * published on 127.0.0.1 only, on the host ports the instance reports; and the instance's host is
 * loopback, never one of the container's own (bridge) addresses.
 */
export function checkWithTheEngine(instance: Instance, projectId: string): void {
  const [info] = JSON.parse(docker('container', 'inspect', instance.id)) as EngineView[]
  if (info === undefined) throw new Error(`the engine does not know ${instance.id}`)
  expect(info.Config.Labels).toMatchObject({ ...instance.labels, [LABELS.managed]: 'true' })
  expect(instance.labels[LABELS.projectId]).toBe(projectId)

  expect(instance.host).toBe('127.0.0.1')
  const requested = Object.values(info.HostConfig.PortBindings ?? {}).flatMap((bindings) => bindings ?? [])
  expect(requested.map((binding) => binding.HostIp)).toEqual(requested.map(() => '127.0.0.1'))
  // A container that has already exited (the crash, the jobs) publishes nothing any more.
  const published = Object.values(info.NetworkSettings.Ports ?? {}).flatMap((bindings) => bindings ?? [])
  if (published.length > 0) {
    expect(published.map((binding) => binding.HostIp)).toEqual(published.map(() => '127.0.0.1'))
    expect(published.map((binding) => Number(binding.HostPort)).sort()).toEqual(
      Object.values(instance.ports).sort(),
    )
  }
  const networks = Object.keys(info.NetworkSettings.Networks)
  expect(Object.values(info.NetworkSettings.Networks).map((network) => network.IPAddress)).not.toContain(
    instance.host,
  )
  expect(networks).not.toEqual([])
  for (const network of JSON.parse(docker('network', 'inspect', ...networks)) as Array<{
    Name: string
    Labels: Record<string, string> | null
  }>) {
    expect({ network: network.Name, labels: network.Labels }).toMatchObject({
      labels: { [LABELS.managed]: 'true', [LABELS.projectId]: projectId },
    })
  }
}

/**
 * What the engine still holds of a project: containers, networks and volumes that carry its id,
 * and, by name (every name hearth gives starts `hearth-<projectId>-`), any that lost their labels.
 */
export function remainsOf(projectId: string): string[] {
  const named = `name=hearth-${projectId}-`
  const byName = [
    ...docker('ps', '-a', '--filter', named, '--format', '{{.Names}}').split('\n'),
    ...docker('network', 'ls', '--filter', named, '--format', '{{.Name}}').split('\n'),
    ...docker('volume', 'ls', '--filter', named, '--format', '{{.Name}}').split('\n'),
  ]
  return [...new Set([...leftovers(projectId), ...byName])].filter((line) => line !== '').sort()
}
