import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { faultProject, HTTP_SERVER, hearth, leftovers, projectIdOf, waitFor } from './helpers.js'
import { instancesOf } from './instances.js'

/**
 * An environment's lock (`.hearth/locks/<environment>.lock`, see environment-locks.ts and
 * lock-identity.ts) left with the pid of a LIVE process that is not its holder (issue 12, point 3):
 * a pid alone would make every later `up` wait forever. The lock names its holder by pid, start
 * time, boot id and host, and the holder refreshes its mtime (the heartbeat) every 5 s:
 * - the pid runs, but started at another time (pid reuse): the lock is taken over at once;
 * - the holder runs, but its heartbeat stopped long ago (a hung hearth): taken over once the
 *   waiter has watched it stay silent for two beats (10 s);
 * - the holder runs and beats: `up` reports who holds it, and after HEARTH_LOCK_TIMEOUT_MS (the
 *   documented knob, 10 minutes by default) gives up with exit 3, the holder and the fix.
 * The live process is a `sleep` the test owns: hearth must never signal it.
 */
const CONFIG = `export default {
  environments: [{ name: 'backend', services: {
    api: {
      kind: 'process',
      command: ['node', '-e', ${JSON.stringify(HTTP_SERVER)}],
      ports: { http: { env: 'PORT' } },
      readiness: { type: 'http', port: 'http', path: '/' },
    },
  } }],
}
`

/** A process's start time, as lock-identity.ts reads it: field 22 of /proc/<pid>/stat. */
function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string
}

describe('a lock held by a live process that is not its holder', () => {
  const projects: Array<{ cleanup(): void }> = []
  const roots: string[] = []
  // The unrelated live process whose pid the locks name.
  const sleeper = execa('sleep', ['600'], { reject: false, stdin: 'ignore' })
  const pid = sleeper.pid as number
  afterAll(async () => {
    await Promise.all(
      roots.map(async (root) => {
        const id = await projectIdOf(root)
        await hearth(['down', '--all'], root)
        expect(leftovers(id)).toEqual([])
      }),
    )
    sleeper.kill('SIGKILL')
    await sleeper
    for (const project of projects) project.cleanup()
  })

  /** A project whose backend lock names `pid`, as a hearth `up` would have written it. */
  function lockedProject(startTime: string): { root: string; lock: string; token: string } {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    roots.push(project.root)
    mkdirSync(path.join(project.root, '.hearth/locks'), { recursive: true })
    const lock = path.join(project.root, '.hearth/locks/backend.lock')
    const token = `stuck${Math.random().toString(16).slice(2, 10)}`
    writeFileSync(
      lock,
      JSON.stringify({
        pid,
        startTime,
        bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
        host: hostname(),
        token,
        command: 'hearth.js up',
        since: Date.now(),
      }),
    )
    return { root: project.root, lock, token }
  }

  /** up succeeded: api once, the lock released, the unrelated process untouched. */
  async function expectTakenOver(root: string, lock: string, seen: string): Promise<void> {
    const id = await projectIdOf(root)
    expect(seen).toMatch(/^✓ backend ready in .* \(1 started\)$/m)
    expect(seen).not.toMatch(/internal error|^\s+at /m)
    expect(instancesOf(id)).toEqual({ 'process api': 1 })
    expect(existsSync(lock), 'the lock is released').toBe(false)
    expect(sleeper.exitCode, 'hearth must not signal the process the lock named').toBeNull()
    expect(existsSync(`/proc/${pid}`)).toBe(true)
    const down = await hearth(['down'], root)
    expect(down.exitCode, down.stdout + down.stderr).toBe(0)
    expect(leftovers(id)).toEqual([])
  }

  it('its pid now belongs to another process (another start time): taken over at once, up exits 0', async () => {
    const { root, lock } = lockedProject(String(Number(startTimeOf(pid)) + 1))
    const up = await hearth(['up'], root)
    const seen = up.stdout + up.stderr
    expect(up.exitCode, seen).toBe(0)
    // Judged dead at once: no wait reported.
    expect(seen).not.toContain('another hearth holds it')
    await expectTakenOver(root, lock, seen)
  })

  it('its holder runs but has not refreshed it for 10 minutes: reported, then taken over, up exits 0', async () => {
    const { root, lock } = lockedProject(startTimeOf(pid))
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000)
    utimesSync(lock, tenMinutesAgo, tenMinutesAgo)
    const up = await hearth(['up'], root)
    const seen = up.stdout + up.stderr
    expect(up.exitCode, seen).toBe(0)
    expect(seen).toMatch(
      new RegExp(
        `^ {2}backend +waiting +another hearth holds it: pid ${pid} \\(hearth\\.js up\\), holding it for `,
        'm',
      ),
    )
    await expectTakenOver(root, lock, seen)
  })

  it('its holder runs and keeps beating: up names it, gives up after HEARTH_LOCK_TIMEOUT_MS with exit 3', async () => {
    const { root, lock, token } = lockedProject(startTimeOf(pid))
    const id = await projectIdOf(root)
    // The holder's heartbeat (hearth's is every 5 s; this one is faster, and just as alive).
    const beat = setInterval(() => {
      const now = new Date()
      utimesSync(lock, now, now)
    }, 1_000)
    let up: Awaited<ReturnType<typeof hearth>>
    try {
      up = await hearth(['up'], root, { HEARTH_LOCK_TIMEOUT_MS: '3000' })
    } finally {
      clearInterval(beat)
    }
    const seen = (up.stdout + up.stderr).replaceAll(root, '<root>')
    expect(up.exitCode, seen).toBe(3)
    expect(seen).toMatch(
      new RegExp(
        `^ {2}backend +waiting +another hearth holds it: pid ${pid} \\(hearth\\.js up\\), holding it for `,
        'm',
      ),
    )
    expect(seen).toMatch(
      new RegExp(
        `^✗ api +failed +gave up after waiting [\\d.]+ s for the lock on environment backend: another hearth holds it, pid ${pid} \\(hearth\\.js up\\), which took it .+ ago$`,
        'm',
      ),
    )
    expect(seen).toContain(
      `fix: stop that hearth (pid ${pid}), or remove the lock file <root>/.hearth/locks/backend.lock if you are sure it is dead; to wait longer, set HEARTH_LOCK_TIMEOUT_MS (now 3000)`,
    )
    expect(seen).toContain('✗ backend failed: api')
    expect(seen).not.toMatch(/internal error|^\s+at /m)
    // Nothing started, and the lock is still its holder's.
    expect(leftovers(id)).toEqual([])
    expect((JSON.parse(readFileSync(lock, 'utf8')) as { token: string }).token).toBe(token)
    expect(sleeper.exitCode).toBeNull()

    // Once the holder is gone (its process ended), the next up takes the lock at once.
    const other = execa('sleep', ['600'], { reject: false, stdin: 'ignore' })
    other.kill('SIGKILL')
    await other
    await waitFor('the process has ended', () => !existsSync(`/proc/${other.pid}`))
    const content = JSON.parse(readFileSync(lock, 'utf8')) as Record<string, unknown>
    writeFileSync(lock, JSON.stringify({ ...content, pid: other.pid }))
    const next = await hearth(['up'], root)
    expect(next.exitCode, next.stdout + next.stderr).toBe(0)
    expect(next.stdout).not.toContain('another hearth holds it')
    await expectTakenOver(root, lock, next.stdout + next.stderr)
  })
})
