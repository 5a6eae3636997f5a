import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { isMap, LineCounter, parseDocument } from 'yaml'
import { isRecord } from './text.js'

/** The Compose file names Compose looks for, in its order of preference (compose-go's). */
export const COMPOSE_FILES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
] as const
/** The override files Compose merges over the main one, in its order of preference. */
export const COMPOSE_OVERRIDE_FILES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
] as const

/**
 * The Compose files `docker compose` would load in `root` (names relative to it): the first of
 * {@link COMPOSE_FILES} there, then the first override file, if any. Empty when there is no main
 * file (Compose loads no override alone).
 */
export function findComposeFiles(root: string): string[] {
  const isFile = (name: string): boolean => {
    const file = path.join(root, name)
    return existsSync(file) && statSync(file).isFile()
  }
  const main = COMPOSE_FILES.find(isFile)
  if (main === undefined) return []
  const override = COMPOSE_OVERRIDE_FILES.find(isFile)
  return override === undefined ? [main] : [main, override]
}

/** A Compose file that cannot be read as one: bad YAML, or not a Compose file. */
export class ComposeError extends Error {
  override readonly name = 'ComposeError'
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message)
  }
}

export function isComposeError(error: unknown): error is ComposeError {
  return error instanceof ComposeError
}

export interface ComposeDocument {
  /** The file as plain data, YAML anchors and `<<` merge keys resolved. */
  data: Record<string, unknown>
  /** The line (1-based) where the value at `at` starts, or null. */
  lineOf(at: ReadonlyArray<string | number>): number | null
}

/**
 * Parses a Compose file's text. Throws {@link ComposeError} naming `file` and the line for bad YAML,
 * several documents, or a file that is not a Compose mapping with `services:`.
 */
export function parseComposeDocument(text: string, file: string): ComposeDocument {
  const lines = new LineCounter()
  // Compose files lean on `<<: *defaults` merge keys (YAML 1.1), which YAML 1.2 leaves out.
  const doc = parseDocument(text, { merge: true, lineCounter: lines, prettyErrors: false })
  const error = doc.errors[0]
  if (error !== undefined) {
    const { line, col } = lines.linePos(error.pos[0])
    throw new ComposeError(
      `${file}:${line}:${col}: ${error.message.replace(/;.*$/, '')}`,
      error.code === 'MULTIPLE_DOCS'
        ? 'keep one YAML document in the Compose file'
        : 'fix the YAML there (`docker compose config` shows what Compose makes of it)',
    )
  }
  if (!isMap(doc.contents)) {
    throw new ComposeError(
      `${file} is not a Compose file: ${doc.contents === null ? 'it is empty' : 'it is not a mapping'}`,
      'pass a Compose file (compose.yaml, docker-compose.yml) with a `services:` section',
    )
  }
  const data = doc.toJS({ maxAliasCount: 10_000 }) as Record<string, unknown>
  const lineOf = (at: ReadonlyArray<string | number>): number | null => {
    const node = doc.getIn(at, true) as { range?: [number, number, number] } | undefined
    return node?.range === undefined ? null : lines.linePos(node.range[0]).line
  }
  const services = data.services
  if (services === undefined) {
    const looksV1 = Object.values(data).some(
      (value) => typeof value === 'object' && value !== null && ('image' in value || 'build' in value),
    )
    throw new ComposeError(
      `${file} is not a Compose file: it has no \`services:\` section`,
      looksV1
        ? 'this looks like the old version 1 format: put the services under `services:` (`docker compose convert` does it)'
        : 'pass a Compose file (compose.yaml, docker-compose.yml) with a `services:` section',
    )
  }
  if (!isRecord(services)) {
    throw new ComposeError(
      `${file}:${lineOf(['services']) ?? 1}: \`services:\` must be a mapping of service names to services`,
      'write each service under it by name, e.g. `services: { db: { image: postgres:16 } }`',
    )
  }
  return { data, lineOf }
}
