import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa, type ResultPromise } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { faultProject, HTTP_SERVER, hearth, leftovers, processesOf, projectIdOf, waitFor } from './helpers.js'
import { HEARTH_BIN, watchHearth } from './instances.js'

/**
 * The state folder (`.hearth`) refuses writes: a full disk, a read-only file system. Tests run as
 * root, where `chmod` stops nothing, so `.hearth` becomes a small tmpfs in a mount namespace of its
 * own (`unshare -m`, held open by a `sleep`), and hearth runs inside it (`nsenter`). The fault comes
 * before `up` starts, and while it starts (once `gate` runs and waits to be ready, before `api`,
 * which depends on it, starts): `up` ends with exit 3 naming the state file and the cause, stops
 * what it started, and leaves no temporary file and no half-written record.
 */
function config(gate: string): string {
  return `export default {
  environments: [{ name: 'backend', services: {
    gate: {
      kind: 'process',
      command: 'exec sleep 300',
      readiness: { type: 'command', command: ${JSON.stringify(`test -f ${gate}`)}, timeoutMs: 120000 },
    },
    api: {
      kind: 'process',
      command: ['node', '-e', ${JSON.stringify(HTTP_SERVER)}],
      ports: { http: { env: 'PORT' } },
      readiness: { type: 'http', port: 'http', path: '/' },
      dependsOn: ['gate'],
    },
  } }],
}
`
}

/** A mount namespace in which `dir` is a fresh 1 MiB tmpfs, held open by a `sleep`. */
class StateMount {
  private holder: ResultPromise<{ reject: false; stdin: 'ignore' }> | null = null
  constructor(readonly dir: string) {}

  get pid(): number {
    return this.holder?.pid as number
  }

  /** `dir` as seen inside the namespace, from outside it. */
  get inside(): string {
    return `/proc/${this.pid}/root${this.dir}`
  }

  async open(): Promise<void> {
    const holder = execa(
      'unshare',
      ['-m', '--', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$1" && exec sleep 600', '_', this.dir],
      { reject: false, stdin: 'ignore' },
    )
    this.holder = holder
    await waitFor(
      'the tmpfs is mounted',
      () => holder.exitCode !== null || mountOptions(this.pid, this.dir) !== null,
    )
    expect(mountOptions(this.pid, this.dir), 'unshare -m and mount are not permitted here').not.toBeNull()
  }

  /** Runs a command inside the namespace, at `cwd`. */
  command(cwd: string, ...command: string[]): string[] {
    return [
      'nsenter',
      '-t',
      String(this.pid),
      '-m',
      '--',
      'sh',
      '-c',
      'cd "$1" && shift && exec "$@"',
      '_',
      cwd,
      ...command,
    ]
  }

  /**
   * Makes the folder read-only: a read-only bind mount of it over itself. (Remounting the tmpfs
   * itself read-only is refused while a service holds its output file open for writing.)
   */
  readOnly(): void {
    const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"'
    execFileSync('nsenter', ['-t', String(this.pid), '-m', '--', 'sh', '-c', script, '_', this.dir])
  }

  writable(): void {
    execFileSync('nsenter', ['-t', String(this.pid), '-m', '--', 'umount', this.dir])
  }

  /** Fills the tmpfs to its last byte. */
  fill(): void {
    try {
      writeFileSync(path.join(this.inside, 'filler'), Buffer.alloc(2 * 1024 * 1024))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    }
  }

  unfill(): void {
    rmSync(path.join(this.inside, 'filler'), { force: true })
  }

  /** Every file in the folder, relative to it. */
  files(): string[] {
    return (readdirSync(this.inside, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(this.inside, path.join(entry.parentPath, entry.name)))
  }

  async close(): Promise<void> {
    if (this.holder === null) return
    this.holder.kill('SIGKILL')
    await this.holder
    this.holder = null
  }
}

/**
 * The options of the topmost mount of `dir` in pid's namespace (`rw,relatime`), or null if
 * nothing is mounted there.
 */
function mountOptions(pid: number, dir: string): string | null {
  let table: string
  let found: string | null = null
  try {
    table = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
  } catch {
    return null
  }
  for (const line of table.split('\n')) {
    const fields = line.split(' ')
    if (fields[4] === dir && line.includes(' - tmpfs ')) found = fields[5] ?? null
  }
  return found
}

const CAUSES = {
  'disk full': {
    code: 'ENOSPC',
    message: 'the disk is full (ENOSPC)',
    fix: 'free space on the disk that holds',
    apply: (mount: StateMount) => mount.fill(),
    undo: (mount: StateMount) => mount.unfill(),
  },
  'read-only': {
    code: 'EROFS',
    message: 'the file system is read-only (EROFS)',
    fix: 'run hearth where',
    apply: (mount: StateMount) => mount.readOnly(),
    undo: (mount: StateMount) => mount.writable(),
  },
} as const
type Cause = keyof typeof CAUSES

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('state writes that the machine refuses', () => {
  const projects: Array<{ cleanup(): void }> = []
  const mounts: StateMount[] = []
  afterAll(async () => {
    for (const mount of mounts) await mount.close()
    for (const project of projects) project.cleanup()
  })

  /** What `up` printed when the state folder refused writes while it started, by cause. */
  const whileStarting: Partial<Record<Cause, { root: string; seen: string }>> = {}

  for (const [cause, { code, message, fix, apply, undo }] of Object.entries(CAUSES) as Array<
    [Cause, (typeof CAUSES)[Cause]]
  >) {
    it(`${cause}: up exits 3 naming the state file and the cause, stops what it started, leaves no temporary or half-written file`, async () => {
      const project = faultProject({})
      projects.push(project)
      const { root } = project
      const gate = path.join(root, 'gate.open')
      writeFileSync(path.join(root, 'hearth.config.ts'), config(gate))
      const id = await projectIdOf(root)
      const mount = new StateMount(path.join(root, '.hearth'))
      mounts.push(mount)
      await mount.open()
      const inNamespace = (args: string[]) => {
        const [command, ...rest] = mount.command(root, process.execPath, HEARTH_BIN, ...args)
        return execa(command as string, rest, { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } })
      }
      /** No temporary file, and every record that is there is whole. */
      const checkFiles = (when: string): void => {
        const files = mount.files()
        expect(
          files.filter((file) => file.endsWith('.tmp')),
          when,
        ).toEqual([])
        for (const file of files.filter((name) => name.endsWith('.json')))
          expect(
            () => JSON.parse(readFileSync(path.join(mount.inside, file), 'utf8')),
            `${when}: ${file}`,
          ).not.toThrow()
      }
      try {
        // Before anything starts: the first state write, the environment's lock, is refused.
        apply(mount)
        const before = await inNamespace(['up'])
        const seenBefore = `${before.stdout}\n${before.stderr}`
        expect(before.exitCode, seenBefore).toBe(3)
        // The lock file, or (read-only) its folder, which does not exist yet.
        expect(seenBefore).toMatch(
          new RegExp(
            `^✗ gate +failed +cannot write ${escapeRegExp(`${root}/.hearth/locks`)}(/backend\\.lock)?: ${escapeRegExp(message)}$`,
            'm',
          ),
        )
        expect(seenBefore).toContain(`fix: ${fix}`)
        expect(seenBefore).toContain('✗ backend failed: gate, api')
        expect(seenBefore).not.toMatch(/internal error|^\s+at /m)
        expect(processesOf(id)).toEqual([])
        checkFiles(`${cause}, before up`)
        undo(mount)

        // While it starts: gate runs and waits to be ready; then the folder refuses writes, and
        // api (which depends on gate) cannot start once gate is ready.
        rmSync(gate, { force: true })
        const run = watchHearth(['up'], root, {}, mount.command(root, process.execPath, HEARTH_BIN))
        await run.until(/^ {2}gate +started +waiting until ready/m)
        expect(processesOf(id).length).toBeGreaterThan(0)
        apply(mount)
        writeFileSync(gate, '')
        const during = await run.child
        const seen = run.seen()
        whileStarting[cause] = { root, seen }
        expect(during.exitCode, seen).toBe(3)
        expect(seen).toMatch(/^✗ api +failed /m)
        expect(seen).toContain('stopping what this run started, so nothing is left half-started…')
        // The state folder and the cause are named (the exact wording: the test below).
        expect(seen).toContain(`${root}/.hearth/processes/backend.`)
        expect(seen).toContain(code)
        expect(seen).not.toMatch(/internal error|^\s+at /m)
        // What it started is stopped, though its records could not all be removed.
        expect(processesOf(id)).toEqual([])
        checkFiles(`${cause}, while up starts`)

        undo(mount)
        const down = await inNamespace(['down'])
        expect(down.exitCode, down.stdout + down.stderr).toBe(0)
        expect(leftovers(id)).toEqual([])
        checkFiles(`${cause}, after down`)
      } finally {
        if (cause === 'disk full') mount.unfill()
        else while (mountOptions(mount.pid, mount.dir)?.startsWith('ro') === true) mount.writable()
        await inNamespace(['down'])
        await mount.close()
        await hearth(['down'], root)
      }
      expect(leftovers(id)).toEqual([])
    })
  }

  it('disk full while it starts: the refused record is named, with the cause and the fix', () => {
    const { root, seen } = whileStarting['disk full'] ?? { root: '', seen: '' }
    expect(seen.replaceAll(root, '<root>')).toMatch(
      /^✗ api +failed +could not start api: cannot write <root>\/\.hearth\/processes\/backend\.api\.[0-9a-f]+\/record\.json: the disk is full \(ENOSPC\)\n +fix: free space on the disk that holds <root>\/\.hearth\/processes\/backend\.api\.[0-9a-f]+ /m,
    )
    expect(seen).toMatch(/^ {2}gate +stopped/m)
  })

  // Node's recursive mkdir reports a read-only file system as ENOENT: hearth learns and names the
  // real cause. A record it cannot remove after the process stopped is no failed stop.
  it('read-only while it starts: the refused folder is named, with the cause and the fix', () => {
    const { root, seen } = whileStarting['read-only'] ?? { root: '', seen: '' }
    const normalized = seen.replaceAll(root, '<root>')
    expect(normalized).toMatch(
      /^✗ api +failed +cannot write <root>\/\.hearth\/processes\/backend\.api\.[0-9a-f]+: the file system is read-only \(EROFS\)\n +fix: run hearth where /m,
    )
    expect(seen).toMatch(/^ {2}gate +stopped/m)
    expect(normalized).not.toContain('could not stop')
  })
})
