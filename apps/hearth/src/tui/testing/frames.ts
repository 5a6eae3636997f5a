/**
 * Reading frames in tests: a pane's rows (from its title row to the next pane's), trailing blanks
 * and blank rows trimmed. Test helper.
 */
const TITLE = /^ (services|run \d+|test files|detail|logs \S+|keys) /

export function pane(frame: string, name: 'services' | 'files' | 'detail' | 'logs' | 'keys'): string[] {
  const lines = frame.split('\n')
  const matches = (line: string): boolean => {
    const title = TITLE.exec(line)?.[1]
    if (title === undefined) return false
    if (name === 'files') return title === 'test files' || title.startsWith('run ')
    if (name === 'logs') return title.startsWith('logs ')
    return title === name
  }
  const start = lines.findIndex(matches)
  if (start < 0) throw new Error(`no ${name} pane in the frame:\n${frame}`)
  let end = lines.findIndex((line, index) => index > start && TITLE.test(line))
  // The last pane runs to the status line and footer (the last two rows).
  if (end < 0) end = lines.length - 2
  const rows = lines.slice(start, end).map((line) => line.trimEnd())
  while (rows.length > 1 && rows.at(-1) === '') rows.pop()
  return rows
}

/** The frame with each row's trailing blanks trimmed (as a terminal shows it). */
export function trimmed(frame: string): string {
  return frame
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}

/** The status line (the row above the footer). */
export function statusLine(frame: string): string {
  const lines = frame.split('\n')
  return (lines.at(-2) ?? '').trimEnd()
}
