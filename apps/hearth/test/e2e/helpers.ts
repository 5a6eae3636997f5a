export { processesOf } from '@hearth/driver-process/testing'

import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
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

/**
 * Runs the built `hearth` CLI as a user would, without a TTY and without colour. With `timeoutMs`,
 * a command still running then is stopped (SIGTERM, as Ctrl-C would, then SIGKILL) and comes back
 * with exit code -1 and what it printed, ending with a line that says so: a test that fails on a
 * hung command shows where it hung instead of reaching its own limit with nothing to show.
 */
export async function hearth(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
  { timeoutMs }: { timeoutMs?: number } = {},
): Promise<CliResult> {
  const result = await execa(process.execPath, [bin, ...args], {
    cwd,
    reject: false,
    env: { NO_COLOR: '1', ...env },
    stdin: 'ignore',
    ...(timeoutMs === undefined
      ? {}
      : { timeout: timeoutMs, killSignal: 'SIGTERM', forceKillAfterDelay: 30_000 }),
  })
  if (result.timedOut) {
    const said = `(hearth ${args.join(' ')} was still running after ${timeoutMs} ms, and was stopped)`
    return { exitCode: -1, stdout: result.stdout, stderr: `${result.stderr}\n${said}`.trim() }
  }
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
 * Gives a throwaway project the demo's dependencies: its own `node_modules` folder whose entries
 * link to the demo's, so that what hearth writes there (its compiled config, in
 * `node_modules/.cache/hearth`) stays in the throwaway project instead of the demo's install.
 */
export function linkDemoModules(root: string): void {
  const modules = path.join(repoRoot, 'examples/demo/node_modules')
  mkdirSync(path.join(root, 'node_modules'), { recursive: true })
  for (const entry of readdirSync(modules)) {
    if (entry !== '.cache') symlinkSync(path.join(modules, entry), path.join(root, 'node_modules', entry))
  }
}

/**
 * A throwaway copy of `examples/<name>` (so tests never touch an example someone has running), with
 * a real `node_modules` folder in each of its packages (the root and every folder its workspace
 * globs list) whose entries are symlinks: a dependency on another package of the example points at
 * that package IN THE COPY, so an edit in the copy is what the copy's tests and builds see; every
 * other dependency (third-party packages, hearth's own, `.bin`) points at the original install.
 * Linking a whole `node_modules` folder would not do: pnpm's link for `@keystore/core` in the
 * original leads back to the original package. Dot folders other than `.bin` (Vite's and tsdown's
 * caches) are left out, so the copy never writes into the original's. `buildOutput: false` leaves
 * the packages' `dist` folders out too, as in a fresh clone.
 */
export function copyWorkspace(
  name: string,
  { buildOutput = true }: { buildOutput?: boolean } = {},
): { root: string; cleanup(): void } {
  const source = path.join(repoRoot, 'examples', name)
  const root = mkdtempSync(path.join(os.tmpdir(), `hearth-e2e-${name}-`))
  // Without build output (`dist`), the copy is as a fresh clone has it.
  const skipped = new Set(['node_modules', '.hearth', ...(buildOutput ? [] : ['dist'])])
  cpSync(source, root, {
    recursive: true,
    filter: (from) =>
      !path
        .relative(source, from)
        .split(path.sep)
        .some((part) => skipped.has(part)),
  })
  const dirs = packageDirs(source)
  // Each package of the example, by its real path in the original → its folder in the copy.
  const copies = new Map(dirs.map((dir) => [realpathSync(path.join(source, dir)), path.join(root, dir)]))
  for (const dir of dirs)
    linkModules(path.join(source, dir, 'node_modules'), path.join(root, dir, 'node_modules'), copies)
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

/**
 * A throwaway copy of `examples/<name>` whose `node_modules` folders are links to the originals: its
 * workspace packages resolve to the ORIGINAL packages, so an edit in the copy reaches only the files
 * that import it by a relative path. The demo's tests rely on that: with `copyWorkspace`, `hearth ci`
 * rebuilds `@demo/format` in the copy, and its tsconfig extends the repository's tsconfig.base.json,
 * which is outside the copy. Use `copyWorkspace` for a fixture whose packages build on their own.
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

function linkModules(from: string, to: string, copies: ReadonlyMap<string, string>): void {
  if (!existsSync(from)) return
  mkdirSync(to)
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.name !== '.bin') continue
    if (entry.name.startsWith('@') && entry.isDirectory()) {
      linkModules(path.join(from, entry.name), path.join(to, entry.name), copies)
      continue
    }
    let target: string
    try {
      target = realpathSync(path.join(from, entry.name))
    } catch {
      continue // a dangling link in the original: leave it out
    }
    symlinkSync(copies.get(target) ?? target, path.join(to, entry.name))
  }
}

/**
 * The example's root and its package folders: the globs of its pnpm-workspace.yaml or its
 * package.json `workspaces` (one `*` a segment, as examples use), else `apps/*` and `packages/*`
 * (the globs hearth's own workspace lists for examples).
 */
function packageDirs(root: string): string[] {
  const globs = workspaceGlobs(root) ?? ['apps/*', 'packages/*']
  const dirs = new Set(['.'])
  for (const glob of globs) {
    if (glob.startsWith('!')) continue
    let matches = ['.']
    for (const segment of glob.split('/')) {
      matches = matches.flatMap((dir) => {
        if (segment !== '*') return [path.join(dir, segment)]
        const full = path.join(root, dir)
        if (!existsSync(full)) return []
        return readdirSync(full, { withFileTypes: true })
          .filter(
            (entry) => entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'),
          )
          .map((entry) => path.join(dir, entry.name))
      })
    }
    for (const dir of matches) if (existsSync(path.join(root, dir, 'package.json'))) dirs.add(dir)
  }
  return [...dirs]
}

function workspaceGlobs(root: string): string[] | undefined {
  const yamlFile = path.join(root, 'pnpm-workspace.yaml')
  if (existsSync(yamlFile)) {
    const block = /^packages:\s*\n((?:[ \t]+-.*\n?)+)/m.exec(readFileSync(yamlFile, 'utf8'))
    return (block?.[1] ?? '').split('\n').flatMap((line) => {
      const item = /^\s+-\s*['"]?([^'"#\s]+)/.exec(line)
      return item ? [item[1]!] : []
    })
  }
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces?: string[] | { packages?: string[] }
  }
  return Array.isArray(manifest.workspaces) ? manifest.workspaces : manifest.workspaces?.packages
}

/** A project folder holding only the given files. */
export function writeProject(files: Readonly<Record<string, string>>): { root: string; cleanup(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-project-'))
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(root, file), content)
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

/** A loopback port free right now: for a fixture whose suite hard-codes the port it expects. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
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
