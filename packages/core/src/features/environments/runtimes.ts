import { type Driver, DriverError, isDriverError } from '@hearth/driver'
import type { NormalizedService } from '@hearth/environments'

/** Which driver runs a service in this session, and as what (the service itself, or its fallback). */
export type RuntimeChoice =
  | { ok: true; driver: Driver; service: NormalizedService; fallbackReason: string | null }
  | { ok: false; error: DriverError }

/**
 * The drivers of a session and whether their runtimes answer. Each driver's `check` runs once per
 * session; a container whose runtime does not answer runs as its `fallback` process when it has one.
 */
export class Runtimes {
  private readonly checks = new Map<Driver, Promise<DriverError | null>>()

  /**
   * @param noFallback Why a container must run in its engine or fail, never as its fallback
   *   (`--require-docker`, `HEARTH_REQUIRE_DOCKER=1`, the config's `fallback: false`); null allows it.
   */
  constructor(
    private readonly drivers: readonly Driver[],
    readonly noFallback: string | null = null,
  ) {}

  /** The driver of that name (`Instance.driver`), if the session has it. */
  named(name: string): Driver | null {
    return this.drivers.find((driver) => driver.name === name) ?? null
  }

  /** The first driver that supports the service, whether or not its runtime answers. */
  driverFor(service: NormalizedService): Driver | null {
    return this.drivers.find((driver) => driver.supports(service)) ?? null
  }

  /** Resolves with the runtime's problem, or null when it answers. Asked once per session. */
  problemOf(driver: Driver): Promise<DriverError | null> {
    let check = this.checks.get(driver)
    if (check === undefined) {
      check = (driver.check?.() ?? Promise.resolve()).then(
        () => null,
        (error: unknown) =>
          isDriverError(error)
            ? error
            : new DriverError(
                'runtime-unavailable',
                `${driver.name}: ${(error as Error).message}`,
                'check that the runtime works',
              ),
      )
      this.checks.set(driver, check)
    }
    return check
  }

  /** Where the service runs now: its own driver if that answers, else its fallback's. */
  async choose(service: NormalizedService): Promise<RuntimeChoice> {
    const driver = this.driverFor(service)
    const problem = driver === null ? noDriverFor(service) : await this.problemOf(driver)
    if (driver !== null && problem === null) return { ok: true, driver, service, fallbackReason: null }
    if (
      service.kind === 'container' &&
      service.fallback !== null &&
      driver !== null &&
      this.noFallback !== null
    ) {
      return { ok: false, error: refusedFallback(service, (problem as DriverError).message, this.noFallback) }
    }
    if (service.kind === 'container' && service.fallback !== null) {
      const fallbackDriver = this.driverFor(service.fallback)
      if (fallbackDriver !== null && (await this.problemOf(fallbackDriver)) === null) {
        return {
          ok: true,
          driver: fallbackDriver,
          service: service.fallback,
          fallbackReason: (problem as DriverError).message,
        }
      }
    }
    return { ok: false, error: problem as DriverError }
  }

  /** The drivers whose runtimes answer, for listing and cleaning up across all of them. */
  async available(): Promise<Driver[]> {
    const answers = await Promise.all(
      this.drivers.map(async (driver) => ((await this.problemOf(driver)) === null ? driver : null)),
    )
    return answers.filter((driver): driver is Driver => driver !== null)
  }
}

function noDriverFor(service: NormalizedService): DriverError {
  if (service.kind === 'container' || (service.kind === 'job' && service.image !== null)) {
    return new DriverError(
      'runtime-unavailable',
      `${service.name} runs in a container, and no container runtime is available`,
      'install Docker and start it, or give the service a local `fallback` process',
    )
  }
  return new DriverError(
    'runtime-unavailable',
    `no driver runs local ${service.kind}es`,
    'this is a bug in hearth; report it',
  )
}

/** A container that would run as its fallback, where falling back is turned off. */
export function refusedFallback(service: NormalizedService, problem: string, because: string): DriverError {
  return new DriverError(
    'runtime-unavailable',
    `${service.name} must run in its container (${because}), and cannot: ${problem}`,
    `start Docker (or point DOCKER_HOST at an engine), or let it run as its stand-in: drop ${because}`,
  )
}
