import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { LABELS, labelEnvName } from '@hearth/driver'
import { execa, type ResultPromise } from 'execa'
import { processesOf, repoRoot } from './helpers.js'

/** The built CLI, as `apps/hearth/package.json` names it in `bin`. */
export const HEARTH_BIN = path.join(repoRoot, 'apps/hearth/bin/hearth.js')

/**
 * How many instances of each service run for a project: its process groups (the process driver
 * starts each instance as a group: a small shell that records the exit code, and the command; by
 * the service label in their environment) and its containers (by label, stopped ones too),
 * straight from /proc and docker. A service started twice, or a leftover of a killed run, shows as
 * a count above 1.
 */
export function instancesOf(projectId: string): Record<string, number> {
  const counts: Record<string, number> = {}
  const count = (service: string): void => {
    counts[service] = (counts[service] ?? 0) + 1
  }
  const label = `${labelEnvName(LABELS.service)}=`
  const groups = new Set<string>()
  for (const pid of processesOf(projectId)) {
    let environ: string[]
    let stat: string
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue // it ended meanwhile
    }
    // Field 5 (the process group), counted from the last ')': the command name may hold anything.
    const group = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] ?? `pid ${pid}`
    const service = environ.find((entry) => entry.startsWith(label))
    const name = service === undefined ? '?' : `process ${service.slice(label.length)}`
    if (groups.has(`${name}@${group}`)) continue
    groups.add(`${name}@${group}`)
    count(name)
  }
  const containers = execFileSync(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      `label=${LABELS.projectId}=${projectId}`,
      '--format',
      `{{.Label "${LABELS.service}"}}`,
    ],
    { encoding: 'utf8' },
  )
  for (const service of containers.split('\n').filter(Boolean)) count(`container ${service}`)
  return counts
}

export interface Watched {
  child: ResultPromise<{ reject: false; stdin: 'ignore' }>
  /** Everything it printed so far, stdout and stderr interleaved. */
  seen(): string
  /** Resolves once its output matches `pattern`; rejects if it ends first. */
  until(pattern: RegExp): Promise<void>
}

/** Starts the CLI (or `command`) and watches its output, to act on a line as it appears. */
export function watchHearth(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
  command: readonly string[] = [process.execPath, HEARTH_BIN],
): Watched {
  const child = execa(command[0] as string, [...command.slice(1), ...args], {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', ...env },
  })
  let seen = ''
  const waiters = new Set<() => void>()
  const look = (chunk: Buffer): void => {
    seen += chunk.toString()
    for (const waiter of waiters) waiter()
  }
  child.stdout?.on('data', look)
  child.stderr?.on('data', look)
  const ended = child.then(() => undefined)
  return {
    child,
    seen: () => seen,
    until: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(seen)) return
          waiters.delete(check)
          resolve()
        }
        waiters.add(check)
        check()
        void ended.then(() => {
          waiters.delete(check)
          if (pattern.test(seen)) resolve()
          else reject(new Error(`it ended before printing ${pattern}:\n${seen}`))
        })
      }),
  }
}
