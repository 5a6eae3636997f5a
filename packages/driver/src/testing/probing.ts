import { computeSpecHash, type NormalizedConfig, type NormalizedService } from '@hearth/environments'
import { createLabels } from '../create-labels.js'
import type { AtomicReadiness, Driver, Instance, InstanceSpec } from '../types.js'

/** What core would hand a driver's `start` for `environment`'s `service` of the config. */
export function specOf(
  config: NormalizedConfig,
  where: { environment: string; service: string },
  projectId: string,
): InstanceSpec {
  const service = config.environments[where.environment]?.services[where.service] as NormalizedService
  const specHash = computeSpecHash(service)
  const identity = { project: config.project, projectId, ...where }
  return {
    identity,
    specHash,
    labels: createLabels(identity, service.kind, specHash, '0.0.0-test'),
    service,
    root: config.root,
  }
}

/**
 * Probes as core does (10 ms at first, backing off by half to 100 ms) until the check passes, and
 * returns what each failed attempt saw. Fails after `withinMs`: a limit for a hang, not a timing.
 */
export async function probeUntilReady(
  driver: Driver,
  instance: Instance,
  check: AtomicReadiness,
  withinMs = 120_000,
): Promise<{ failures: string[]; detail: string }> {
  const failures: string[] = []
  const deadline = Date.now() + withinMs
  let interval = 10
  for (;;) {
    const result = await driver.probe(instance, check, { timeoutMs: 5_000 })
    if (result.ok) return { failures, detail: result.detail }
    failures.push(result.detail)
    if (Date.now() > deadline) {
      throw new Error(`not ready after ${withinMs} ms; the probes saw:\n${[...new Set(failures)].join('\n')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, interval))
    interval = Math.min(interval * 1.5, 100)
  }
}
