import type { HearthStore } from './create-store.js'
import type { HearthState } from './state.js'

/**
 * Resolves with the state once `done` holds (now, or after a later dispatch), or as soon as
 * `signal` aborts (with the state then). How a session and controllers wait on each other's work:
 * through state, never through a call.
 */
export function waitForState(
  store: HearthStore,
  done: (state: HearthState) => boolean,
  signal?: AbortSignal,
): Promise<HearthState> {
  return new Promise((resolve) => {
    if (done(store.getState()) || signal?.aborted === true) {
      resolve(store.getState())
      return
    }
    const finish = (): void => {
      unsubscribe()
      signal?.removeEventListener('abort', finish)
      resolve(store.getState())
    }
    const unsubscribe = store.subscribe((state) => {
      if (done(state)) finish()
    })
    signal?.addEventListener('abort', finish, { once: true })
  })
}
