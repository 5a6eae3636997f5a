/**
 * Terminal styling for the headless output: colour only on a TTY, never with NO_COLOR set or
 * FORCE_COLOR=0, so CI logs and pipes get plain text.
 */
export interface Style {
  bold(text: string): string
  dim(text: string): string
  red(text: string): string
  green(text: string): string
  yellow(text: string): string
  cyan(text: string): string
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const

export function createStyle(stream: NodeJS.WriteStream | { isTTY?: boolean }, env = process.env): Style {
  const enabled =
    env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0'
      ? true
      : env.NO_COLOR === undefined && env.FORCE_COLOR !== '0' && stream.isTTY === true && env.TERM !== 'dumb'
  const wrap =
    (name: keyof typeof codes) =>
    (text: string): string =>
      enabled ? `\u001b[${codes[name][0]}m${text}\u001b[${codes[name][1]}m` : text
  return {
    bold: wrap('bold'),
    dim: wrap('dim'),
    red: wrap('red'),
    green: wrap('green'),
    yellow: wrap('yellow'),
    cyan: wrap('cyan'),
  }
}

/** Removes ANSI styling, for widths and for tests. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}
