import { execFileSync } from 'node:child_process'
import { createLabels, type InstanceSpec, LABELS } from '@hearth/driver'
import { computeSpecHash, type NormalizedService, type ServiceDefinition } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { DockerDriver } from '../src/index.js'

/** The test image built by scripts/ (static busybox: sh, httpd, nc, sleep, wget). */
export const TOOLBOX = 'hearth-test/toolbox:1'

/** A service as hearth would hand it over: defined like a user would, then validated. */
export function service(
  root: string,
  definition: ServiceDefinition,
  name = 'svc',
  environment = 'env',
): NormalizedService {
  const result = validateConfig(
    { environments: [{ name: environment, services: { [name]: definition } }] },
    { root, file: 'hearth.config.ts', defaultProject: 'test' },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  return result.config.environments[environment]?.services[name] as NormalizedService
}

export function specFor(
  projectId: string,
  root: string,
  definition: NormalizedService,
  inputs: { image?: string } = {},
): InstanceSpec {
  const specHash = computeSpecHash(definition, inputs)
  const identity = {
    project: 'test',
    projectId,
    environment: definition.environment,
    service: definition.name,
  }
  return {
    identity,
    specHash,
    labels: createLabels(identity, definition.kind, specHash, '0.0.0-test'),
    service: definition,
    root,
  }
}

/** `docker <args>` through the CLI: the tests check the engine with a tool other than the driver. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim()
}

/** Names of containers, networks and volumes that carry the project id. */
export function leftovers(projectId: string): string[] {
  const filter = `label=${LABELS.projectId}=${projectId}`
  return [
    ...docker('ps', '-a', '--filter', filter, '--format', '{{.Names}}').split('\n'),
    ...docker('network', 'ls', '--filter', filter, '--format', '{{.Name}}').split('\n'),
    ...docker('volume', 'ls', '--filter', filter, '--format', '{{.Name}}').split('\n'),
  ].filter((line) => line !== '')
}

/** Removes what any test of this file left (by the project ids it used). */
export async function removeAll(projectIds: readonly string[]): Promise<void> {
  const driver = new DockerDriver()
  for (const projectId of projectIds) await driver.removeProjectResources(projectId)
}
