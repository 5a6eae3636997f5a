/**
 * Which values of a service are secret. A service's `secrets` lists names of its `env`, `outputs`
 * and `testEnv` entries; besides those, a name that says it holds a secret (PASSWORD, PASSWD,
 * PASSPHRASE, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL, in any case) is one, and so is an
 * entry whose template uses a secret (`DATABASE_URL: '{{url}}'` where `url` is secret). Validation
 * writes the whole set into the normalized service, so that everything after it (the views'
 * redaction) reads one list.
 */

import { parseTemplate } from './template.js'
import type { NormalizedService } from './types.js'

/** Names that hold a secret whether or not a config lists them: `POSTGRES_PASSWORD`, `apiToken`. */
export const SECRET_NAME = /pass(?:word|wd|phrase)|secret|token|api_?key|private_?key|credential/i

/** Whether a name (an env variable, an output, a field) says that its value is secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

type SecretFields = Pick<NormalizedService, 'env' | 'outputs' | 'testEnv'> & {
  readonly secrets: readonly string[]
}

/**
 * The full set of a service's secret names: those it lists, those named as secrets, and those whose
 * templates use one: an env value `{{db.password}}` (a dependency's secret output), an output
 * `{{env.PGPASSWORD}}`, a testEnv value `{{url}}` (its own secret output). `dependencySecrets`
 * gives the secret output names of the services it depends on.
 */
export function secretNamesOf(
  service: SecretFields,
  dependencySecrets: (service: string) => readonly string[] = () => [],
): string[] {
  const secret = new Set(service.secrets)
  const sections = [service.env, service.outputs, service.testEnv]
  for (const section of sections)
    for (const name of Object.keys(section)) if (isSecretName(name)) secret.add(name)
  const uses = (template: string, isSecret: (segments: readonly string[]) => boolean): boolean => {
    const parsed = parseTemplate(template)
    return parsed.ok && parsed.references.some((reference) => isSecret(reference.segments))
  }
  const viaDependency = (segments: readonly string[]): boolean =>
    segments.length === 2 && dependencySecrets(segments[0] as string).includes(segments[1] as string)
  // Outputs use env values, testEnv uses outputs: two passes reach every chain.
  for (let pass = 0; pass < 2; pass++) {
    for (const [name, template] of Object.entries(service.env))
      if (uses(template, viaDependency)) secret.add(name)
    for (const [name, template] of Object.entries(service.outputs))
      if (
        uses(
          template,
          (segments) =>
            viaDependency(segments) ||
            (segments.length === 2 && segments[0] === 'env' && secret.has(segments[1] as string)),
        )
      )
        secret.add(name)
    for (const [name, template] of Object.entries(service.testEnv))
      if (uses(template, (segments) => segments.length === 1 && secret.has(segments[0] as string)))
        secret.add(name)
  }
  return [...secret].sort()
}

/**
 * The environment's services with their `secrets` completed (see {@link secretNamesOf}), in
 * dependency order so that a dependency's secrets are known first. A container's fallback gets its
 * own set, with the same dependencies.
 */
export function markSecrets(
  services: Readonly<Record<string, NormalizedService>>,
  order: readonly string[],
): Record<string, NormalizedService> {
  const marked: Record<string, NormalizedService> = { ...services }
  const secretOutputs = (name: string): readonly string[] => {
    const service = marked[name]
    if (service === undefined) return []
    // A dependent cannot tell the container from its stand-in: the union of both.
    const fallback = service.kind === 'container' ? (service.fallback?.secrets ?? []) : []
    return [...service.secrets, ...fallback].filter((secret) => Object.hasOwn(service.outputs, secret))
  }
  for (const name of order) {
    const service = marked[name]
    if (service === undefined) continue
    const secrets = secretNamesOf(service, secretOutputs)
    if (service.kind === 'container' && service.fallback !== null) {
      const fallback = { ...service.fallback, secrets: secretNamesOf(service.fallback, secretOutputs) }
      marked[name] = { ...service, secrets, fallback }
    } else {
      marked[name] = { ...service, secrets }
    }
  }
  return marked
}
