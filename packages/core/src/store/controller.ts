import type { Action } from './actions.js'
import type { HearthStore } from './create-store.js'
import type { HearthState } from './state.js'

/** The actions dispatched since a controller's last `onChange`: it may return early on the rest. */
export interface ChangeSummary {
  actions: readonly Action[]
}

/**
 * A subscriber that does the I/O: it reads state, starts work (drivers, watcher, runner), and
 * reports results only by dispatching actions.
 *
 * Contract (as Tilt's engine): `onChange` is never called again before the previous call returned,
 * it sees the latest state, and it must not block on long I/O (start a task, return, dispatch
 * from the task). A throw is reported through `onError` and does not stop later calls.
 */
export interface Controller {
  readonly name: string
  onChange(state: HearthState, change: ChangeSummary): void | Promise<void>
}

/**
 * Runs controllers against a store: each one serially, coalescing the actions that arrive while it
 * runs into the next call. Returns a function that detaches them.
 */
export function attachControllers(
  store: HearthStore,
  controllers: readonly Controller[],
  onError: (controller: Controller, error: unknown) => void,
): () => void {
  const runners = controllers.map((controller) => createRunner(store, controller, onError))
  const unsubscribe = store.subscribeActions((action) => {
    for (const runner of runners) runner.push(action)
  })
  return unsubscribe
}

function createRunner(
  store: HearthStore,
  controller: Controller,
  onError: (controller: Controller, error: unknown) => void,
): { push(action: Action): void } {
  let pending: Action[] = []
  let running = false

  const drain = async (): Promise<void> => {
    running = true
    try {
      while (pending.length > 0) {
        const actions = pending
        pending = []
        try {
          await controller.onChange(store.getState(), { actions })
        } catch (error) {
          onError(controller, error)
        }
      }
    } finally {
      running = false
    }
  }

  return {
    push(action) {
      pending.push(action)
      // A microtask, not a direct call: the dispatch that got us here finishes first, and actions
      // dispatched from inside onChange are picked up by the loop rather than re-entering it.
      if (!running) {
        running = true
        queueMicrotask(() => void drain())
      }
    },
  }
}
