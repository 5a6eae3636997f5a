import { afterEach, describe, expect, it } from 'vitest'
import { Terminal } from './terminal.js'

/** The terminal harness itself: a command's screen, keys one by one, resizing, its exit status. */
let terminal: Terminal | null = null
afterEach(() => {
  terminal?.close()
  terminal = null
})

describe('the tmux terminal harness', () => {
  it('shows what a command prints, sends keys, resizes, and reads the exit status', async () => {
    const script = [
      "const size = () => process.stdout.write('size ' + process.stdout.columns + 'x' + process.stdout.rows + '\\n')",
      'size()',
      "process.stdout.on('resize', size)",
      'process.stdin.setRawMode(true)',
      "process.stdin.on('data', (data) => { const key = data.toString(); if (key === 'q') process.exit(7); process.stdout.write('key ' + JSON.stringify(key) + '\\n') })",
    ].join(';')
    terminal = Terminal.open({ command: ['node', '-e', script], cwd: process.cwd() })
    await terminal.waitFor('size 80x24')
    terminal.press('x')
    await terminal.waitFor('key "x"')
    terminal.press('Enter')
    await terminal.waitFor('key "\\r"')
    terminal.resize(100, 30)
    await terminal.waitFor('size 100x30')
    expect(terminal.alive()).toBe(true)
    terminal.press('q')
    expect(await terminal.exited()).toBe(7)
  })
})
