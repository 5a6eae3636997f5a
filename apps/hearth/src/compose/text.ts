/**
 * Small helpers the converter's modules share (and `hearth init`, which prints the same kind of
 * config comments): reading YAML values and laying out comment lines.
 */

/** A YAML mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Words of `text` in lines of at most `width` (a longer word stands alone), continuation lines
 * starting with `indent`.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = `${indent}${word}`
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') lines.push(line)
  return lines
}
