import { describe, expect, it } from 'vitest'
import { listenForInterrupts, REPEAT_WINDOW_MS } from './interrupts.js'
import type { Io } from './io.js'

/** An Io whose signals the test sends, and whose stderr it reads. */
function fakeIo() {
  let handler: ((signal: NodeJS.Signals) => void) | null = null
  const stderr: string[] = []
  const io: Io = {
    stdout: { write: () => true },
    stderr: { write: (text: string) => stderr.push(text) },
    env: {},
    onSignal(next) {
      handler = next
      return () => {
        handler = null
      }
    },
  }
  return {
    io,
    stderr,
    send: (signal: NodeJS.Signals) => handler?.(signal),
    listening: () => handler !== null,
  }
}

describe('listenForInterrupts', () => {
  it('turns the first signal into one shutdown request, and a repeat within the window into nothing more', () => {
    const { io, send, stderr } = fakeIo()
    let now = 1_000
    const exits: number[] = []
    const interrupts = listenForInterrupts(io, { now: () => now, exit: (code) => void exits.push(code) })
    const heard: string[] = []
    interrupts.onInterrupt((signal) => heard.push(signal))
    send('SIGINT') // the terminal
    now += 3
    send('SIGINT') // the package manager, forwarding the same Ctrl-C
    now += REPEAT_WINDOW_MS - 10
    send('SIGTERM')
    expect(heard).toEqual(['SIGINT'])
    expect(interrupts.received).toBe('SIGINT')
    expect(interrupts.signal.aborted).toBe(true)
    expect(exits).toEqual([])
    expect(stderr).toEqual([])
  })

  it("takes a package manager's forward as the same request, whichever comes first and however late", () => {
    for (const order of [
      ['SIGINT', 'SIGTERM'],
      ['SIGTERM', 'SIGINT'],
    ] as const) {
      const { io, send, stderr } = fakeIo()
      let now = 0
      const exits: number[] = []
      const interrupts = listenForInterrupts(io, { now: () => now, exit: (code) => void exits.push(code) })
      const heard: string[] = []
      interrupts.onInterrupt((signal) => heard.push(signal))
      send(order[0]) // one of the terminal and pnpm
      now += REPEAT_WINDOW_MS * 3 // a loaded machine
      send(order[1]) // the other
      expect(heard).toEqual([order[0]])
      expect(exits).toEqual([])
      expect(stderr).toEqual([])
      // A second Ctrl-C, later, is the user wanting out.
      now += REPEAT_WINDOW_MS + 1
      send('SIGINT')
      expect(exits).toEqual([130])
    }
  })

  it('exits 130 on a later signal, saying what is left and how to remove it', () => {
    const { io, send, stderr } = fakeIo()
    let now = 0
    const exits: number[] = []
    const interrupts = listenForInterrupts(io, { now: () => now, exit: (code) => void exits.push(code) })
    interrupts.describeLeftovers(() => 'left running: backend; `hearth down backend` removes it')
    interrupts.onInterrupt(() => undefined)
    send('SIGINT')
    now += REPEAT_WINDOW_MS + 1
    send('SIGINT')
    expect(exits).toEqual([130])
    expect(stderr.join('')).toMatchInlineSnapshot(`
      "hearth: interrupted again (SIGINT): exiting now, without finishing the clean-up.
        left running: backend; \`hearth down backend\` removes it
      "
    `)
  })

  it('exits 130 at once when nothing with a clean-up is under way', () => {
    const { io, send } = fakeIo()
    const exits: number[] = []
    listenForInterrupts(io, { exit: (code) => void exits.push(code) })
    send('SIGINT')
    expect(exits).toEqual([130])
  })

  it('calls a handler added after the signal at once, and stops listening on close', () => {
    const { io, send, listening } = fakeIo()
    const interrupts = listenForInterrupts(io, { exit: () => undefined })
    const early = interrupts.onInterrupt(() => undefined)
    send('SIGTERM')
    early()
    const heard: string[] = []
    interrupts.onInterrupt((signal) => heard.push(signal))
    expect(heard).toEqual(['SIGTERM'])
    interrupts.close()
    expect(listening()).toBe(false)
  })
})
