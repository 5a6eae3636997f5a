import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { hearth, processesOf, repoRoot, writeProject } from '../e2e/helpers.js'

export { hearth, processesOf, repoRoot, spawnHearth } from '../e2e/helpers.js'

/**
 * A local HTTP server on $PORT that says "listening" once it answers: a process service whose
 * readiness and outputs depend on its record (its port).
 */
export const HTTP_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'))`

/** A project folder with these files, whose `node_modules/@hearth` and `hearth` lead to this checkout. */
export function faultProject(files: Readonly<Record<string, string>>): { root: string; cleanup(): void } {
  const created = writeProject({
    'package.json': '{"name":"faults","private":true,"type":"module"}',
    ...files,
  })
  mkdirSync(path.join(created.root, 'node_modules/@hearth'), { recursive: true })
  for (const [name, folder] of [
    ['environments', 'packages/environments'],
    ['env-postgres', 'environments/postgres'],
    ['env-redis', 'environments/redis'],
  ] as const) {
    symlinkSync(path.join(repoRoot, folder), path.join(created.root, 'node_modules/@hearth', name))
  }
  symlinkSync(path.join(repoRoot, 'apps/hearth'), path.join(created.root, 'node_modules/hearth'))
  return created
}

/** The project's id, as hearth names it (`status --json`). */
export async function projectIdOf(root: string): Promise<string> {
  const status = await hearth(['status', '--json'], root)
  return (JSON.parse(status.stdout) as { project: { id: string } }).project.id
}

/** What the engine holds for a project, straight from docker (never through hearth). */
export function containersOf(projectId: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=dev.hearth.project-id=${projectId}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((line) => line !== '')
}

/** Everything hearth labelled for the project that still exists: processes, containers, networks, volumes. */
export function leftovers(projectId: string): string[] {
  const filter = `label=dev.hearth.project-id=${projectId}`
  const lines = (args: string[]): string[] =>
    execFileSync('docker', args, { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '')
  return [
    ...processesOf(projectId).map((pid) => `process ${pid}`),
    ...lines(['ps', '-aq', '--filter', filter]).map((id) => `container ${id}`),
    ...lines(['network', 'ls', '-q', '--filter', filter]).map((id) => `network ${id}`),
    ...lines(['volume', 'ls', '-q', '--filter', filter]).map((id) => `volume ${id}`),
  ]
}

/** Polls `condition` until it holds; fails after `timeoutMs` (generous: CI machines run loaded). */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Removes a file's fault projects once its tests are done: `hearth down --all` in each, a check that
 * nothing it labelled is left, then its folder.
 */
export async function removeProjects(
  projects: ReadonlyArray<{ root: string; cleanup(): void }>,
): Promise<void> {
  for (const project of projects) {
    const id = await projectIdOf(project.root)
    await hearth(['down', '--all'], project.root)
    expect(leftovers(id)).toEqual([])
    project.cleanup()
  }
}
