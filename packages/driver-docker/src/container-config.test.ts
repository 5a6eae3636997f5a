import { createLabels } from '@hearth/driver'
import type { NormalizedService, ServiceDefinition } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { describe, expect, it } from 'vitest'
import {
  containerLookup,
  createContainerOptions,
  hostPorts,
  namedVolumes,
  networkName,
  parseVolume,
  sharedResourceLabels,
} from './container-config.js'

const root = '/work/shop'
const identity = { project: 'shop', projectId: 'shop-1a2b3c4d', environment: 'checkout', service: 'api' }
const labels = createLabels(identity, 'container', 'hash123', '0.1.0')

function service(definition: ServiceDefinition): NormalizedService {
  const result = validateConfig(
    { environments: [{ name: 'checkout', services: { api: definition } }] },
    { root, file: 'hearth.config.ts', defaultProject: 'shop' },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues))
  return result.config.environments.checkout?.services.api as NormalizedService
}

describe('createContainerOptions', () => {
  it('publishes on loopback, runs an init, labels, joins the network by service name, renders its own templates', () => {
    const api = service({
      kind: 'container',
      image: 'shop/api:1',
      command: ['serve', '--port', '{{ports.http}}'],
      env: { PUBLIC_URL: 'http://{{host}}:{{ports.http}}', MODE: 'test' },
      ports: { http: 8080, debug: { container: 9229, host: 19229 } },
      volumes: ['data:/var/lib/api', './fixtures:/fixtures:ro'],
      healthcheck: { command: 'wget -q -O- http://127.0.0.1:{{ports.http}}/health', intervalMs: 200 },
    })
    const network = networkName(identity.projectId, identity.environment)
    expect(
      createContainerOptions({
        identity,
        name: 'hearth-x',
        image: 'sha256:abc',
        network,
        labels,
        root,
        service: api,
      }),
    ).toEqual({
      name: 'hearth-x',
      Image: 'sha256:abc',
      Hostname: 'api',
      Cmd: ['serve', '--port', '8080'],
      Env: ['PUBLIC_URL=http://api:8080', 'MODE=test'],
      Labels: { ...labels, 'dev.hearth.ports': '{"http":"8080/tcp","debug":"9229/tcp"}' },
      ExposedPorts: { '8080/tcp': {}, '9229/tcp': {} },
      HostConfig: {
        Init: true,
        PortBindings: {
          '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '9229/tcp': [{ HostIp: '127.0.0.1', HostPort: '19229' }],
        },
        Binds: ['hearth-shop-1a2b3c4d-checkout-api-data:/var/lib/api', '/work/shop/fixtures:/fixtures:ro'],
        NetworkMode: 'hearth-shop-1a2b3c4d-checkout',
        RestartPolicy: { Name: 'no' },
      },
      NetworkingConfig: { EndpointsConfig: { 'hearth-shop-1a2b3c4d-checkout': { Aliases: ['api'] } } },
      Healthcheck: {
        Test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8080/health'],
        Interval: 200_000_000,
        Timeout: 5_000_000_000,
        Retries: 30,
        StartPeriod: 0,
      },
    })
  })

  it('runs a shell command through /bin/sh and keeps the image’s command when there is none', () => {
    const shell = service({ kind: 'container', image: 'x', command: 'echo $HOME && sleep 1' })
    const plan = { identity, name: 'n', image: 'x', network: 'net', labels, root }
    expect(createContainerOptions({ ...plan, service: shell }).Cmd).toEqual([
      '/bin/sh',
      '-c',
      'echo $HOME && sleep 1',
    ])
    const none = service({ kind: 'container', image: 'x' })
    expect(createContainerOptions({ ...plan, service: none })).not.toHaveProperty('Cmd')
  })
})

describe('volumes', () => {
  it('tells named volumes from project folders', () => {
    expect(parseVolume('pgdata:/var/lib/postgresql/data', root, 'db')).toEqual({
      type: 'volume',
      name: 'pgdata',
      target: '/var/lib/postgresql/data',
      readOnly: false,
    })
    expect(parseVolume('./seed:/seed:ro', root, 'db')).toEqual({
      type: 'bind',
      source: '/work/shop/seed',
      target: '/seed',
      readOnly: true,
    })
    expect(parseVolume('../shared:/shared:rw', root, 'db')).toMatchObject({
      source: '/work/shared',
      readOnly: false,
    })
    expect(parseVolume('/etc/ssl:/ssl:ro', root, 'db')).toMatchObject({ type: 'bind', source: '/etc/ssl' })
    expect(() => parseVolume('bad name:/x', root, 'db')).toThrow(
      'invalid volume name "bad name" in "bad name:/x" of db',
    )
  })

  it('names a service’s named volumes per project, environment and service', () => {
    const api = service({ kind: 'container', image: 'x', volumes: ['a:/a', './b:/b', 'c:/c:ro'] })
    expect(namedVolumes(api, identity, root)).toEqual([
      'hearth-shop-1a2b3c4d-checkout-api-a',
      'hearth-shop-1a2b3c4d-checkout-api-c',
    ])
  })

  it('labels networks and volumes with the project and environment, not the spec hash', () => {
    expect(sharedResourceLabels(labels, false)).toEqual({
      'dev.hearth.managed': 'true',
      'dev.hearth.project': 'shop',
      'dev.hearth.project-id': 'shop-1a2b3c4d',
      'dev.hearth.environment': 'checkout',
      'dev.hearth.version': '0.1.0',
    })
    expect(sharedResourceLabels(labels, true)).toMatchObject({ 'dev.hearth.service': 'api' })
  })
})

describe('ports', () => {
  it('reads the loopback host port of each named port back from an inspect', () => {
    expect(
      hostPorts('{"http":"8080/tcp","debug":"9229/tcp","gone":"1/tcp"}', {
        '8080/tcp': [
          { HostIp: '0.0.0.0', HostPort: '1111' },
          { HostIp: '127.0.0.1', HostPort: '49153' },
        ],
        '9229/tcp': [{ HostIp: '127.0.0.1', HostPort: '19229' }],
        '1/tcp': null,
      }),
    ).toEqual({ http: 49153, debug: 19229 })
    expect(hostPorts(undefined, undefined)).toEqual({})
    expect(hostPorts('not json', {})).toEqual({})
  })

  it('renders a container’s own templates with its container ports and its service name', () => {
    const lookup = containerLookup(service({ kind: 'container', image: 'x', ports: { http: 8080 } }))
    expect(lookup('host')).toBe('api')
    expect(lookup('ports.http')).toBe('8080')
    expect(lookup('ports.other')).toBeUndefined()
  })
})
