import { createHash } from 'node:crypto'
import type { NormalizedService } from './types.js'

/**
 * Bumped when the meaning of a spec changes in a way the fields below do not show (a new default,
 * say), so that instances created by an older hearth are replaced rather than reused.
 */
export const SPEC_FORMAT = 1

/**
 * JSON with object keys sorted at every depth, `undefined` members dropped and RegExps as
 * `{source, flags}`: the same value gives the same text whatever order its keys were written in.
 */
export function stableStringify(value: unknown): string {
  // JSON.stringify gives undefined (not a string) for undefined and functions at the top level.
  return JSON.stringify(canonical(value)) ?? 'null'
}

function canonical(value: unknown): unknown {
  // Keys in sorted order like any other object, so a RegExp and its normalized form agree.
  if (value instanceof RegExp) return { flags: value.flags, source: value.source }
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : canonical(item)))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key]
      if (member !== undefined) out[key] = canonical(member)
    }
    return out
  }
  if (typeof value === 'bigint') return value.toString()
  return value
}

/** A short, stable digest (sha256, 16 hex digits) of any JSON-like value. */
export function hashValue(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16)
}

/** What the runtime knows only once it looks: things a definition names but cannot itself pin down. */
export interface ResolvedSpecInputs {
  /**
   * The spec hashes of the instances this one depends on: a dependency that is replaced replaces
   * its dependents too, even those that use none of its outputs (they may hold connections to it,
   * or data it no longer has).
   */
  dependencies?: Readonly<Record<string, string>>
  /** The image id an image reference resolved to, or the content hash of a build context. */
  image?: string
}

/**
 * The identity of a service instance: every field that changes how it behaves, and nothing that
 * only changes how hearth talks about it (description, outputs, watch globs, reset, test env, a container's
 * fallback, which values are secret). Paths in a
 * normalized service are relative to the project root, so two machines with the same definition
 * and the same resolved inputs get the same hash.
 */
export function computeSpecHash(service: NormalizedService, resolved: ResolvedSpecInputs = {}): string {
  // A container's stand-in process is its own instance, with its own hash.
  const {
    description: _d,
    outputs: _o,
    watch: _w,
    reset: _r,
    testEnv: _t,
    fallback: _f,
    secrets: _s,
    ...behaviour
  } = service as NormalizedService & {
    fallback?: unknown
  }
  return hashValue({ format: SPEC_FORMAT, service: behaviour, resolved })
}
