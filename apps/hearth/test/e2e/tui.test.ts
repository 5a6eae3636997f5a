import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyExample, hearth, processesOf, repoRoot } from './helpers.js'
import { Terminal } from './terminal.js'

/**
 * `hearth dev`'s terminal UI in a real terminal (tmux, 80×24), on the demo, driven by keys as a
 * developer would: the environment comes up and the first run passes; a save reruns what it
 * affects, with why; `r` restarts a service, `l` shows its output, `p` filters and runs by file
 * name; the layout follows a resize; `q` quits with the environment left warm for `hearth down`.
 */
const bin = path.join(repoRoot, 'apps/hearth/bin/hearth.js')
const demo = copyExample('demo')
const root = demo.root
let terminal: Terminal | null = null

afterAll(async () => {
  terminal?.close()
  await hearth(['down'], root)
  demo.cleanup()
})

interface Status {
  project: { id: string }
  environments: Array<{ services: Array<{ name: string; instance: { id: string } | null }> }>
}

async function status(): Promise<Status> {
  return JSON.parse((await hearth(['status', '--json'], root)).stdout) as Status
}

async function instanceOf(service: string): Promise<string | null> {
  const found = (await status()).environments.flatMap((environment) => environment.services)
  return found.find((entry) => entry.name === service)?.instance?.id ?? null
}

/** The row of a service in the services pane (its name after the status mark). */
const serviceRow = (screen: string, name: string): string =>
  screen.split('\n').find((line) => new RegExp(`^.[✓✗⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏·○ ] ${name} `).test(line)) ?? ''

/** The screen the README shows, captured from this test (`HEARTH_CAPTURE_README=file`). */
function readmeScreen(): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
  const block = /<!-- dev-screen -->\n```text\n([\s\S]*?)\n```/.exec(readme)
  if (block === null) throw new Error('README.md has no ```text block after <!-- dev-screen -->')
  return block[1] as string
}

/**
 * A screen without what differs from run to run: durations, ages, ports, addresses (cut in the
 * middle by their length), the project's temporary folder, and the spacing that follows from them.
 */
function normalizeScreen(screen: string): string[] {
  return screen.split('\n').map((line) =>
    line
      // Addresses and paths, whole or cut in the middle (how much depends on their length).
      .replace(/\S*(:\/\/|…)\S*/g, '<cut>')
      .replace(/<?\d+(\.\d+)? ?(ms|s|m|h)\b/g, '<t>')
      .replace(/\d+/g, '<n>')
      .replace(/\s+/g, ' ')
      .trim(),
  )
}

describe('hearth dev in a terminal', () => {
  it('runs, reruns a save with why, restarts, shows logs, filters, resizes and quits warm', {
    timeout: 900_000,
  }, async () => {
    terminal = Terminal.open({ command: [process.execPath, bin, 'dev'], cwd: root, unset: ['CI'] })
    const tty = terminal

    // Up, and the first run: every test file, all passing.
    let screen = await tty.waitFor(/✓ run 1: 3 passed/, { timeoutMs: 240_000 })
    const lines = screen.split('\n')
    expect(lines[0]).toMatch(/^hearth dev · hearth-demo · watching · ✓ run 1: 3 passed$/)
    expect(lines.length).toBeLessThanOrEqual(24)
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80)
    for (const name of ['db', 'cache', 'api', 'worker']) expect(serviceRow(screen, name)).toMatch(/ ready /)
    expect(screen).toMatch(/^ run 1 {2}all · ✓ 3/m)
    expect(lines.at(-1)).toMatch(/^watching .* │ .*q quit$/)

    // A save that breaks a sum: the tests that reach the file run again, say why, and show the failure.
    const edited = path.join(root, 'packages/shared/src/invoice.ts')
    const original = readFileSync(edited, 'utf8')
    writeFileSync(
      edited,
      original.replace('sum + line.quantity * line.unitCents', 'sum + line.quantity * line.unitCents + 1'),
    )
    screen = await tty.waitFor(/✗ run 2: \d+ failed/)
    expect(screen).toMatch(/^ run 2 {2}affected · /m)
    // Its unit test imports it (the short reason, cut from the middle to fit 80 columns); the API
    // watches it, so it restarted (↻1) and its integration tests ran again.
    expect(screen).toMatch(/✗ packages\/shared\/src\/invoice\.test\.ts .*imports pac…c\/invoice\.ts/)
    expect(screen).toMatch(/tests\/invoices\.test\.ts .*service backend\/api/)
    expect(serviceRow(screen, 'api')).toMatch(/↻1/)
    // The detail pane has the failure: which test, why it ran, the assertion and where.
    expect(screen).toContain('why: it imports packages/shared/src/invoice.ts')
    expect(screen).toContain('✗ invoices > totals lines in cents')
    expect(screen).toContain('expected 2051 to be 2049')
    if (process.env.HEARTH_CAPTURE_README !== undefined)
      writeFileSync(process.env.HEARTH_CAPTURE_README, `${screen}\n`)
    expect(normalizeScreen(screen)).toEqual(normalizeScreen(readmeScreen()))
    // Tab to the detail pane, and down (j) to where it failed: the code frame.
    tty.press('Tab')
    for (let step = 0; step < 20 && !/\.toBe\(2049\)/.test(screen); step++) {
      tty.press('j')
      screen = await tty.waitFor((text) => text !== screen, { what: 'the detail pane to scroll' })
    }
    expect(screen).toMatch(/at packages\/shared\/src\/invoice\.test\.ts:12:7/)
    expect(screen).toMatch(/\.toBe\(2049\)/)

    // Fixed: the same tests pass again.
    writeFileSync(edited, original)
    screen = await tty.waitFor(/✓ run 3: \d+ passed/)

    // r on a service restarts it (and what depends on it): a new instance, ready again.
    const before = await instanceOf('api')
    expect(before).not.toBeNull()
    // Tab cycles the panes (services, files, detail): on to the services pane.
    for (let step = 0; step < 3 && !/detail {2}backend\//.test(screen); step++) {
      tty.press('Tab')
      screen = await tty.waitFor((text) => text !== screen, { what: 'the focus to move' })
    }
    expect(screen).toMatch(/detail {2}backend\//)
    for (let step = 0; step < 6 && !/detail {2}backend\/api\b/.test(screen); step++) {
      tty.press('j')
      screen = await tty.waitFor((text) => text !== screen, { what: 'the selection to move' })
    }
    expect(screen).toMatch(/detail {2}backend\/api\b/)
    tty.press('r')
    const deadline = Date.now() + 120_000
    let after = before
    while (after === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      after = await instanceOf('api')
    }
    expect(after).not.toBe(before)
    screen = await tty.waitFor((text) => / ready /.test(serviceRow(text, 'api')), { what: 'api ready again' })

    // l: its output in the detail pane, following.
    tty.press('l')
    screen = await tty.waitFor(/logs backend\/api .*following/, { what: 'the logs of api' })
    expect(screen).toMatch(/── restarted \(instance /)

    // p: a file-name filter; Enter runs the files it matches.
    tty.press('Escape')
    tty.press('p')
    await tty.waitFor(/file path contains/, { what: 'the filter prompt' })
    tty.type('worker')
    tty.press('Enter')
    screen = await tty.waitFor(/✓ run 4: 1 passed/, { what: 'the filtered run' })
    expect(screen).toContain('tests/worker.test.ts')
    expect(screen).not.toMatch(/^.. tests\/invoices\.test\.ts/m)

    // A resize: the layout uses the room, and comes back.
    tty.resize(140, 40)
    screen = await tty.waitFor((text) => Math.max(...text.split('\n').map((line) => line.length)) > 80, {
      what: 'a wider layout',
    })
    expect(screen.split('\n').length).toBeGreaterThan(24)
    tty.resize(80, 24)
    screen = await tty.waitFor((text) => Math.max(...text.split('\n').map((line) => line.length)) <= 80, {
      what: 'the 80-column layout again',
    })

    // q: quit; the terminal is given back, the environment stays warm.
    tty.press('q')
    expect(await tty.exited()).toBe(0)
    // The main screen is back (the UI ran on the alternate one), with the last word of hearth dev.
    screen = tty.screen({ history: true })
    expect(screen).toContain('stopped watching; the environments stay warm (`hearth down` stops them)')
    expect(screen).not.toContain('services  backend')
    const { project } = await status()
    expect(processesOf(project.id).length).toBeGreaterThan(0)

    // Nothing of hearth's is left once `hearth down` has run.
    expect((await hearth(['down'], root)).exitCode).toBe(0)
    expect(processesOf(project.id)).toEqual([])
  })
})
