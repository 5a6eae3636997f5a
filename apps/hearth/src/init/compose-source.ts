import { readFileSync } from 'node:fs'
import path from 'node:path'
import { UsageError } from '../args.js'
import { findComposeFiles, isComposeError } from '../compose/compose-file.js'
import { addTestEnv, type ComposeService, convertCompose } from '../compose/convert.js'
import { composeVariables } from '../compose/dotenv.js'
import { presetFamily } from '../compose/presets.js'
import type { ComposeSource } from './plan-config.js'
import { PRESETS, type ServiceKind } from './service-variables.js'

export interface LoadComposeOptions {
  /**
   * Keep the host ports Compose publishes. `hearth init` keeps them only when the tests hard-code an
   * address; otherwise the engine picks free ports and the tests read theirs from the variables.
   */
  hostPorts: boolean
}

/**
 * The project's Compose file (the one `docker compose` would load in the root), converted by
 * `hearth import-compose`'s converter into the environment init builds on, with the variables of the
 * `.env` beside it as Compose reads them; null when there is none. An override file beside it is
 * reported, not merged. A file that is not Compose is a UsageError.
 */
export async function loadCompose(root: string, options: LoadComposeOptions): Promise<ComposeSource | null> {
  const [file, ...others] = findComposeFiles(root)
  if (file === undefined) return null
  const env = await composeVariables(root, file)
  let conversion: ReturnType<typeof convertCompose>
  try {
    conversion = convertCompose(readFileSync(path.join(root, file), 'utf8'), {
      file,
      root,
      hostPorts: options.hostPorts,
      ...(env === null ? {} : { variables: env.variables, variablesFrom: env.file }),
    })
  } catch (error) {
    if (isComposeError(error)) throw new UsageError(error.message, error.fix)
    throw error
  }
  // The converter's comment says `hearth import-compose` converted it; here init did, the same way.
  const [, ...rest] = conversion.environment.comment ?? []
  const environment = {
    ...conversion.environment,
    comment: [`The services of ${file}, converted as \`hearth import-compose\` converts them.`, ...rest],
  }
  const stands = new Map(conversion.services.map((service) => [service.name, standIn(service)]))
  return {
    file,
    environment,
    services: conversion.services.map((service) => {
      const family = stands.get(service.name)
      return {
        name: service.name,
        preset: service.preset,
        family: family?.kind ?? null,
        provides: family === undefined ? [] : Object.keys(family.templates),
        lacking: family?.lacking ?? null,
        outputs: service.outputs,
      }
    }),
    imports: conversion.imports,
    withVariables(current, name, variables) {
      const service = conversion.services.find((candidate) => candidate.name === name)
      if (service === undefined) return current
      // The definitions in `current` are the converter's own objects: adding to one adds to the file.
      const templates = stands.get(name)?.templates ?? {}
      const byOutput: Record<string, string> = {}
      const written: Record<string, string> = {}
      for (const [variable, output] of Object.entries(variables)) {
        if (service.preset !== null || service.outputs.includes(output)) byOutput[variable] = output
        else if (templates[output] !== undefined) written[variable] = templates[output]
      }
      addTestEnv(service, byOutput)
      if (Object.keys(written).length > 0) {
        // Values no output holds (a user, a URL built from the port): the testEnv templates themselves.
        const definition = service.definition as Record<string, unknown>
        definition.testEnv = { ...((definition.testEnv ?? {}) as Record<string, string>), ...written }
      }
      return current
    },
    unconverted: conversion.unconverted,
    notes: conversion.notes,
    others,
  }
}

/**
 * What a Compose service that runs PostgreSQL or Redis can hand the tests, as testEnv templates
 * under the names of the preset's outputs (`url`, `host`, `port`, `user`…); undefined for any other
 * service. A preset hands them all. A plain container (a postgres image with init scripts, or with
 * `POSTGRES_HOST_AUTH_METHOD`, is not the preset) is told by its image, or by a `url` output with a
 * postgres or redis scheme; it hands what its ports, outputs and variables say.
 */
function standIn(
  service: ComposeService,
): { kind: ServiceKind; templates: Record<string, string>; lacking: string | null } | undefined {
  if (service.preset !== null) {
    const templates = Object.fromEntries(
      PRESETS[service.preset].outputs.map((output) => [output, `{{${output}}}`]),
    )
    return { kind: service.preset, templates, lacking: null }
  }
  if (service.kind !== 'container') return undefined
  const definition = service.definition as Record<string, unknown>
  const outputs = (definition.outputs ?? {}) as Record<string, unknown>
  const url = typeof outputs.url === 'string' ? outputs.url : null
  const kind =
    (typeof definition.image === 'string' ? presetFamily(definition.image) : null) ??
    (url === null
      ? null
      : /^postgres(?:ql)?:\/\//i.test(url)
        ? 'postgres'
        : /^(?:redis|rediss|valkey):\/\//i.test(url)
          ? 'redis'
          : null)
  if (kind === null) return undefined
  const templates: Record<string, string> = { host: '{{host}}' }
  const port = serverPort(definition, PRESETS[kind].port)
  if (port !== null) templates.port = `{{${port}Port}}`
  if (url !== null) templates.url = '{{url}}'
  if (kind === 'postgres') {
    const env = (definition.env ?? {}) as Record<string, unknown>
    const text = (name: string): string | undefined => {
      const value = env[name]
      // A value with a template in it is hearth's, not a plain string the tests can take.
      return typeof value === 'string' && value !== '' && !value.includes('{{') ? value : undefined
    }
    const user = text('POSTGRES_USER') ?? 'postgres'
    const database = text('POSTGRES_DB') ?? user
    const password = text('POSTGRES_PASSWORD')
    templates.user = user
    templates.database = database
    if (password !== undefined) templates.password = password
    // Without a password (`POSTGRES_HOST_AUTH_METHOD: trust`) the converter gives no url: the tests
    // connect as the user, without one.
    if (
      url === null &&
      port !== null &&
      password === undefined &&
      text('POSTGRES_HOST_AUTH_METHOD') === 'trust'
    )
      templates.url = `postgres://${encodeURIComponent(user)}@{{host}}:{{${port}Port}}/${encodeURIComponent(database)}`
  } else if (url === null && port !== null) templates.url = `redis://{{host}}:{{${port}Port}}`
  const lacking =
    port === null
      ? `it publishes no port ${PRESETS[kind].port}`
      : templates.url === undefined || (kind === 'postgres' && templates.password === undefined)
        ? 'it sets no POSTGRES_PASSWORD'
        : null
  return { kind, templates, lacking }
}

/** The name of the port that publishes the server's own container port (`postgres` for 5432), or null. */
function serverPort(definition: Record<string, unknown>, container: number): string | null {
  const ports = (definition.ports ?? {}) as Record<string, unknown>
  for (const [name, port] of Object.entries(ports)) {
    const number =
      typeof port === 'number' ? port : (port as { container?: unknown; protocol?: unknown }).container
    const udp = typeof port === 'object' && (port as { protocol?: unknown }).protocol === 'udp'
    if (number === container && !udp) return name
  }
  return null
}
