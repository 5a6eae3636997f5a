import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyExample, hearth, processesOf } from './helpers.js'

/**
 * `hearth ci` on the demo (Postgres and Redis, as containers or their stand-ins): it passes; a
 * broken source exits 1 naming the failing test; a broken environment exits 3; nothing is left.
 */
describe('hearth ci on the demo', () => {
  const demos: Array<{ root: string; cleanup(): void }> = []
  const demo = () => {
    const copy = copyExample('demo')
    demos.push(copy)
    return copy.root
  }
  afterAll(async () => {
    for (const copy of demos) {
      await hearth(['down', '--all'], copy.root)
      copy.cleanup()
    }
  })
  const projectId = async (root: string) =>
    (JSON.parse((await hearth(['status', '--json'], root)).stdout) as { project: { id: string } }).project.id

  it('passes, writes JUnit and NDJSON reports, and stops the environment', async () => {
    const root = demo()
    const result = await hearth(
      ['ci', '--reporter', 'lines', '--reporter', 'junit', '--reporter', 'ndjson'],
      root,
    )
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toBe('hearth ci · hearth-demo')
    expect(lines).toContain('▶ run 1: 3 test files (all)')
    expect(lines).toContainEqual(
      expect.stringMatching(/^✓ packages\/shared\/src\/invoice\.test\.ts {2}2 tests {2}\d+ ms$/),
    )
    expect(lines).toContainEqual(expect.stringMatching(/^✓ tests\/invoices\.test\.ts {2}2 tests {2}/))
    expect(lines).toContainEqual(expect.stringMatching(/^✓ 3 passed in .* \(5 tests\)$/))
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}db +stopped/))

    const junit = readFileSync(path.join(root, '.hearth/reports/junit.xml'), 'utf8')
    expect(junit).toMatch(/<testsuites [^>]*tests="5" failures="0"/)
    const events = readFileSync(path.join(root, '.hearth/reports/events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events[0]).toMatchObject({ schema: 'hearth.events/1', type: 'session.start', command: 'ci' })
    expect(events.at(-1)).toMatchObject({ type: 'session.end', exitCode: 0 })
    expect(
      events
        .filter((event) => event.type === 'file.result')
        .map((event) => [event.path, event.state])
        .sort(),
    ).toEqual([
      ['packages/shared/src/invoice.test.ts', 'passed'],
      ['tests/invoices.test.ts', 'passed'],
      ['tests/worker.test.ts', 'passed'],
    ])
    expect(processesOf(await projectId(root))).toEqual([])
  })

  it('exits 1 when a source change breaks a test, naming the test and where it failed', async () => {
    const root = demo()
    const file = path.join(root, 'packages/shared/src/invoice.ts')
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('quantity * line.unitCents', 'quantity * line.unitCents + 1'),
    )
    const result = await hearth(['ci'], root)
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/^✗ packages\/shared\/src\/invoice\.test\.ts {2}1 of 2 failed/m)
    expect(result.stdout).toMatch(/^ {4}✗ invoices > totals lines in cents$/m)
    expect(result.stdout).toMatch(/^ {6}expected 2051 to be 2049/m)
    expect(result.stdout).toMatch(/^ {6}at packages\/shared\/src\/invoice\.test\.ts:\d+:\d+$/m)
    expect(result.stdout).toMatch(/^✗ 1 failed, 2 passed in /m)
    expect(processesOf(await projectId(root))).toEqual([])
  })

  it('exits 3 when the environment cannot be made ready, and runs none of its tests', async () => {
    const root = demo()
    const file = path.join(root, 'apps/api/src/server.ts')
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nthrow new Error('the API does not start')\n`)
    const result = await hearth(['ci'], root)
    expect(result.exitCode).toBe(3)
    expect(result.stdout).toMatch(/^✗ api +failed +exited with code 1 before it was ready$/m)
    expect(result.stdout).toMatch(/│ .*the API does not start/)
    expect(result.stdout).toMatch(/^✗ run 1 cannot run: environment backend is not ready$/m)
    expect(result.stdout).not.toMatch(/^✓ tests\//m)
    expect(processesOf(await projectId(root))).toEqual([])
  })

  it('runs only what a change since a git ref affects, with why', async () => {
    const root = demo()
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' })
    git('init', '-q')
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '-A')
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'base')
    writeFileSync(
      path.join(root, 'tests/environment.ts'),
      `${readFileSync(path.join(root, 'tests/environment.ts'), 'utf8')}\n// touched\n`,
    )
    const result = await hearth(['ci', '--since', 'HEAD'], root)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('1 file changed since HEAD; 2 of 3 test files affected')
    expect(result.stdout).toMatch(
      /^✓ tests\/invoices\.test\.ts {2}2 tests .*\n {4}because it imports tests\/environment\.ts$/m,
    )
    expect(result.stdout).not.toMatch(/invoice\.test\.ts/)
    expect(existsSync(path.join(root, '.hearth/timings.json'))).toBe(true)
  })
})
