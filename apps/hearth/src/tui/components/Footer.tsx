import type { HearthState } from '@hearth/core'
import { Text } from 'ink'
import { homeRelative, plural, truncateStart, widthOf } from '../text.js'
import { useTui } from '../tui-context.js'
import type { Pane } from '../view-state.js'
import { Row, Styled } from './Styled.js'

const HINTS: Readonly<Record<Pane | 'logs', string>> = {
  services: 'r restart  x reset  l logs',
  files: '⏎ rerun  a all  f failed  p/t filter',
  detail: 'j/k scroll  space pause',
  logs: 'j/k scroll  G follow  Esc close',
}

/** What is watched, and the keys that matter where the focus is. */
export function Footer({
  state,
  focus,
  logs,
  width,
}: {
  state: HearthState
  focus: Pane
  logs: boolean
  width: number
}) {
  const { home } = useTui()
  const hints = `${HINTS[logs && focus === 'detail' ? 'logs' : focus]}  h help  q quit`
  const watch = state.watch
  const root = homeRelative(watch.root ?? state.project?.root ?? '', home)
  const room = Math.max(12, width - widthOf(hints) - 14)
  const where =
    watch.status === 'paused'
      ? `paused · ${plural(watch.held.length, 'save')} held`
      : watch.status === 'watching'
        ? `watching ${truncateStart(root, room)}`
        : watch.status === 'starting'
          ? `scanning ${truncateStart(root, room)}`
          : 'not watching'
  return (
    <Row>
      <Styled tone={watch.status === 'paused' ? 'warn' : null} dim={watch.status !== 'paused'}>
        {where}
      </Styled>
      <Styled dim>{' │ '}</Styled>
      <Text>{hints}</Text>
    </Row>
  )
}
