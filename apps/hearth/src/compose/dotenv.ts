import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { interpolate } from './interpolate.js'

/** The variables Compose reads for `${VAR}`, and the file they came from (relative to the root). */
export interface ComposeVariables {
  file: string
  variables: Record<string, string>
}

/**
 * The `.env` beside the Compose file `file` (relative to `root`), which Compose reads for `${VAR}`;
 * null when there is none. Pass its `variables` and `file` to {@link convertCompose} as
 * `variables` and `variablesFrom`.
 */
export async function composeVariables(root: string, file: string): Promise<ComposeVariables | null> {
  const relative = path.posix.join(path.posix.dirname(file), '.env')
  const text = await readFile(path.join(root, relative), 'utf8').catch(() => null)
  return text === null ? null : { file: relative, variables: parseDotenv(text) }
}

/**
 * Compose's `.env` (the file beside the Compose file that `${VAR}` interpolation reads): `KEY=value`
 * lines, `export KEY=value`, `#` comments (after a blank, on unquoted values), single-quoted values
 * kept as written, double-quoted ones with `\n`, `\t`, `\"` and `\\` escapes; unquoted and
 * double-quoted values expand `${VAR}` from the lines above, as Compose does. Lines it cannot read
 * are skipped.
 */
export function parseDotenv(text: string): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line)
    if (match === null) continue
    const [, name = '', rest = ''] = match
    variables[name] = readValue(rest, variables)
  }
  return variables
}

function readValue(rest: string, before: Readonly<Record<string, string>>): string {
  const quote = rest[0]
  if (quote === "'") {
    const end = rest.indexOf("'", 1)
    return end < 0 ? rest.slice(1) : rest.slice(1, end)
  }
  if (quote === '"') {
    let out = ''
    for (let i = 1; i < rest.length; i++) {
      const char = rest[i] as string
      if (char === '"') break
      if (char === '\\' && i + 1 < rest.length) {
        const next = rest[++i] as string
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next
      } else out += char
    }
    return expand(out, before)
  }
  const comment = rest.search(/\s#/)
  return expand((comment < 0 ? rest : rest.slice(0, comment)).trim(), before)
}

function expand(value: string, before: Readonly<Record<string, string>>): string {
  try {
    return interpolate(value, before).value
  } catch {
    return value
  }
}
