/** Where each pane goes for a terminal size: pure, so resizing is tested without a terminal. */
export interface Layout {
  columns: number
  /** Rows rendered: one less than the terminal's (see {@link computeLayout}). */
  height: number
  /** Rows of each pane, its title row included. */
  services: number
  files: number
  detail: number
  /** Files and detail side by side (wide terminals), else stacked. */
  wide: boolean
  filesWidth: number
  detailWidth: number
}

/** Header, status line and footer. */
const CHROME_ROWS = 3
/** From this width on, the files and the detail sit side by side. */
export const WIDE_COLUMNS = 140

/**
 * The panes for `columns` × `rows`. One row is left free: an Ink frame as tall as the terminal is
 * redrawn with a clear-screen each time (it flickers); one row less is updated in place.
 */
export function computeLayout(
  columns: number,
  rows: number,
  content: { serviceRows: number; fileRows: number },
): Layout {
  const width = Math.max(20, columns)
  const height = Math.max(CHROME_ROWS + 3, rows - 1)
  const body = height - CHROME_ROWS
  const services = Math.max(2, Math.min(Math.max(1, content.serviceRows) + 1, Math.floor(body * 0.4)))
  const rest = Math.max(2, body - services)
  if (width >= WIDE_COLUMNS) {
    const filesWidth = Math.floor(width * 0.45)
    return {
      columns: width,
      height,
      services,
      files: rest,
      detail: rest,
      wide: true,
      filesWidth,
      detailWidth: width - filesWidth - 1,
    }
  }
  const files = Math.max(2, Math.min(Math.max(1, content.fileRows) + 1, Math.floor(rest / 2)))
  return {
    columns: width,
    height,
    services,
    files,
    detail: Math.max(1, rest - files),
    wide: false,
    filesWidth: width,
    detailWidth: width,
  }
}
