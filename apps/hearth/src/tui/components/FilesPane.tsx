import {
  describeReasonShort,
  type HearthState,
  type SelectionReason,
  selectRunCounts,
  type TestFileState,
} from '@hearth/core'
import { formatDuration } from '@hearth/environments'
import { Box } from 'ink'
import type { Tone } from '../palette.js'
import { type FileFilter, selectTimeSaved, selectWindow } from '../selectors.js'
import { alignRight, fitMiddle, plural } from '../text.js'
import { PaneTitle, Row, Styled, spinnerFrame } from './Styled.js'

export interface FilesPaneProps {
  state: HearthState
  /** The files listed (filtered), in order. */
  files: readonly TestFileState[]
  selected: TestFileState | null
  filter: FileFilter | null
  focused: boolean
  width: number
  /** Rows, the title included. */
  height: number
  tick: number
}

/**
 * The files of the current (or last) run: status, path (cut from the middle), duration and why it
 * ran; the counts and the time the selection saved in the title. Only the rows that fit render.
 */
export function FilesPane({ state, files, selected, filter, focused, width, height, tick }: FilesPaneProps) {
  const run = state.tests.run
  const index = selected === null ? 0 : Math.max(0, files.indexOf(selected))
  const visible = selectWindow(files.length, index, height - 1)
  const reasonWidth = Math.min(26, Math.max(10, Math.floor(width * 0.3)))
  const pathWidth = Math.max(10, width - 2 - 2 - 9 - 1 - reasonWidth - 1)
  const total = run === null ? Object.keys(state.tests.files).length : run.files.length
  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      <PaneTitle name={run === null ? 'test files' : `run ${run.id}`} focused={focused}>
        <RunSummary state={state} />
        {filter === null ? null : (
          <Styled tone="accent">{` · ${filter.kind === 'path' ? 'path' : 'test'} ~ "${filter.text}": ${files.length} of ${total}`}</Styled>
        )}
        {files.length > height - 1 ? (
          <Styled dim>{` · ${visible.start + 1}–${visible.end} of ${files.length}`}</Styled>
        ) : null}
      </PaneTitle>
      {files.length === 0 ? (
        <Row>
          <Styled dim>
            {total === 0
              ? '  no test files found (the test groups in hearth.config.ts say which)'
              : '  no file matches the filter (Esc clears it)'}
          </Styled>
        </Row>
      ) : null}
      {files.slice(visible.start, visible.end).map((file) => (
        <FileRow
          key={file.file}
          file={file}
          selected={file === selected}
          focused={focused}
          pathWidth={pathWidth}
          reasonWidth={reasonWidth}
          tick={tick}
        />
      ))}
    </Box>
  )
}

/** `✓ 12 ✗ 2 · 3.40 s · saved ~41 s vs whole suite`, or what the run waits for. */
function RunSummary({ state }: { state: HearthState }) {
  const run = state.tests.run
  if (run === null) {
    const count = Object.keys(state.tests.files).length
    return <Styled dim>{`${plural(count, 'file')} · none run yet (a runs them all)`}</Styled>
  }
  const counts = selectRunCounts(state)
  const saved = selectTimeSaved(state)
  const took =
    run.startedAt !== null && run.finishedAt !== null
      ? ` · ${formatDuration(run.finishedAt - run.startedAt)}`
      : ''
  const phase =
    run.phase === 'finished'
      ? ''
      : run.phase === 'running'
        ? ''
        : ` · ${run.phase === 'waiting' ? 'waiting for its environments' : run.phase}`
  return (
    <>
      <Styled
        dim
      >{`${run.trigger === 'all' ? 'all' : run.trigger === 'since' ? 'since' : 'affected'} · `}</Styled>
      <Styled tone="ok">{`✓ ${counts.passed}`}</Styled>
      {counts.failed > 0 ? <Styled tone="fail">{` ✗ ${counts.failed}`}</Styled> : null}
      {counts.skipped > 0 ? <Styled dim>{` - ${counts.skipped}`}</Styled> : null}
      {counts.flaky > 0 ? <Styled tone="warn">{` · ${counts.flaky} flaky`}</Styled> : null}
      <Styled dim>{`${phase}${took}`}</Styled>
      {saved !== null && saved.savedMs >= 1000 ? (
        <Styled dim>{` · saved ~${formatDuration(saved.savedMs)} vs whole suite`}</Styled>
      ) : null}
    </>
  )
}

function FileRow({
  file,
  selected,
  focused,
  pathWidth,
  reasonWidth,
  tick,
}: {
  file: TestFileState
  selected: boolean
  focused: boolean
  pathWidth: number
  reasonWidth: number
  tick: number
}) {
  const { mark, tone } = fileMark(file, tick)
  const duration =
    file.durationMs !== null && file.status !== 'queued' && file.status !== 'running'
      ? formatDuration(file.durationMs)
      : file.expectedMs !== null && (file.status === 'queued' || file.status === 'running')
        ? `~${formatDuration(file.expectedMs)}`
        : ''
  return (
    <Row>
      <Styled bold>{selected ? '›' : ' '}</Styled>
      <Styled tone={tone} dim={tone === null}>
        {mark}
      </Styled>{' '}
      <Styled inverse={selected && focused} bold={selected}>
        {fitMiddle(file.path, pathWidth)}
      </Styled>
      <Styled dim={file.status !== 'passed' && file.status !== 'failed'}>{alignRight(duration, 9)}</Styled>{' '}
      {file.flaky ? <Styled tone="warn">flaky </Styled> : null}
      <Styled dim>{fitMiddle(shortReasons(file.reasons), file.flaky ? reasonWidth - 6 : reasonWidth)}</Styled>
    </Row>
  )
}

function fileMark(file: TestFileState, tick: number): { mark: string; tone: Tone | null } {
  switch (file.status) {
    case 'passed':
      return { mark: '✓', tone: file.flaky ? 'warn' : 'ok' }
    case 'failed':
      return { mark: '✗', tone: 'fail' }
    case 'running':
      return { mark: spinnerFrame(tick), tone: 'active' }
    case 'queued':
      return { mark: '·', tone: null }
    case 'skipped':
      return { mark: '-', tone: null }
    case 'cancelled':
      return { mark: '⊘', tone: null }
    case 'idle':
      return { mark: ' ', tone: null }
  }
}

/** `imports src/money.ts`, `api restarted +1`: the first reason that says something, and how many more. */
function shortReasons(reasons: readonly SelectionReason[]): string {
  const telling = reasons.filter((reason) => reason.kind !== 'all')
  const first = telling[0] ?? reasons[0]
  if (first === undefined) return ''
  const more = Math.max(0, (telling.length > 0 ? telling.length : reasons.length) - 1)
  return `${describeReasonShort(first)}${more > 0 ? ` +${more}` : ''}`
}
