import { describe, expect, it } from 'vitest'
import { configOf } from '../testing/fixtures.js'
import { loadedState } from '../testing/states.js'
import type { Action } from './actions.js'
import { attachControllers, type ChangeSummary, type Controller } from './controller.js'
import { createHearthStore } from './create-store.js'
import type { HearthState } from './state.js'

const config = configOf({ name: 'backend', services: { db: { kind: 'process', command: 'db' } } })

const waiting = (holder: string): Action => ({
  type: 'environment/lock-waiting',
  at: 1,
  environment: 'backend',
  holder,
})

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** A controller that records each call; `gate` (if given) holds each call until the test opens it. */
function recorder(name = 'recorder') {
  const calls: { state: HearthState; change: ChangeSummary; holders: (string | null)[] }[] = []
  let gates: ReturnType<typeof deferred>[] = []
  const entered: ReturnType<typeof deferred>[] = [deferred()]
  let active = 0
  let maxActive = 0
  const controller: Controller = {
    name,
    async onChange(state, change) {
      active++
      maxActive = Math.max(maxActive, active)
      calls.push({
        state,
        change,
        holders: change.actions.map((a) => (a.type === 'environment/lock-waiting' ? a.holder : null)),
      })
      entered.at(-1)?.resolve()
      entered.push(deferred())
      const gate = deferred()
      gates.push(gate)
      await gate.promise
      active--
    },
  }
  return {
    controller,
    calls,
    get maxActive() {
      return maxActive
    },
    /** Resolves once onChange has been entered `n` times in all. */
    async entered(n: number) {
      while (calls.length < n) await entered.at(-1)?.promise
    },
    open() {
      for (const gate of gates) gate.resolve()
      gates = []
    },
  }
}

describe('attachControllers', () => {
  it('calls onChange after the dispatch returns, never two at a time, coalescing what arrived meanwhile', async () => {
    const store = createHearthStore(loadedState(config))
    const rec = recorder()
    attachControllers(store, [rec.controller], () => undefined)

    store.dispatch(waiting('a'))
    expect(rec.calls).toHaveLength(0)
    await rec.entered(1)
    store.dispatch(waiting('b'))
    store.dispatch(waiting('c'))
    store.dispatch(waiting('d'))
    // The first call has not returned: no second one yet, however long we let the loop run.
    await new Promise((resolve) => setImmediate(resolve))
    expect(rec.calls).toHaveLength(1)

    rec.open()
    await rec.entered(2)
    rec.open()
    expect(rec.calls.map((call) => call.holders)).toEqual([['a'], ['b', 'c', 'd']])
    expect(rec.maxActive).toBe(1)
  })

  it('hands each call the latest state', async () => {
    const store = createHearthStore(loadedState(config))
    const rec = recorder()
    attachControllers(store, [rec.controller], () => undefined)
    store.dispatch(waiting('a'))
    await rec.entered(1)
    store.dispatch(waiting('b'))
    store.dispatch({ type: 'environment/lock-acquired', at: 2, environment: 'backend' })
    rec.open()
    await rec.entered(2)
    rec.open()
    expect(rec.calls[0]?.state.environments.backend).toMatchObject({ lock: 'waiting', lockHolder: 'a' })
    expect(rec.calls[1]?.state).toBe(store.getState())
    expect(rec.calls[1]?.state.environments.backend).toMatchObject({ lock: 'held', lockHolder: null })
  })

  it('picks up actions a controller dispatches from its own onChange in the next call, without re-entering', async () => {
    const store = createHearthStore(loadedState(config))
    const summaries: string[][] = []
    let depth = 0
    let maxDepth = 0
    const done = deferred()
    const controller: Controller = {
      name: 'echo',
      onChange(_state, change) {
        depth++
        maxDepth = Math.max(maxDepth, depth)
        const holders = change.actions.map((a) => (a.type === 'environment/lock-waiting' ? a.holder : '?'))
        summaries.push(holders)
        if (holders.includes('start')) {
          store.dispatch(waiting('echo-1'))
          store.dispatch(waiting('echo-2'))
        } else {
          done.resolve()
        }
        depth--
      },
    }
    attachControllers(store, [controller], () => undefined)
    store.dispatch(waiting('start'))
    await done.promise
    expect(summaries).toEqual([['start'], ['echo-1', 'echo-2']])
    expect(maxDepth).toBe(1)
  })

  it('never overlaps calls of an async onChange under a stream of dispatches', async () => {
    const store = createHearthStore(loadedState(config))
    const total = 40
    let delivered = 0
    let active = 0
    let maxActive = 0
    let calls = 0
    const all = deferred()
    const controller: Controller = {
      name: 'slow',
      async onChange(_state, change) {
        active++
        calls++
        maxActive = Math.max(maxActive, active)
        await new Promise((resolve) => setTimeout(resolve, 3))
        delivered += change.actions.length
        active--
        if (delivered === total) all.resolve()
      },
    }
    attachControllers(store, [controller], () => undefined)
    for (let i = 0; i < total; i++) {
      store.dispatch(waiting(String(i)))
      if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await all.promise
    expect(delivered).toBe(total)
    expect(maxActive).toBe(1)
    // Coalescing: fewer calls than actions.
    expect(calls).toBeLessThan(total)
  })

  it('reports a throwing controller (sync or async) to onError and keeps calling it; others are not affected', async () => {
    const store = createHearthStore(loadedState(config))
    const errors: [string, unknown][] = []
    const seen: string[] = []
    const boom = new Error('boom')
    const rejected = new Error('rejected')
    const faulty: Controller = {
      name: 'faulty',
      onChange(_state, change) {
        const action = change.actions[0]
        const holder = action?.type === 'environment/lock-waiting' ? action.holder : '?'
        seen.push(holder)
        if (holder === 'a') throw boom
        if (holder === 'b') return Promise.reject(rejected)
      },
    }
    const healthy = recorder('healthy')
    const onError = (controller: Controller, error: unknown) => {
      errors.push([controller.name, error])
    }
    attachControllers(store, [faulty, healthy.controller], onError)

    store.dispatch(waiting('a'))
    await healthy.entered(1)
    healthy.open()
    store.dispatch(waiting('b'))
    await healthy.entered(2)
    healthy.open()
    store.dispatch(waiting('c'))
    await healthy.entered(3)
    healthy.open()
    // The faulty controller ran before the healthy one on each dispatch (runners start in order).
    expect(seen).toEqual(['a', 'b', 'c'])
    expect(errors).toEqual([
      ['faulty', boom],
      ['faulty', rejected],
    ])
    expect(healthy.calls.map((call) => call.holders)).toEqual([['a'], ['b'], ['c']])
  })

  it('stops calling controllers once detached', async () => {
    const store = createHearthStore(loadedState(config))
    const rec = recorder()
    const detach = attachControllers(store, [rec.controller], () => undefined)
    store.dispatch(waiting('a'))
    await rec.entered(1)
    rec.open()
    // Let the runner finish its loop, then detach.
    await new Promise((resolve) => setImmediate(resolve))
    detach()
    store.dispatch(waiting('b'))
    await new Promise((resolve) => setImmediate(resolve))
    expect(rec.calls.map((call) => call.holders)).toEqual([['a']])
  })
})
