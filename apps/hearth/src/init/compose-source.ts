import { readFileSync } from 'node:fs'
import path from 'node:path'
import { UsageError } from '../args.js'
import { findComposeFiles, isComposeError } from '../compose/compose-file.js'
import { addTestEnv, convertCompose } from '../compose/convert.js'
import type { ComposeSource } from './plan-config.js'
import { PRESETS, SERVICE_KINDS } from './service-variables.js'

export interface LoadComposeOptions {
  /**
   * Keep the host ports Compose publishes. `hearth init` keeps them only when the tests hard-code an
   * address; otherwise the engine picks free ports and the tests read theirs from the variables.
   */
  hostPorts: boolean
}

/**
 * The project's Compose file (the one `docker compose` would load in the root), converted by
 * `hearth import-compose`'s converter into the environment init builds on; null when there is none.
 * An override file beside it is reported, not merged. A file that is not Compose is a UsageError.
 */
export function loadCompose(root: string, options: LoadComposeOptions): ComposeSource | null {
  const [file, ...others] = findComposeFiles(root)
  if (file === undefined) return null
  let conversion: ReturnType<typeof convertCompose>
  try {
    conversion = convertCompose(readFileSync(path.join(root, file), 'utf8'), {
      file,
      root,
      hostPorts: options.hostPorts,
    })
  } catch (error) {
    if (isComposeError(error)) throw new UsageError(error.message, error.fix)
    throw error
  }
  // The environment's constant must not shadow a preset's function (`const postgres = …`).
  const imported = new Set(SERVICE_KINDS.map((kind) => PRESETS[kind].factory))
  const variable = imported.has(conversion.environment.variable)
    ? `${conversion.environment.variable}Environment`
    : conversion.environment.variable
  // The converter's comment says `hearth import-compose` converted it; here init did, the same way.
  const [, ...rest] = conversion.environment.comment ?? []
  const environment = {
    ...conversion.environment,
    variable,
    comment: [`The services of ${file}, converted as \`hearth import-compose\` converts them.`, ...rest],
  }
  return {
    file,
    environment,
    services: conversion.services.map((service) => ({
      name: service.name,
      preset: service.preset,
      outputs: service.outputs,
    })),
    imports: conversion.imports,
    withVariables(current, name, variables) {
      const service = conversion.services.find((candidate) => candidate.name === name)
      // The definitions in `current` are the converter's own objects: adding to one adds to the file.
      if (service !== undefined) addTestEnv(service, variables)
      return current
    },
    unconverted: conversion.unconverted,
    notes: conversion.notes,
    others,
  }
}
