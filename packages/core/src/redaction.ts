import { createRedactor, isSecretName, type NormalizedService, type Redactor } from '@hearth/environments'
import { type HearthState, serviceKey } from './store/state.js'

/**
 * What the views must not show in clear, from the config (literal values of the entries each
 * service marks secret) and from what runs (its secret outputs, rendered: the URL with its port),
 * and what they show openly (other outputs, the words of image references), for the redactor's
 * rules (see `createRedactor`).
 */
export function selectSecrets(state: HearthState): { secrets: string[]; publicValues: string[] } {
  const secrets = new Set<string>()
  const publicValues = new Set<string>()
  const sort = (values: Set<string>): string[] => [...values].sort()
  if (state.config === null) return { secrets: [], publicValues: [] }
  // What names and places things (the project, its environments, services and groups, the words of
  // its paths) is shown openly and looked up by: a secret equal to one is masked only where it
  // stands as a secret, never inside names and paths (which would hide nothing and break lookups).
  const { config } = state
  const words = (text: string): void => {
    for (const word of text.split(/[/\\.]/)) if (word !== '') publicValues.add(word)
  }
  publicValues.add(config.project)
  words(config.root)
  words(config.file)
  for (const group of config.tests) publicValues.add(group.name)
  for (const file of Object.keys(state.tests.files)) words(file)
  for (const environment of Object.values(config.environments)) {
    publicValues.add(environment.name)
    for (const name of Object.keys(environment.services)) publicValues.add(name)
  }
  for (const environment of Object.values(config.environments)) {
    for (const service of Object.values(environment.services)) {
      const definitions: NormalizedService[] = [service]
      if (service.kind === 'container' && service.fallback !== null) definitions.push(service.fallback)
      const marked = new Set(definitions.flatMap((definition) => definition.secrets))
      const isSecret = (name: string): boolean => marked.has(name) || isSecretName(name)
      for (const definition of definitions) {
        for (const [section, values] of [
          ['env', definition.env],
          ['outputs', definition.outputs],
          ['testEnv', definition.testEnv],
        ] as const) {
          for (const [name, value] of Object.entries(values)) {
            // A template is known once rendered: the running service's outputs below.
            if (value.includes('{{')) continue
            if (isSecret(name)) secrets.add(value)
            else if (section === 'outputs') publicValues.add(value)
          }
        }
        const image = 'image' in definition ? definition.image : null
        for (const word of (image ?? '').split(/[/:@.-]/)) if (word !== '') publicValues.add(word)
      }
      const running = state.services[serviceKey(environment.name, service.name)]
      for (const [name, value] of Object.entries(running?.outputs ?? {})) {
        if (isSecret(name)) secrets.add(value)
        else publicValues.add(value)
      }
    }
  }
  return { secrets: sort(secrets), publicValues: sort(publicValues) }
}

let last: {
  config: HearthState['config']
  services: HearthState['services']
  signature: string
  redactor: Redactor
} | null = null

/**
 * The redactor for this state: every view masks what it shows through it. The same redactor (and
 * so its cache of redacted objects) as long as the secrets stay the same, which they do but for a
 * service becoming ready or the config changing.
 */
export function selectRedactor(state: HearthState): Redactor {
  if (last !== null && last.config === state.config && last.services === state.services) return last.redactor
  const input = selectSecrets(state)
  const signature = JSON.stringify(input)
  const redactor = last !== null && last.signature === signature ? last.redactor : createRedactor(input)
  last = { config: state.config, services: state.services, signature, redactor }
  return redactor
}

/**
 * The state as views may show it: every string through the redactor (outputs, env, failures, log
 * lines, test errors and console output…). Unchanged parts come back as the same objects, so a
 * view that redacts on every change pays only for what changed.
 */
export function selectRedactedState(state: HearthState): HearthState {
  return selectRedactor(state).value(state)
}
