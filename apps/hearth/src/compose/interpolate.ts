/**
 * Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `$$`, …), as the Compose
 * specification defines it, over the variables hearth was given (never the shell: a developer's
 * environment must not end up in a committed config).
 */

export interface Interpolated {
  value: string
  /** Variables referenced without a value and without a default: replaced by "" as Compose does. */
  unresolved: string[]
  /** Variables whose value came from `variables`. */
  used: string[]
}

/** A `${` without its `}`, or a braced expression Compose does not accept. */
export class InterpolationError extends Error {
  override readonly name = 'InterpolationError'
}

const NAME_START = /[_a-zA-Z]/
const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/
const BRACED = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:-|-|:\?|\?|:\+|\+)([\s\S]*))?$/

/**
 * Expands one string. `$$` is a literal `$`; `$NAME` and `${NAME}` its value; `${NAME:-x}` /
 * `${NAME-x}` a default when unset or empty / unset; `${NAME:?msg}` / `${NAME?msg}` a required
 * variable; `${NAME:+x}` / `${NAME+x}` an alternative. Operands nest and are expanded only when
 * used, so a variable in an unused default is not reported. A `$` before anything else is kept.
 */
export function interpolate(text: string, variables: Readonly<Record<string, string>>): Interpolated {
  const unresolved = new Set<string>()
  const used = new Set<string>()
  const lookup = (name: string): string | undefined => {
    if (!Object.hasOwn(variables, name)) return undefined
    used.add(name)
    return variables[name]
  }
  const value = expand(text, lookup, unresolved)
  return { value, unresolved: [...unresolved], used: [...used] }
}

function expand(text: string, lookup: (name: string) => string | undefined, unresolved: Set<string>): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const char = text[i] as string
    const next = text[i + 1]
    if (char !== '$' || next === undefined) {
      out += char
      i++
    } else if (next === '$') {
      out += '$'
      i += 2
    } else if (next === '{') {
      const end = closingBrace(text, i + 2)
      out += braced(text.slice(i + 2, end), lookup, unresolved)
      i = end + 1
    } else if (NAME_START.test(next)) {
      const name = (NAME.exec(text.slice(i + 1)) as RegExpExecArray)[0]
      const value = lookup(name)
      if (value === undefined) unresolved.add(name)
      out += value ?? ''
      i += 1 + name.length
    } else {
      out += '$'
      i++
    }
  }
  return out
}

/** The index of the `}` that closes a `${` whose content starts at `from`; nested `${…}` skipped. */
function closingBrace(text: string, from: number): number {
  let depth = 0
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++
      i++
    } else if (text[i] === '}') {
      if (depth === 0) return i
      depth--
    }
  }
  throw new InterpolationError(`"\${${text.slice(from)}" has no closing "}"`)
}

function braced(
  content: string,
  lookup: (name: string) => string | undefined,
  unresolved: Set<string>,
): string {
  const match = BRACED.exec(content)
  if (match === null) {
    throw new InterpolationError(
      `"\${${content}}" is not an interpolation Compose understands (\${VAR}, \${VAR:-default}, \${VAR:?error}, \${VAR:+alt})`,
    )
  }
  const [, name = '', operator, operand = ''] = match
  const value = lookup(name)
  const set = value !== undefined
  const nonEmpty = set && value !== ''
  const operandValue = (): string => expand(operand, lookup, unresolved)
  switch (operator) {
    case undefined:
      if (!set) unresolved.add(name)
      return value ?? ''
    case ':-':
      return nonEmpty ? value : operandValue()
    case '-':
      return set ? value : operandValue()
    case ':?':
    case '?':
      // Compose would stop here; a conversion goes on and reports the variable instead.
      if (operator === ':?' ? nonEmpty : set) return value as string
      unresolved.add(name)
      return ''
    case ':+':
      return nonEmpty ? operandValue() : ''
    case '+':
      return set ? operandValue() : ''
    default:
      return value ?? ''
  }
}
