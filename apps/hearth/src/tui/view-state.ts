import type { ServiceKey } from '@hearth/core'
import type { FileFilter } from './selectors.js'

/** The panes, in Tab order. */
export type Pane = 'services' | 'files' | 'detail'
export const PANES: readonly Pane[] = ['services', 'files', 'detail']

/** A line of feedback for the last key (or a warning), shown in the status line until the next key. */
export interface StatusMessage {
  text: string
  tone: 'info' | 'warn' | 'error'
}

/**
 * What the user chose to look at: the terminal UI's own state, apart from core's store (nothing
 * here is shared with other views). Changed only by {@link interpretKey} and the filter prompt.
 */
export interface ViewState {
  focus: Pane
  /** The service picked in the services pane; null until the user picks one. */
  service: ServiceKey | null
  /** The file picked in the files pane; null follows the run (its first failure, else its first file). */
  file: string | null
  /** Which list the detail pane describes: the one focused last. */
  subject: 'services' | 'files'
  /** The detail pane shows this service's output instead of the selection's detail. */
  logs: ServiceKey | null
  /**
   * The detail pane's scroll. Logs: the offset of the top line shown, null following the newest.
   * Otherwise: the first line shown, null at the top.
   */
  scroll: number | null
  /** A view filter of the files pane (set with `p` or `t`, cleared with Esc). */
  filter: FileFilter | null
  /** The filter prompt is open: its kind, and the text typed so far. */
  prompt: FileFilter | null
  help: boolean
  message: StatusMessage | null
}

export function initialViewState(): ViewState {
  return {
    focus: 'files',
    service: null,
    file: null,
    subject: 'files',
    logs: null,
    scroll: null,
    filter: null,
    prompt: null,
    help: false,
    message: null,
  }
}
