import { OUTPUTS_VAR, outputEnvName } from './env-names.js'

/** Each service's outputs, by service name then output name: `{ db: { url: 'postgres://…' } }`. */
export type OutputsByService = Readonly<Record<string, Readonly<Record<string, string>>>>

/**
 * The environment variables a test run sees, built from the running services' outputs. This is the
 * contract between hearth and the tests (`@hearth/vitest/env` reads it back):
 *
 * - `HEARTH_<SERVICE>_<OUTPUT>` for every output (`db` + `url` → `HEARTH_DB_URL`,
 *   `api` + `adminUrl` → `HEARTH_API_ADMIN_URL`);
 * - `HEARTH_OUTPUTS`: all of them as one JSON object, `{"db":{"url":"…"}}` (keys sorted, so the
 *   same outputs give the same string);
 * - `extra`: the names the project declared itself (`DATABASE_URL`), as given.
 *
 * Throws when two names collide with different values (`api` + `adminUrl` and `api_admin` + `url`
 * are both `HEARTH_API_ADMIN_URL`), or when `extra` redefines a variable hearth owns.
 */
export function testEnvironment(
  outputsByService: OutputsByService,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {}
  const owner = new Map<string, string>()
  const sorted: Record<string, Record<string, string>> = {}
  for (const service of Object.keys(outputsByService).sort()) {
    const outputs = outputsByService[service] ?? {}
    sorted[service] = {}
    for (const output of Object.keys(outputs).sort()) {
      const value = outputs[output] ?? ''
      const name = outputEnvName(service, output)
      const previous = owner.get(name)
      if (previous !== undefined && env[name] !== value) {
        throw new Error(
          `hearth: outputs ${previous} and ${service}.${output} are both ${name}, with different values. ` +
            'Rename one of the services or outputs.',
        )
      }
      owner.set(name, `${service}.${output}`)
      env[name] = value
      sorted[service][output] = value
    }
  }
  env[OUTPUTS_VAR] = JSON.stringify(sorted)
  for (const [name, value] of Object.entries(extra)) {
    if (name === OUTPUTS_VAR || (owner.has(name) && env[name] !== value)) {
      throw new Error(
        `hearth: the test env declares ${name}, which hearth sets itself` +
          (owner.has(name) ? ` (output ${owner.get(name)})` : '') +
          '. Give the variable another name.',
      )
    }
    env[name] = value
  }
  return env
}
