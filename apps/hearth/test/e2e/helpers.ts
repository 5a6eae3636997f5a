export { processesOf } from '@hearth/driver-process/testing'

import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa, type ResultPromise } from 'execa'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const bin = path.join(repoRoot, 'apps/hearth/bin/hearth.js')

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs the built `hearth` CLI as a user would, without a TTY and without colour. */
export async function hearth(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  const result = await execa(process.execPath, [bin, ...args], {
    cwd,
    reject: false,
    env: { NO_COLOR: '1', ...env },
    stdin: 'ignore',
  })
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr }
}

/** Starts the CLI without waiting for it (to interrupt it, say). */
export function spawnHearth(
  args: readonly string[],
  cwd: string,
): ResultPromise<{ reject: false; env: { NO_COLOR: string }; stdin: 'ignore' }> {
  return execa(process.execPath, [bin, ...args], {
    cwd,
    reject: false,
    env: { NO_COLOR: '1' },
    stdin: 'ignore',
  })
}

/**
 * A throwaway copy of `examples/<name>` (so tests never touch a demo someone has running), its
 * `node_modules` folders linked to the originals so that tsx and the workspace packages resolve.
 */
export function copyExample(name: string): { root: string; cleanup(): void } {
  const source = path.join(repoRoot, 'examples', name)
  const root = mkdtempSync(path.join(os.tmpdir(), `hearth-e2e-${name}-`))
  cpSync(source, root, {
    recursive: true,
    filter: (from) => !from.split(path.sep).some((part) => part === 'node_modules' || part === '.hearth'),
  })
  for (const dir of packageDirs(source)) {
    const modules = path.join(source, dir, 'node_modules')
    if (existsSync(modules)) symlinkSync(modules, path.join(root, dir, 'node_modules'))
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

function packageDirs(root: string): string[] {
  const dirs = ['.']
  for (const group of ['apps', 'packages']) {
    const groupDir = path.join(root, group)
    if (!existsSync(groupDir)) continue
    for (const name of readdirSync(groupDir)) dirs.push(path.join(group, name))
  }
  return dirs
}

/** A project folder holding only the given files. */
export function writeProject(files: Readonly<Record<string, string>>): { root: string; cleanup(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-project-'))
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(root, file), content)
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

/** Output with what varies between runs (durations, ports, temp paths) replaced by placeholders. */
export function normalize(text: string, root?: string): string {
  let out = text
  if (root !== undefined) out = out.split(root).join('<root>')
  return out
    .replace(/\d+(\.\d+)? (ms|s)\b/g, '<time>')
    .replace(/\d+m \d{2}s/g, '<time>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/(Port=)\d+/g, '$1<port>')
}

/** A config with a dependency cycle, an unknown dependency and a port of 70000 (the README shows its message). */
export const THREE_PROBLEMS_CONFIG = `
const api = {
  kind: 'process' as const,
  command: ['node', 'api.js'],
  dependsOn: ['worker', 'dbb'],
  ports: { http: { host: 70000 } },
}
export default {
  environments: [{ name: 'backend', services: { api, worker: { kind: 'process', command: 'node worker.js', dependsOn: ['api'] } } }],
}
`
