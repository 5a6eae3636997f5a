import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSession, type HearthState, type ServiceState, type Session } from '@hearth/core'
import type { Driver } from '@hearth/driver'
import { DockerDriver, type DockerDriverOptions } from '@hearth/driver-docker'
import { ProcessDriver } from '@hearth/driver-process'
import { defineEnvironment, type NormalizedConfig, type ServiceDefinition } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'

/** A throwaway project folder and the config of one environment, `cache`, holding `redis`. */
export function cacheProject(
  redis: ServiceDefinition,
  name: string,
): { config: NormalizedConfig; cleanup(): void } {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-env-redis-')))
  const result = validateConfig(
    { project: name, environments: [defineEnvironment({ name: 'cache', services: { redis } })] },
    { root, file: 'hearth.config.ts', defaultProject: name },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  return { config: result.config, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

/** The drivers the CLI wires: Docker for containers, local processes for the rest (and fallbacks). */
export function drivers(stateDir: string, docker: DockerDriverOptions = {}): Driver[] {
  return [new DockerDriver({ stateDir, ...docker }), new ProcessDriver({ stateDir })]
}

export function openSession(config: NormalizedConfig, docker: DockerDriverOptions = {}): Session {
  const stateDir = path.join(config.root, '.hearth')
  return createSession({ config, drivers: drivers(stateDir, docker), version: '0.0.0-test', stateDir })
}

export function redisService(state: HearthState): ServiceState {
  const service = state.services['cache/redis']
  if (service === undefined) throw new Error('no cache/redis in state')
  return service
}

/** Milliseconds `work` took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const began = performance.now()
  const result = await work()
  return [result, Math.round(performance.now() - began)]
}
