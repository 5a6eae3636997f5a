import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLabels, type InstanceSpec } from '@hearth/driver'
import { computeSpecHash, type NormalizedService, type ServiceDefinition } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'

/** The fixture scripts, and the project root the tests hand the driver. */
export const fixtures = path.dirname(fileURLToPath(import.meta.url)).concat('/fixtures')
export const root = fixtures

/** A service as hearth would hand it over: defined like a user would, then validated. */
export function service(definition: ServiceDefinition, name = 'svc'): NormalizedService {
  const result = validateConfig(
    { environments: [{ name: 'env', services: { [name]: definition } }] },
    { root, file: 'hearth.config.ts', defaultProject: 'test' },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  return result.config.environments.env?.services[name] as NormalizedService
}

/** The argv that runs a fixture script with this Node. */
export const node = (script: string, ...args: string[]): string[] => [
  process.execPath,
  path.join(fixtures, script),
  ...args,
]

/** What core would hand `start` for this service of the project. */
export function specFor(
  projectId: string,
  definition: NormalizedService,
  name = definition.name,
): InstanceSpec {
  const specHash = computeSpecHash(definition)
  const identity = { project: 'test', projectId, environment: 'env', service: name }
  return {
    identity,
    specHash,
    labels: createLabels(identity, definition.kind, specHash, '0.0.0-test'),
    service: definition,
    root,
  }
}

/** Polls `check` every 25 ms until it holds; fails after `withinMs` (generous: machines are busy). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, withinMs = 30_000) {
  const deadline = Date.now() + withinMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
