import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

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
    /** Where the shell around the command writes its exit status. */
    private readonly statusFile: string,
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
    // tmux does not always learn a dead pane's status (it may see the terminal close first): the
    // shell that runs the command writes it down itself.
    const statusFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'hearth-terminal-')), 'status')
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
      `${command}; echo $? > ${shellQuote(statusFile)}`,
      // In the same call, before the command can exit: the pane stays, with its last screen.
      ';',
      'set-option',
      '-t',
      name,
      'remain-on-exit',
      'on',
    ])
    return new Terminal(socket, name, statusFile)
  }

  /**
   * What the screen shows now, one string, lines joined with \n, trailing blanks trimmed; with
   * `history`, what scrolled off the top too.
   */
  screen({ history = false }: { history?: boolean } = {}): string {
    return tmux(this.socket, ['capture-pane', '-p', ...(history ? ['-S', '-'] : []), '-t', this.name])
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trimEnd()
  }

  /**
   * Resolves with the screen once `done` holds for it and it stays the same for a moment (a frame
   * written in parts is not taken half-drawn); rejects with the last screen after `timeoutMs`.
   */
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
      // A frame is drawn in several writes: what matches must also be whole (the same a moment later).
      if (test(screen)) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        const again = this.screen()
        if (again === screen) return screen
        screen = again
        continue
      }
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
    return this.exitStatus() === null
  }

  /** Resolves with the command's exit status once it has exited. */
  async exited({ timeoutMs = 90_000 }: { timeoutMs?: number } = {}): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = this.exitStatus()
      if (status !== null) return status
      if (Date.now() > deadline)
        throw new Error(`the command did not exit in ${timeoutMs} ms:\n${this.screen()}\n${this.processes()}`)
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
    rmSync(path.dirname(this.statusFile), { recursive: true, force: true })
  }

  /** The processes that hold the pane's terminal open (what keeps it alive), for a failure's message. */
  private processes(): string {
    const tty = tmux(this.socket, ['display-message', '-p', '-t', this.name, '#{pane_tty}']).trim()
    const holders: string[] = []
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const fds = readdirSync(`/proc/${pid}/fd`)
        if (!fds.some((fd) => readlinkSafe(`/proc/${pid}/fd/${fd}`) === tty)) continue
        holders.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`)
      } catch {
        // gone, or not ours to read
      }
    }
    const pane = tmux(this.socket, [
      'display-message',
      '-p',
      '-t',
      this.name,
      'dead=#{pane_dead} status=#{pane_dead_status} signal=#{pane_dead_signal} pid=#{pane_pid}',
    ]).trim()
    return `${pane}\nprocesses holding ${tty}:\n${holders.join('\n') || '(none)'}`
  }

  private exitStatus(): number | null {
    try {
      const text = readFileSync(this.statusFile, 'utf8').trim()
      return /^\d+$/.test(text) ? Number(text) : null
    } catch {
      return null
    }
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

function readlinkSafe(file: string): string | null {
  try {
    return readlinkSync(file)
  } catch {
    return null
  }
}
