/**
 * `@hearth/vitest/env`: what a test imports to find the services hearth started for it. It reads
 * process.env only (the contract `testEnvironment` writes), so it loads nothing of Vitest's and
 * works in any test runner, or in a script run with the same variables.
 */
import { OUTPUTS_VAR, outputEnvName } from './env-names.js'

export { OUTPUTS_VAR } from './env-names.js'

type Env = Readonly<Record<string, string | undefined>>

/** Thrown when a test asks for an output this run does not provide; the message names the fix. */
export class MissingOutputError extends Error {
  override readonly name = 'MissingOutputError'
  constructor(
    message: string,
    /** The variable that was looked up (`HEARTH_DB_URL`, or `HEARTH_OUTPUTS`). */
    readonly variable: string,
  ) {
    super(message)
  }
}

const RUN_THROUGH_HEARTH =
  'Run the tests through hearth (`hearth dev`, `hearth ci`), which starts the environment and sets it'

/**
 * The value of `output` of `service` (`output('db', 'url')`), from `HEARTH_DB_URL`, else from
 * `HEARTH_OUTPUTS`. Throws a `MissingOutputError` that names the variable and the fix when the run
 * has no such output. `env` defaults to `process.env`, read at each call.
 */
export function output(service: string, name: string, env: Env = process.env): string {
  const variable = outputEnvName(service, name)
  const direct = env[variable]
  if (direct !== undefined) return direct
  const all = readAll(env, variable)
  if (all === null) {
    throw new MissingOutputError(
      `hearth: ${variable} is not set, so this test cannot find output "${name}" of service "${service}". ` +
        `${RUN_THROUGH_HEARTH}, or set ${variable} yourself when you run Vitest directly.`,
      variable,
    )
  }
  const outputs = serviceOf(all, service, variable, ` (${variable} is not set)`)
  const value = outputs[name]
  if (value === undefined) {
    throw new MissingOutputError(
      `hearth: service "${service}" has no output "${name}" (${variable} is not set). ` +
        `Its outputs: ${list(Object.keys(outputs))}. Read one of those, or declare "${name}" in the service's \`outputs\`.`,
      variable,
    )
  }
  return value
}

/**
 * All outputs of `service`, from `HEARTH_OUTPUTS` (a `HEARTH_<SERVICE>_<OUTPUT>` variable set by hand
 * wins over it, as in `output`). The type parameter only names the keys you expect:
 * `outputs<{ url: string; host: string }>('db').url`.
 */
export function outputs<T extends Readonly<Record<string, string>> = Record<string, string>>(
  service: string,
  env: Env = process.env,
): T {
  const all = readAll(env, OUTPUTS_VAR)
  if (all === null) {
    throw new MissingOutputError(
      `hearth: ${OUTPUTS_VAR} is not set, so this test cannot list the outputs of service "${service}". ` +
        `${RUN_THROUGH_HEARTH}, or set ${OUTPUTS_VAR}='{"${service}":{…}}' yourself when you run Vitest directly.`,
      OUTPUTS_VAR,
    )
  }
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(serviceOf(all, service, OUTPUTS_VAR, ''))) {
    result[name] = env[outputEnvName(service, name)] ?? value
  }
  return result as T
}

/** Every service's outputs, `{ db: { url: '…' } }`, from `HEARTH_OUTPUTS`; `{}` when it is not set. */
export function allOutputs(env: Env = process.env): Record<string, Record<string, string>> {
  return readAll(env, OUTPUTS_VAR) ?? {}
}

function readAll(env: Env, variable: string): Record<string, Record<string, string>> | null {
  const text = env[OUTPUTS_VAR]
  if (text === undefined) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (!isOutputs(parsed)) {
    throw new MissingOutputError(
      `hearth: ${OUTPUTS_VAR} is not a JSON object of services and their string outputs ` +
        `({"db":{"url":"…"}}). Unset it, or fix its value.`,
      variable,
    )
  }
  return parsed
}

function serviceOf(
  all: Record<string, Record<string, string>>,
  service: string,
  variable: string,
  note: string,
): Record<string, string> {
  const outputs = Object.hasOwn(all, service) ? all[service] : undefined
  if (outputs === undefined) {
    throw new MissingOutputError(
      `hearth: this test run has no service "${service}"${note}. ` +
        `Services: ${list(Object.keys(all))}. Check the name, or add the service to the environment of this test group.`,
      variable,
    )
  }
  return outputs
}

function isOutputs(value: unknown): value is Record<string, Record<string, string>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.values(value).every(
    (outputs) =>
      typeof outputs === 'object' &&
      outputs !== null &&
      !Array.isArray(outputs) &&
      Object.values(outputs).every((v) => typeof v === 'string'),
  )
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ')
}
