import type { BuildReason, SelectionReason } from './state.js'

/** Why a file runs, in words: the import chain or the rule that matched. Every view uses these words. */
export function describeReason(reason: SelectionReason): string {
  switch (reason.kind) {
    case 'import': {
      const via = reason.chain.slice(1, -1)
      const through = via.length === 0 ? '' : ` via ${via.join(' → ')}`
      const build =
        reason.viaBuildOutput === null ? '' : ` (${reason.viaBuildOutput} is used through its build output)`
      return `it imports ${reason.changed}${through}${build}`
    }
    case 'rule':
      if (reason.rule === 'config')
        return reason.changed === reason.name
          ? `its Vitest config ${reason.changed} changed`
          : `${reason.changed} changed, which its Vitest config ${reason.name} imports`
      return `${reason.changed} matches ${reason.glob} (${reason.rule === 'global' ? 'a global trigger' : `${reason.rule} ${reason.name}`})`
    case 'restarted':
      return `${reason.service} was restarted`
    case 'retry':
      return `it failed (retry ${reason.attempt})`
    case 'all':
      return 'every test runs'
  }
}

/**
 * The same reason in a few words, for a column: `imports src/money.ts`, `config vitest.config.ts`,
 * `api restarted`, `all`.
 */
export function describeReasonShort(reason: SelectionReason): string {
  switch (reason.kind) {
    case 'import':
      return reason.chain.length <= 2 ? `imports ${reason.changed}` : `reaches ${reason.changed}`
    case 'rule':
      return reason.rule === 'global' ? `${reason.changed} (global)` : `${reason.rule} ${reason.name}`
    case 'restarted':
      return `${reason.service} restarted`
    case 'retry':
      return `retry ${reason.attempt}`
    case 'all':
      return 'all'
  }
}

const KIND_WORDS: Readonly<Record<SelectionReason['kind'], string>> = {
  import: 'it imports a changed file',
  rule: 'a changed file matches a trigger',
  restarted: 'a service it uses was restarted',
  all: 'every test runs',
  retry: 'it failed and runs again',
}

/** A kind of reason in words, for summaries that count files by why they ran. */
export function describeReasonKind(kind: SelectionReason['kind']): string {
  return KIND_WORDS[kind]
}

/** Why a package is rebuilt, in a few words: `dist/index.mjs is missing`, `src/keys.ts is newer than dist/index.mjs`. */
export function describeBuildReason(reason: BuildReason): string {
  return reason.kind === 'missing'
    ? `${reason.output} is missing`
    : `${reason.newer} is newer than ${reason.output}`
}
