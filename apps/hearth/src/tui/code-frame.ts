import { readFileSync } from 'node:fs'

/** Reads a source file's text, or null when it cannot (deleted, unreadable). Injected for tests. */
export type SourceReader = (file: string) => string | null

export const readSource: SourceReader = (file) => {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** One line of a code frame: its number, its text, and whether it is the failing one. */
export interface CodeFrameLine {
  number: number
  text: string
  marked: boolean
}

/**
 * The lines around `line` (1-based) of a source: `context` before and after, the failing one
 * marked; empty when the line is not in the source (the file changed since the run).
 */
export function codeFrame(source: string, line: number, context = 2): CodeFrameLine[] {
  const lines = source.split(/\r?\n/)
  if (line < 1 || line > lines.length) return []
  const first = Math.max(1, line - context)
  const last = Math.min(lines.length, line + context)
  const frame: CodeFrameLine[] = []
  for (let number = first; number <= last; number++) {
    frame.push({ number, text: lines[number - 1] ?? '', marked: number === line })
  }
  return frame
}

/**
 * A reader that reads each file once: the detail pane is rebuilt on every state change (a log line,
 * a spinner frame), and must not read the failing test's source each time. Make a new one when the
 * results change (a rerun after an edit).
 */
export function cachedReader(read: SourceReader): SourceReader {
  const cache = new Map<string, string | null>()
  return (file) => {
    if (!cache.has(file)) cache.set(file, read(file))
    return cache.get(file) ?? null
  }
}
