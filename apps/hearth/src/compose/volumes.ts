/**
 * Compose `volumes:` entries of a service, short (`pgdata:/var/lib/postgresql/data`,
 * `./init:/docker-entrypoint-initdb.d:ro`) and long (`{ type, source, target, read_only }`), read
 * into a mount, with what hearth cannot carry over named.
 */

import { isRecord } from './text.js'

export interface ComposeMount {
  type: 'bind' | 'volume'
  /** A host path as written (bind), a volume name (volume), or null for an anonymous volume. */
  source: string | null
  target: string
  readOnly: boolean
  /** Options hearth has no equivalent for, as written (`z`, `nocopy`, `bind.propagation`). */
  dropped: string[]
}

export type MountEntry = { ok: true; mount: ComposeMount } | { ok: false; reason: string }

/** Consistency flags for Docker Desktop's file sharing: no effect on Linux, nothing is lost. */
const HARMLESS_MODES = new Set(['rw', 'cached', 'delegated', 'consistent'])

/** One entry of a service's `volumes:` list. */
export function parseMount(entry: unknown): MountEntry {
  if (typeof entry === 'string') return parseShortMount(entry)
  if (isRecord(entry)) {
    return parseLongMount(entry)
  }
  return {
    ok: false,
    reason: 'not a volume: write "name:/path", "./folder:/path" or { type, source, target }',
  }
}

function parseShortMount(spec: string): MountEntry {
  const parts = spec.split(':')
  if (parts.length === 1) return anonymousOrTarget(parts[0] as string)
  if (parts.length > 3) return { ok: false, reason: `cannot read "${spec}"` }
  const [source = '', target = '', mode = ''] = parts
  const modes = mode === '' ? [] : mode.split(',')
  const dropped = modes.filter((item) => item !== 'ro' && !HARMLESS_MODES.has(item))
  if (!target.startsWith('/')) return { ok: false, reason: `the target "${target}" is not an absolute path` }
  return {
    ok: true,
    mount: {
      type: isHostPath(source) ? 'bind' : 'volume',
      source,
      target,
      readOnly: modes.includes('ro'),
      dropped,
    },
  }
}

function anonymousOrTarget(target: string): MountEntry {
  if (!target.startsWith('/')) return { ok: false, reason: `the target "${target}" is not an absolute path` }
  return { ok: true, mount: { type: 'volume', source: null, target, readOnly: false, dropped: [] } }
}

function parseLongMount(spec: Record<string, unknown>): MountEntry {
  const type = spec.type ?? 'volume'
  if (type !== 'bind' && type !== 'volume') {
    return {
      ok: false,
      reason:
        type === 'tmpfs'
          ? 'a tmpfs mount: hearth mounts volumes and folders only (the path stays in the container)'
          : `a ${String(type)} mount: hearth mounts volumes and folders only`,
    }
  }
  const target = spec.target
  if (typeof target !== 'string' || !target.startsWith('/')) {
    return { ok: false, reason: 'the long syntax needs target: an absolute path in the container' }
  }
  const source = typeof spec.source === 'string' && spec.source !== '' ? spec.source : null
  if (type === 'bind' && source === null) return { ok: false, reason: 'a bind mount needs source: a folder' }
  const dropped: string[] = []
  for (const key of ['bind', 'volume', 'tmpfs', 'image'] as const) {
    const options = spec[key]
    if (typeof options !== 'object' || options === null) continue
    // create_host_path: Compose creates a missing folder; hearth says that it is missing instead.
    for (const name of Object.keys(options)) if (name !== 'create_host_path') dropped.push(`${key}.${name}`)
  }
  return { ok: true, mount: { type, source, target, readOnly: spec.read_only === true, dropped } }
}

/** As Compose reads a short source: a path when it starts with `.`, `/` or `~`, else a volume name. */
function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~')
}
