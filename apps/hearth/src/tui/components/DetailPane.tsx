import { type HearthState, type ServiceKey, selectLogLines } from '@hearth/core'
import { Box, Text } from 'ink'
import type { DetailContent } from '../detail.js'
import { sanitizeLine } from '../text.js'
import { PaneTitle, Row, Styled } from './Styled.js'

export interface DetailPaneProps {
  state: HearthState
  /** What to show: a service's logs, or the selection's detail. */
  logs: ServiceKey | null
  content: DetailContent | null
  /** See `ViewState.scroll`. */
  scroll: number | null
  focused: boolean
  width: number
  /** Rows, the title included. */
  height: number
}

/**
 * The selected failure or service, or a service's output (following, or scrolled back). Output is
 * not coloured by stream: many services (Postgres) log everything to stderr.
 */
export function DetailPane(props: DetailPaneProps) {
  return props.logs === null ? <ContentView {...props} /> : <LogView {...props} logs={props.logs} />
}

function ContentView({ content, scroll, focused, width, height }: DetailPaneProps) {
  const rows = height - 1
  const lines = content?.lines ?? []
  const top = Math.min(scroll ?? 0, Math.max(0, lines.length - rows))
  const more =
    lines.length > rows ? ` · ${top + 1}–${Math.min(lines.length, top + rows)} of ${lines.length}` : ''
  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      <PaneTitle name="detail" focused={focused}>
        <Styled dim>{`${content?.title ?? 'nothing selected'}${more}`}</Styled>
      </PaneTitle>
      {lines.slice(top, top + rows).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
        <Row key={index}>
          <Styled tone={line.tone} dim={line.dim} bold={line.bold}>
            {line.text === '' ? ' ' : line.text}
          </Styled>
        </Row>
      ))}
    </Box>
  )
}

function LogView({ state, logs, scroll, focused, width, height }: DetailPaneProps & { logs: ServiceKey }) {
  const rows = height - 1
  const log = state.logs[logs]
  const end = log?.end ?? 0
  const start = log?.start ?? 0
  const from = scroll === null ? Math.max(start, end - rows) : Math.max(start, scroll)
  const { lines, start: first, end: last } = selectLogLines(state, logs, { from, limit: rows })
  const where =
    end === 0
      ? 'no output yet'
      : scroll === null
        ? `following · ${end - start} lines`
        : `lines ${first + 1}–${last} of ${end} · G follows`
  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      <PaneTitle name={`logs ${logs}`} focused={focused}>
        <Styled dim>{where}</Styled>
      </PaneTitle>
      {lines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a line's offset in the log is its identity
        <Row key={first + index}>
          <Text>{sanitizeLine(line.text) || ' '}</Text>
        </Row>
      ))}
    </Box>
  )
}
