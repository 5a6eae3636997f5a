import type { Instance } from '@hearth/driver'
import {
  lookupIn,
  type NormalizedCommand,
  type NormalizedService,
  renderTemplate,
} from '@hearth/environments'

/** Placeholders about the instance itself: filled in once it runs (by the driver, or `computeOutputs`). */
const SELF = new Set(['host', 'ports', 'env'])

/**
 * The service with its dependencies' outputs written into its env, command and output templates.
 * What the instance itself decides (`{{host}}`, `{{ports.*}}`, `{{env.*}}`) is left in place.
 * Because the result is what gets hashed, a dependency that moved (a new port) changes the hash
 * and replaces its dependents.
 */
export function renderDependencies(
  service: NormalizedService,
  outputsOf: (dependency: string) => Readonly<Record<string, string>> | undefined,
): NormalizedService {
  const lookup = (path: string): string | undefined => {
    const [head, name] = path.split('.') as [string, string | undefined]
    if (SELF.has(head)) return `{{${path}}}`
    return name === undefined ? undefined : outputsOf(head)?.[name]
  }
  const render = (template: string): string => renderTemplate(template, lookup)
  const renderRecord = (record: Readonly<Record<string, string>>): Record<string, string> =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [key, render(value)]))
  const renderCommand = (command: NormalizedCommand): NormalizedCommand =>
    'argv' in command ? { argv: command.argv.map(render) } : { shell: render(command.shell) }

  const env = renderRecord(service.env)
  const outputs = renderRecord(service.outputs)
  if (service.kind === 'container') {
    return {
      ...service,
      env,
      outputs,
      command: service.command === null ? null : renderCommand(service.command),
    }
  }
  return { ...service, env, outputs, command: renderCommand(service.command) }
}

/**
 * A running instance's outputs: `host`, `<port>Port` per port, then the declared templates filled
 * in with the instance's host, ports and (rendered) env.
 */
export function computeOutputs(service: NormalizedService, instance: Instance): Record<string, string> {
  const ports = Object.fromEntries(Object.entries(instance.ports).map(([name, port]) => [name, String(port)]))
  const base = { host: instance.host, ports }
  const env = Object.fromEntries(
    Object.entries(service.env).map(([key, value]) => [key, renderTemplate(value, lookupIn(base))]),
  )
  const lookup = lookupIn({ ...base, env })
  const outputs: Record<string, string> = { host: instance.host }
  for (const [name, port] of Object.entries(ports)) outputs[`${name}Port`] = port
  for (const [name, template] of Object.entries(service.outputs))
    outputs[name] = renderTemplate(template, lookup)
  return outputs
}
