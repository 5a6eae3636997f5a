import { type HearthState, type RunState, selectRunCounts } from '@hearth/core'
import { plural } from '../text.js'
import { Row, Styled } from './Styled.js'

/** `hearth dev · shop · watching · run 3: running 4/10`. */
export function Header({ state }: { state: HearthState }) {
  const watch = state.watch
  const watching =
    watch.status === 'paused'
      ? `paused${watch.held.length > 0 ? ` (${plural(watch.held.length, 'save')} held)` : ''}`
      : watch.status === 'starting'
        ? 'scanning the project'
        : watch.status === 'watching'
          ? 'watching'
          : watch.status === 'stopped'
            ? 'stopped watching'
            : ''
  const run = runPhase(state)
  return (
    <Row>
      <Styled bold>{`hearth dev · ${state.project?.name ?? '…'}`}</Styled>
      {watching === '' ? null : (
        <Styled tone={watch.status === 'paused' ? 'warn' : null}>{` · ${watching}`}</Styled>
      )}
      {run === null ? null : <Styled tone={run.tone}>{` · ${run.text}`}</Styled>}
      {state.tests.pending === null ? null : (
        <Styled dim>{` · next: ${plural(Object.keys(state.tests.pending.files).length, 'file')}`}</Styled>
      )}
    </Row>
  )
}

function runPhase(
  state: HearthState,
): { text: string; tone: 'ok' | 'fail' | 'warn' | 'active' | null } | null {
  const run: RunState | null = state.tests.run
  if (run === null) return { text: 'no run yet', tone: null }
  const counts = selectRunCounts(state)
  if (run.blockedBy !== null)
    return {
      text: `run ${run.id} blocked: ${run.blockedBy.kind === 'build' ? `${run.blockedBy.name} does not build` : `${run.blockedBy.name} not ready`}`,
      tone: 'fail',
    }
  switch (run.phase) {
    case 'waiting':
      return { text: `run ${run.id}: waiting for its environments`, tone: 'active' }
    case 'resetting':
      return { text: `run ${run.id}: resetting`, tone: 'active' }
    case 'building': {
      const building = run.builds.find((build) => build.status === 'building')
      return {
        text: `run ${run.id}: building${building === undefined ? '' : ` ${building.name}`}`,
        tone: 'active',
      }
    }
    case 'running': {
      const done = counts.passed + counts.failed + counts.skipped
      return { text: `run ${run.id}: running ${done}/${run.files.length}`, tone: 'active' }
    }
    case 'cancelled':
      return { text: `run ${run.id} cancelled`, tone: 'warn' }
    case 'finished':
      if (counts.failed > 0 || run.errors.length > 0)
        return { text: `✗ run ${run.id}: ${counts.failed} failed, ${counts.passed} passed`, tone: 'fail' }
      return { text: `✓ run ${run.id}: ${counts.passed} passed`, tone: 'ok' }
  }
}
