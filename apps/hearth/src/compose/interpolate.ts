/**
 * Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `$$`, …), as the Compose
 * specification defines it, over the variables hearth was given (never the shell: a developer's
 * environment must not end up in a committed config).
 */

export interface Interpolated {
  value: string
  /** Variables referenced without a value and without a default: replaced by "" as Compose does. */
  unresolved: string[]
  /**
   * `${VAR:?message}` / `${VAR?message}` without a value: Compose refuses to start and prints the
   * message (as written, not expanded). `value` has "" in their place.
   */
  required: RequiredVariable[]
  /** Variables whose value came from `variables`. */
  used: string[]
}

export interface RequiredVariable {
  name: string
  /** The author's message, as written in the file ("" when there is none). */
  message: string
}

/**
 * A `${` without its `}`, or a braced expression Compose does not accept. Its message names the
 * variable, never the rest of the expression: a default there may be a password.
 */
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
  const used = new Set<string>()
  const state: State = {
    lookup: (name) => {
      if (!Object.hasOwn(variables, name)) return undefined
      used.add(name)
      return variables[name]
    },
    unresolved: new Set(),
    required: new Map(),
  }
  const value = expand(text, state)
  return {
    value,
    unresolved: [...state.unresolved],
    required: [...state.required].map(([name, message]) => ({ name, message })),
    used: [...used],
  }
}

interface State {
  lookup: (name: string) => string | undefined
  unresolved: Set<string>
  /** Required variables without a value → their message. */
  required: Map<string, string>
}

function expand(text: string, state: State): string {
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
      out += braced(text.slice(i + 2, end), state)
      i = end + 1
    } else if (NAME_START.test(next)) {
      const name = (NAME.exec(text.slice(i + 1)) as RegExpExecArray)[0]
      const value = state.lookup(name)
      if (value === undefined) state.unresolved.add(name)
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
  throw new InterpolationError(`${named(text.slice(from), '')} has no closing "}"`)
}

/** `"${NAME…}"`: the expression by its variable alone (what follows the name may be a password). */
function named(content: string, close: string): string {
  const name = NAME.exec(content)?.[0] ?? ''
  return `"\${${name}${content.length > name.length ? '…' : ''}${close}"`
}

function braced(content: string, state: State): string {
  const match = BRACED.exec(content)
  if (match === null) {
    throw new InterpolationError(
      `${named(content, '}')} is not an interpolation Compose understands (\${VAR}, \${VAR:-default}, \${VAR:?error}, \${VAR:+alt})`,
    )
  }
  const [, name = '', operator, operand = ''] = match
  const value = state.lookup(name)
  const set = value !== undefined
  const nonEmpty = set && value !== ''
  const operandValue = (): string => expand(operand, state)
  switch (operator) {
    case undefined:
      if (!set) state.unresolved.add(name)
      return value ?? ''
    case ':-':
      return nonEmpty ? value : operandValue()
    case '-':
      return set ? value : operandValue()
    case ':?':
    case '?':
      // Compose would stop here; a conversion goes on and reports the variable instead.
      if (operator === ':?' ? nonEmpty : set) return value as string
      if (!state.required.has(name)) state.required.set(name, operand)
      return ''
    case ':+':
      return nonEmpty ? operandValue() : ''
    case '+':
      return set ? operandValue() : ''
    default:
      return value ?? ''
  }
}
