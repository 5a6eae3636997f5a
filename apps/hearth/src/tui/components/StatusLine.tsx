import type { HearthState } from '@hearth/core'
import type { StatusMessage } from '../view-state.js'
import { Row, Styled } from './Styled.js'

/** Feedback for the last key, else the latest warning, else the last change seen. */
export function StatusLine({ state, message }: { state: HearthState; message: StatusMessage | null }) {
  if (message !== null)
    return (
      <Row>
        <Styled tone={message.tone === 'info' ? 'active' : message.tone === 'warn' ? 'warn' : 'fail'}>
          {message.text}
        </Styled>
      </Row>
    )
  const fatal = state.session.fatal
  if (fatal !== null)
    return (
      <Row>
        <Styled tone="fail">{`✗ ${fatal.cause}${fatal.fix === null ? '' : ` · fix: ${fatal.fix}`}`}</Styled>
      </Row>
    )
  const warning = state.session.warnings.at(-1)
  if (warning !== undefined)
    return (
      <Row>
        <Styled tone="warn">{`! ${warning.message}${warning.fix === null ? '' : ` · fix: ${warning.fix}`}`}</Styled>
      </Row>
    )
  const change = state.tests.lastChange
  if (change !== null) {
    const more = change.paths.length > 1 ? ` and ${change.paths.length - 1} more` : ''
    return (
      <Row>
        <Styled dim>{`↻ changed: ${change.paths[0] ?? ''}${more}`}</Styled>
      </Row>
    )
  }
  return <Row> </Row>
}
