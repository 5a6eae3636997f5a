import { spawn } from 'node:child_process'
import path from 'node:path'
import type { ImportGraph } from '@hearth/affected'
import type { PackageBuilder, PlannedBuild } from '@hearth/core'
import { detectPackageManager, type PackageManager } from './package-manager.js'

/** What a failed build keeps of its output: enough to show the compiler's errors. */
const OUTPUT_LIMIT = 64 * 1024

export interface PackageBuilderOptions {
  /** The project root: where the package manager is detected. */
  root: string
  /** The import graph of the project's tests (built on first use, then kept up to date by its owner). */
  graph(): Promise<ImportGraph>
}

/**
 * Rebuilds the workspace packages that tests use through their build output, with each package's
 * own `build` script run by the workspace's package manager (`pnpm run build` in the package's
 * folder), one at a time in dependency order. Which packages, and why, is @hearth/affected's
 * `planBuilds`: only those whose output is missing or older than their sources.
 */
export function createPackageBuilder({ root, graph }: PackageBuilderOptions): PackageBuilder {
  let manager: Promise<PackageManager> | undefined
  const managerOf = (): Promise<PackageManager> => {
    manager ??= detectPackageManager(root)
    return manager
  }
  return {
    async plan(files) {
      const { planBuilds } = await import('@hearth/affected')
      const planned = planBuilds(await graph(), files)
      const relative = (file: string): string => path.relative(root, file).split(path.sep).join('/')
      return planned.map(({ package: pkg, reason }) => ({
        name: pkg.name,
        dir: pkg.dir,
        reason:
          reason.kind === 'missing'
            ? { kind: 'missing' as const, output: relative(reason.output) }
            : { kind: 'stale' as const, output: relative(reason.output), newer: relative(reason.newer) },
      }))
    },
    async command(pkg) {
      const { command, args } = (await managerOf()).run('build')
      const where = path.relative(root, pkg.dir)
      return `${[command, ...args].join(' ')}${where === '' ? '' : ` (in ${where})`}`
    },
    async build(pkg: PlannedBuild, signal: AbortSignal) {
      const { command, args } = (await managerOf()).run('build')
      const { code, output } = await run(command, args, pkg.dir, signal)
      if (code === 0) return { ok: true, output }
      return { ok: false, output: output.trim() || `${command} ${args.join(' ')} exited with code ${code}` }
    },
  }
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  signal: AbortSignal,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      signal,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', (error) =>
      resolve({ code: signal.aborted ? 130 : 127, output: `${output}\n${error.message}`.trim() }),
    )
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}
