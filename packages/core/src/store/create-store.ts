import { createStore } from 'zustand/vanilla'
import type { Action } from './actions.js'
import { reduce } from './reducer.js'
import { type HearthState, initialState } from './state.js'

/**
 * hearth's single source of truth: a zustand vanilla store written only through `dispatch`.
 * Views and controllers subscribe; nothing else writes.
 */
export interface HearthStore {
  getState(): HearthState
  dispatch(action: Action): void
  /** Called after every state change with the new and previous state. */
  subscribe(listener: (state: HearthState, previous: HearthState) => void): () => void
  /** Called after every dispatched action, with the state it produced. */
  subscribeActions(listener: (action: Action, state: HearthState) => void): () => void
}

export function createHearthStore(initial: HearthState = initialState(Date.now())): HearthStore {
  const store = createStore<HearthState>()(() => initial)
  const actionListeners = new Set<(action: Action, state: HearthState) => void>()
  return {
    getState: store.getState,
    subscribe: store.subscribe,
    dispatch(action) {
      store.setState(reduce(store.getState(), action), true)
      const state = store.getState()
      for (const listener of actionListeners) listener(action, state)
    },
    subscribeActions(listener) {
      actionListeners.add(listener)
      return () => actionListeners.delete(listener)
    },
  }
}
