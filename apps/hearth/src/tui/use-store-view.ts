import { type HearthState, type HearthStore, type ServiceKey, selectRedactedState } from '@hearth/core'
import { useEffect, useRef, useState } from 'react'
import { countRestarts } from './selectors.js'

/** At most one re-render per this many ms, however fast the store changes (a busy log, a big run). */
export const RENDER_INTERVAL_MS = 50
/** New lines of the service whose output is on screen: at most one render per this many ms. */
export const LOG_RENDER_INTERVAL_MS = 250

export interface StoreView {
  /** The state with its secrets masked (`selectRedactedState`): what the UI may show. */
  state: HearthState
  /** Restarts per service since the UI opened (counted on every change, not only rendered ones). */
  restarts: ReadonlyMap<ServiceKey, number>
}

/**
 * Core's state for rendering: subscribed to every change, re-rendered at most every
 * {@link RENDER_INTERVAL_MS}, and not at all while nothing changes (no timer runs when idle).
 */
export function useStoreView(
  store: HearthStore,
  {
    intervalMs = RENDER_INTERVAL_MS,
    shownLog = null,
  }: {
    intervalMs?: number
    /** The service whose output is on screen: other services' new lines cause no render. */
    shownLog?: ServiceKey | null
  } = {},
): StoreView {
  const [view, setView] = useState<StoreView>(() => ({
    state: selectRedactedState(store.getState()),
    restarts: new Map(),
  }))
  const shown = useRef(store.getState())
  const restarts = useRef<ReadonlyMap<ServiceKey, number>>(new Map())
  const log = useRef(shownLog)
  log.current = shownLog
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null
    let due = 0
    let last = 0
    const flush = (): void => {
      timer = null
      last = Date.now()
      shown.current = store.getState()
      setView({ state: selectRedactedState(shown.current), restarts: restarts.current })
    }
    const unsubscribe = store.subscribe((state, previous) => {
      restarts.current = countRestarts(previous, state, restarts.current)
      let interval = intervalMs
      if (onlyLogsChanged(previous, state)) {
        // Output of a service not on screen: nothing to draw.
        if (log.current === null || state.logs[log.current] === previous.logs[log.current]) return
        // The log pane follows at a reading pace: a frame of Ink costs ~10–30 ms, a busy service
        // writes far more often than anyone reads.
        interval = Math.max(intervalMs, LOG_RENDER_INTERVAL_MS)
      }
      const at = Math.max(Date.now(), last + interval)
      // A render is due sooner than this change needs: it will show this change too.
      if (timer !== null && due <= at) return
      if (timer !== null) clearTimeout(timer)
      due = at
      timer = setTimeout(flush, at - Date.now())
    })
    // A change between the first render and this subscription is not lost.
    if (store.getState() !== shown.current) flush()
    return () => {
      unsubscribe()
      if (timer !== null) clearTimeout(timer)
    }
  }, [store, intervalMs])
  return view
}

/** Whether nothing but services' output changed between two states. */
function onlyLogsChanged(previous: HearthState, next: HearthState): boolean {
  if (previous.logs === next.logs) return false
  for (const key of Object.keys(next) as Array<keyof HearthState>)
    if (key !== 'logs' && next[key] !== previous[key]) return false
  return true
}
