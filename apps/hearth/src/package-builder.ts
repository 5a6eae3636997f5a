import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { ImportGraph } from '@hearth/affected'
import { type PackageBuilder, type PlannedBuild, relativePath } from '@hearth/core'
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
      const relative = (file: string): string => relativePath(root, file)
      return planned.map(({ package: pkg, reason, outputs }) => {
        return {
          name: pkg.name,
          dir: pkg.dir,
          hasBuildScript: pkg.hasBuildScript,
          outputs,
          reason:
            reason.kind === 'missing'
              ? { kind: 'missing' as const, output: relative(reason.output) }
              : { kind: 'stale' as const, output: relative(reason.output), newer: relative(reason.newer) },
        }
      })
    },
    async command(pkg) {
      const { command, args } = (await managerOf()).run('build')
      const where = path.relative(root, pkg.dir)
      return `${[command, ...args].join(' ')}${where === '' ? '' : ` (in ${where})`}`
    },
    async build(pkg: PlannedBuild, signal: AbortSignal) {
      const { command, args } = (await managerOf()).run('build')
      const { code, output } = await run(command, args, pkg.dir, signal)
      // What it rewrote: the folders of the outputs the tests import (carried on the planned build).
      const dirs = [...new Set(pkg.outputs.map((output) => path.dirname(output)))]
      if (code === 0) return { ok: true, output, written: filesIn(dirs) }
      return { ok: false, output: output.trim() || `${command} ${args.join(' ')} exited with code ${code}` }
    },
  }
}

/**
 * Runs the build in a process group of its own, so that an abort (Ctrl-C, a newer change) stops
 * the compiler it started too, and resolves only once the group's leader has exited: no build
 * goes on writing after hearth has moved on.
 */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  signal: AbortSignal,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT)
    }
    const stop = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    if (signal.aborted) stop()
    signal.addEventListener('abort', stop, { once: true })
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', (error) => {
      signal.removeEventListener('abort', stop)
      resolve({ code: 127, output: `${output}\n${error.message}`.trim() })
    })
    child.on('close', (code) => {
      signal.removeEventListener('abort', stop)
      resolve({ code: code ?? (signal.aborted ? 130 : 1), output })
    })
  })
}

/** Every file below these folders (what a build wrote), absolute. */
function filesIn(dirs: readonly string[]): string[] {
  const files: string[] = []
  for (const dir of dirs) {
    try {
      for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
        if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name))
    } catch {
      // not there: nothing to read afresh
    }
  }
  return files
}
