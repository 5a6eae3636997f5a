/**
 * Text helpers of the terminal UI: fitting strings into columns. Pure, so they are tested alone.
 * Widths count code points: paths, service names and log lines are nearly always narrow characters,
 * and a wide one at worst shifts the rest of its row by a column (Ink cuts what overflows the row).
 */

const ELLIPSIS = '…'

/** The number of terminal columns `text` takes (one per code point). */
export function widthOf(text: string): number {
  let width = 0
  for (const _ of text) width++
  return width
}

/** `text` cut to `width` columns, from the middle: `packages/bil…/invoice.test.ts`. */
export function truncateMiddle(text: string, width: number): string {
  const chars = [...text]
  if (chars.length <= width) return text
  if (width <= 0) return ''
  if (width === 1) return ELLIPSIS
  // The end of a path names the file: keep a little more of it than of the start.
  const tail = Math.ceil((width - 1) / 2)
  const head = width - 1 - tail
  return `${chars.slice(0, head).join('')}${ELLIPSIS}${chars.slice(chars.length - tail).join('')}`
}

/** `text` cut to `width` columns at its end: `connection refus…`. */
export function truncateEnd(text: string, width: number): string {
  const chars = [...text]
  if (chars.length <= width) return text
  if (width <= 0) return ''
  return `${chars.slice(0, width - 1).join('')}${ELLIPSIS}`
}

/** `text` padded with spaces (or cut from the middle) to exactly `width` columns. */
export function fitMiddle(text: string, width: number): string {
  const cut = truncateMiddle(text, width)
  return cut + ' '.repeat(Math.max(0, width - widthOf(cut)))
}

/**
 * An address in `width` columns, dropping what matters least before anything is cut: the
 * credentials, then the scheme, then the path, so that `postgres://app:secret@127.0.0.1:5432/app`
 * reads `127.0.0.1:5432` rather than `postgres:/…32/app`. Padded to `width`.
 */
export function fitAddress(address: string, width: number): string {
  let url: URL | null = null
  try {
    url = address.includes('://') ? new URL(address) : null
  } catch {
    url = null
  }
  const candidates =
    url === null || url.host === ''
      ? [address]
      : [
          address,
          `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`,
          `${url.host}${url.pathname === '/' ? '' : url.pathname}`,
          url.host,
        ]
  const fits = candidates.find((candidate) => widthOf(candidate) <= width)
  return fitMiddle(fits ?? (candidates.at(-1) as string), width)
}

/** `text` padded with spaces (or cut at its end) to exactly `width` columns. */
export function fitEnd(text: string, width: number): string {
  const cut = truncateEnd(text, width)
  return cut + ' '.repeat(Math.max(0, width - widthOf(cut)))
}

/** `text` right-aligned in `width` columns (cut at its end when longer). */
export function alignRight(text: string, width: number): string {
  const cut = truncateEnd(text, width)
  return ' '.repeat(Math.max(0, width - widthOf(cut))) + cut
}

/**
 * A line a process printed, made safe to show in one row: escape sequences (colours, cursor moves)
 * and other control characters removed, tabs expanded.
 */
export function sanitizeLine(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape sequences is the point
      .replace(/\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]/g, '')
      .replace(/\t/g, '  ')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: so are the other control characters
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f\r]/g, '')
  )
}

/**
 * A coarse age, for columns that must not need a timer every second: `<1m`, `12m`, `3h05m`, `2d4h`.
 * It changes once a minute at most (see {@link nextAgeChange}).
 */
export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000)
  if (minutes < 1) return '<1m'
  if (minutes < 60) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`
  return `${Math.floor(hours / 24)}d${hours % 24}h`
}

/**
 * When the first of these ages (measured from `origins`, epoch ms) shows a different
 * {@link formatAge}: the views re-render then, and not before. Null when there is none.
 */
export function nextAgeChange(now: number, origins: readonly number[]): number | null {
  let next: number | null = null
  for (const origin of origins) {
    const elapsed = Math.max(0, now - origin)
    const at = origin + (Math.floor(elapsed / 60_000) + 1) * 60_000
    if (next === null || at < next) next = at
  }
  return next
}

/** `~/src/shop` for a folder under the home folder, else the path as it is. */
export function homeRelative(folder: string, home: string | undefined): string {
  if (home === undefined || home === '' || home === '/') return folder
  if (folder === home) return '~'
  return folder.startsWith(`${home}/`) ? `~${folder.slice(home.length)}` : folder
}

/** `1 file`, `3 files`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}

/**
 * `text` cut into rows of `width` columns at most, at a space when one is near the end of the row
 * (a long word is cut), so that what scrolls is counted in rows. An empty line stays one empty row.
 */
export function wrapLine(text: string, width: number): string[] {
  const chars = [...text]
  if (width <= 0) return []
  if (chars.length <= width) return [text]
  const rows: string[] = []
  let start = 0
  while (chars.length - start > width) {
    // Break after the last space of the row when it is not too far back; else cut the word.
    let end = start + width
    for (let at = end; at > start + Math.floor(width * 0.6); at--) {
      if (chars[at - 1] === ' ') {
        end = at
        break
      }
    }
    rows.push(chars.slice(start, end).join('').trimEnd())
    start = end
  }
  rows.push(chars.slice(start).join(''))
  return rows
}

/** A path cut to `width` columns from its start, keeping its end (the part that names it): `…/examples/demo`. */
export function truncateStart(text: string, width: number): string {
  const chars = [...text]
  if (chars.length <= width) return text
  if (width <= 0) return ''
  return `…${chars.slice(chars.length - (width - 1)).join('')}`
}
