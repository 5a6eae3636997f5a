/**
 * How Compose turns a string `command:` into arguments. It runs no shell: it splits the string into
 * words (go-shellwords, which compose-go uses) and the image's entrypoint gets them. hearth runs a
 * string command through `/bin/sh -c`, so a converted command must be this argument list instead.
 */

export type ShellWords =
  | {
      ok: true
      words: string[]
      /** From the first unquoted `;`, `&`, `|`, `<` or `>` on: Compose drops it without a word. */
      dropped: string | null
    }
  | { ok: false; error: string }

const OPERATORS = new Set([';', '&', '|', '<', '>'])
const SPACE = new Set([' ', '\t', '\r', '\n'])

/**
 * Splits like go-shellwords without its environment and backtick expansion: blanks separate words;
 * single quotes keep everything; double quotes keep blanks; a backslash (outside single quotes)
 * escapes the next character (`\n` and `\t` become a newline and a tab); `''` is an empty word;
 * `$(…)` and backticks are kept as they are, blanks included. An unquoted `(` that opens no `$(`,
 * an unmatched `)` and an unclosed quote are errors.
 */
export function splitShellWords(line: string): ShellWords {
  const words: string[] = []
  let word = ''
  let started = false
  let escaped = false
  let single = false
  let double = false
  let backtick = false
  let dollar = false
  let dropped: string | null = null
  const chars = [...line]
  for (let i = 0; i < chars.length; i++) {
    let char = chars[i] as string
    if (escaped) {
      escaped = false
      if (backtick || dollar) word += `\\${char}`
      else {
        if (char === 'n') char = '\n'
        else if (char === 't') char = '\t'
        word += char
      }
      started = true
      continue
    }
    if (char === '\\') {
      if (single) word += char
      else escaped = true
      continue
    }
    if (SPACE.has(char)) {
      if (single || double || backtick || dollar) word += char
      else if (started) {
        words.push(word)
        word = ''
        started = false
      }
      continue
    }
    const quoted = single || double || backtick || dollar
    if (char === '`' && !single && !double && !dollar) backtick = !backtick
    else if (char === ')' && !single && !double && !backtick) {
      if (!dollar) return { ok: false, error: 'an unmatched ")"' }
      dollar = false
    } else if (char === '(' && !single && !double && !backtick) {
      if (dollar || !word.endsWith('$')) return { ok: false, error: 'a "(" outside quotes' }
      dollar = true
    } else if (char === '"' && !single && !dollar && !backtick) {
      double = !double
      started = true
      continue
    } else if (char === "'" && !double && !dollar && !backtick) {
      single = !single
      started = true
      continue
    } else if (OPERATORS.has(char) && !quoted) {
      // `2>file`: the digits belong to the redirection, not to a word.
      if (char === '>' && started && /^\d+$/.test(word)) {
        dropped = `${word}${chars.slice(i).join('')}`
        started = false
      } else dropped = chars.slice(i).join('')
      break
    }
    word += char
    started = true
  }
  if (escaped || single || double || backtick || dollar) {
    return {
      ok: false,
      error: single || double ? 'an unclosed quote' : 'an unfinished escape or substitution',
    }
  }
  if (started) words.push(word)
  return { ok: true, words, dropped }
}
