import { readdirSync, readFileSync } from 'node:fs'

/**
 * What the kernel says about processes, read from /proc on Linux. Elsewhere the functions fall back
 * to signal 0, which cannot tell a zombie from a live process nor read another process's
 * environment; hearth's own records then carry the identity.
 */

const HAS_PROC = process.platform === 'linux'

interface ProcStat {
  pid: number
  state: string
  pgid: number
  /** Clock ticks after boot: with the pid, a process identity that survives pid reuse. */
  startTime: string
}

export function readStat(pid: number): ProcStat | null {
  if (!HAS_PROC) return null
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // The command name (field 2) may hold spaces and parentheses: fields after it start at the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { pid, state: fields[0] ?? '?', pgid: Number(fields[2]), startTime: fields[19] ?? '' }
}

/** The start time of a process, or null where it cannot be read. */
export function startTimeOf(pid: number): string | null {
  return readStat(pid)?.startTime ?? null
}

/** The kernel counts start times in USER_HZ ticks, 100 a second on every Linux that Node runs on. */
const TICKS_PER_SECOND = 100
let bootTime: number | null | undefined

/**
 * When a process started (epoch ms, to the second: the boot time has no finer grain), from its
 * start time in ticks after boot; null where /proc cannot say. (Not `/proc/<pid>`'s ctime: that is
 * when the kernel last made that inode, which may be long after the start.)
 */
export function startedAtMs(pid: number): number | null {
  const ticks = Number.parseInt(readStat(pid)?.startTime ?? '', 10)
  if (Number.isNaN(ticks)) return null
  if (bootTime === undefined) {
    try {
      const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
      bootTime = btime === undefined ? null : Number(btime) * 1000
    } catch {
      bootTime = null
    }
  }
  return bootTime === null ? null : bootTime + (ticks * 1000) / TICKS_PER_SECOND
}

/**
 * Whether the process with this pid is alive and is the one started at `startTime` (a recycled pid
 * is not). Zombies count as dead: they run nothing and hold no port.
 */
export function isAlive(pid: number, startTime: string | null): boolean {
  if (HAS_PROC) {
    const stat = readStat(pid)
    if (stat === null || stat.state === 'Z' || stat.state === 'X') return false
    return startTime === null || stat.startTime === startTime
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Pids of the live members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!HAS_PROC) {
    try {
      process.kill(-pgid, 0)
      return [pgid]
    } catch {
      return []
    }
  }
  return listPids().filter((pid) => {
    const stat = readStat(pid)
    return stat !== null && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X'
  })
}

/** Live pids whose environment has `name=value` (how a process carries hearth's labels). */
export function pidsWithEnv(name: string, value: string): number[] {
  if (!HAS_PROC) return []
  const needle = `${name}=${value}`
  return listPids().filter((pid) => {
    const stat = readStat(pid)
    if (stat === null || stat.state === 'Z') return false
    return readEnviron(pid)?.includes(needle) ?? false
  })
}

/** The environment a process started with, as `NAME=value` entries, or null if unreadable. */
export function readEnviron(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)
  } catch {
    return null
  }
}

function listPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => pid !== process.pid)
  } catch {
    return []
  }
}

/** Sends a signal to a whole process group; ignores a group that is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}
