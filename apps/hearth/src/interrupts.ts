import type { Io } from './io.js'

/** A repeat of the signal within this long of the first is the same request (see below). */
export const REPEAT_WINDOW_MS = 1000

/**
 * Ctrl-C, SIGTERM and SIGHUP for one CLI run. The first signal asks for one orderly shutdown:
 * `signal` aborts and every `onInterrupt` handler runs once. A terminal's Ctrl-C signals the whole
 * foreground process group, so under a package manager hearth hears it twice: SIGINT from the
 * terminal, and the launcher's forward (npm's SIGINT, pnpm's SIGTERM), in either order on a busy
 * machine. So the first signal of each kind is part of that one request, and so is a repeat within
 * {@link REPEAT_WINDOW_MS} of that kind's first. A later repeat means the user wants out now: hearth
 * says what is left running and how to remove it, and exits 130 at once. A signal while nothing
 * has subscribed (no work with a clean-up is under way) exits 130 at once.
 */
export interface Interrupts {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal
  /** The first signal received, or null. */
  readonly received: NodeJS.Signals | null
  /** Runs `handler` on the first signal (at once if it came already); returns the unsubscribe. */
  onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void
  /**
   * What a forced exit reports as left behind (one line, with the command that removes it), or null
   * when nothing is; the latest call wins.
   */
  describeLeftovers(describe: () => string | null): void
  /** Stops listening. */
  close(): void
}

export interface InterruptOptions {
  /** Ends the process (tests pass a recorder). Default `process.exit`. */
  exit?: (code: number) => void
  now?: () => number
}

export function listenForInterrupts(io: Io, options: InterruptOptions = {}): Interrupts {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const now = options.now ?? Date.now
  const controller = new AbortController()
  const handlers = new Set<(signal: NodeJS.Signals) => void>()
  let received: NodeJS.Signals | null = null
  // When each kind of signal first came.
  const firstAt = new Map<NodeJS.Signals, number>()
  let leftovers: () => string | null = () => null

  const off = io.onSignal((signal) => {
    const seenAt = firstAt.get(signal)
    if (seenAt === undefined) firstAt.set(signal, now())
    if (received === null) {
      received = signal
      controller.abort(new Error(`interrupted (${signal})`))
      // Nothing under way has a clean-up to run (loading the config, reading status): stop now.
      if (handlers.size === 0) {
        exit(130)
        return
      }
      for (const handler of [...handlers]) handler(signal)
      return
    }
    if (seenAt === undefined || now() - seenAt < REPEAT_WINDOW_MS) return
    const left = safely(leftovers)
    io.stderr.write(
      `hearth: interrupted again (${signal}): exiting now, without finishing the clean-up.\n${
        left === null ? '' : `  ${left}\n`
      }`,
    )
    exit(130)
  })

  return {
    signal: controller.signal,
    get received() {
      return received
    },
    onInterrupt(handler) {
      if (received !== null) {
        handler(received)
        return () => undefined
      }
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    describeLeftovers(describe) {
      leftovers = describe
    },
    close() {
      handlers.clear()
      off()
    },
  }
}

function safely(describe: () => string | null): string | null {
  try {
    return describe()
  } catch {
    return null
  }
}
