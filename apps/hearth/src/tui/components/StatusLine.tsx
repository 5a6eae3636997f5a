import { type HearthState, type ServiceState, selectDiedInUse } from '@hearth/core'
import type { StatusMessage } from '../view-state.js'
import { Row, Styled } from './Styled.js'

/**
 * Feedback for the last key, else a fatal error, else the services that died while in use (with
 * the offer to restart them), else the latest warning, else the last change seen.
 */
export function StatusLine({
  state,
  message,
  selected = null,
}: {
  state: HearthState
  message: StatusMessage | null
  /** The selected service: `r` restarts it rather than the ones that died. */
  selected?: string | null
}) {
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
  const died = selectDiedInUse(state)
  if (died.length > 0) {
    const [first] = died as [ServiceState, ...ServiceState[]]
    const others = died.length > 1 ? ` (and ${died.length - 1} more)` : ''
    const offer = selected === null || died.some((service) => service.key === selected)
    // The offer before the details (the detail pane has them), so a narrow line keeps it.
    const [what, details] = splitCause(first.failure?.cause ?? 'stopped while in use')
    const restart = offer
      ? `r restarts ${died.length > 1 ? 'them' : 'it'}`
      : `select ${first.key} and press r`
    return (
      <Row>
        <Styled tone="fail">{`✗ ${first.key} ${what}${others} · ${restart}${details === '' ? '' : ` · ${details}`}`}</Styled>
      </Row>
    )
  }
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

/** "stopped while in use: it exited with code 137 …" → ["stopped while in use", "it exited …"]. */
function splitCause(cause: string): [string, string] {
  const colon = cause.indexOf(': ')
  return colon === -1 ? [cause, ''] : [cause.slice(0, colon), cause.slice(colon + 2)]
}
