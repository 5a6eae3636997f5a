import { execFileSync } from 'node:child_process'

/**
 * A real terminal for end-to-end tests: a tmux session of its own (on a private server socket, so
 * nothing else's sessions are touched) running one command at a fixed size. Keys go in one per
 * `send-keys` call (facts: tmux delivers one call as one input string); the screen is read with
 * `capture-pane`. Waits are on what the screen shows, with generous limits, never on time.
 */
export class Terminal {
  private constructor(
    private readonly socket: string,
    readonly name: string,
  ) {}

  static open(options: {
    command: readonly string[]
    cwd: string
    columns?: number
    rows?: number
    env?: Readonly<Record<string, string>>
    /** Variables to take out of the command's environment (CI=true turns the TUI off). */
    unset?: readonly string[]
  }): Terminal {
    const socket = `hearth-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    const name = 'hearth'
    const env = Object.entries({ TERM: 'xterm-256color', ...options.env }).map(
      ([key, value]) => `${key}=${value}`,
    )
    const command = [
      'env',
      ...(options.unset ?? []).flatMap((key) => ['-u', key]),
      ...env,
      ...options.command,
    ]
      .map(shellQuote)
      .join(' ')
    tmux(socket, [
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(options.columns ?? 80),
      '-y',
      String(options.rows ?? 24),
      '-c',
      options.cwd,
      command,
      // In the same call, before the command can exit: the pane stays, with its exit status.
      ';',
      'set-option',
      '-t',
      name,
      'remain-on-exit',
      'on',
    ])
    return new Terminal(socket, name)
  }

  /** What the screen shows now, one string, lines joined with \n, trailing blanks trimmed. */
  screen(): string {
    return tmux(this.socket, ['capture-pane', '-p', '-t', this.name])
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trimEnd()
  }

  /** Resolves with the screen once `done` holds for it; rejects with the last screen after `timeoutMs`. */
  async waitFor(
    done: RegExp | string | ((screen: string) => boolean),
    { timeoutMs = 90_000, what }: { timeoutMs?: number; what?: string } = {},
  ): Promise<string> {
    const test =
      typeof done === 'function'
        ? done
        : typeof done === 'string'
          ? (screen: string) => screen.includes(done)
          : (screen: string) => done.test(screen)
    const deadline = Date.now() + timeoutMs
    let screen = ''
    for (;;) {
      screen = this.screen()
      if (test(screen)) return screen
      if (Date.now() > deadline)
        throw new Error(
          `the terminal never showed ${what ?? String(done)} in ${timeoutMs} ms; it shows:\n${screen}`,
        )
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** One key, as tmux names it: `q`, `Enter`, `Tab`, `Escape`, `Space`, `Down`, `C-c`. */
  press(key: string): void {
    tmux(this.socket, ['send-keys', '-t', this.name, key])
  }

  /** Text, one character per call (a literal: `-l`). */
  type(text: string): void {
    for (const character of text) tmux(this.socket, ['send-keys', '-t', this.name, '-l', character])
  }

  resize(columns: number, rows: number): void {
    tmux(this.socket, ['resize-window', '-t', this.name, '-x', String(columns), '-y', String(rows)])
  }

  /** Whether the command still runs. */
  alive(): boolean {
    return this.paneDead() === null
  }

  /** Resolves with the command's exit status once it has exited. */
  async exited({ timeoutMs = 90_000 }: { timeoutMs?: number } = {}): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = this.paneDead()
      if (status !== null) return status
      if (Date.now() > deadline)
        throw new Error(`the command did not exit in ${timeoutMs} ms:\n${this.screen()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** Ends the session and its server (the command gets SIGHUP if it still runs). */
  close(): void {
    try {
      tmux(this.socket, ['kill-server'])
    } catch {
      // already gone
    }
  }

  private paneDead(): number | null {
    const [dead, status] = tmux(this.socket, [
      'display-message',
      '-p',
      '-t',
      this.name,
      '#{pane_dead} #{pane_dead_status}',
    ])
      .trim()
      .split(' ')
    return dead === '1' ? Number(status) : null
  }
}

function tmux(socket: string, args: readonly string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
