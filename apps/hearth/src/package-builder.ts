import { spawn } from 'node:child_process'
import type { PackageBuilder } from '@hearth/core'

const OUTPUT_LIMIT = 64 * 1024

/**
 * Rebuilds workspace packages that tests use through their build output, with each package's own
 * `build` script (`npm run build`, which works in any npm, pnpm or yarn workspace), one after the
 * other. `directories` maps package names to their folders.
 */
export function createPackageBuilder(directories: ReadonlyMap<string, string>): PackageBuilder {
  return async (packages, signal) => {
    for (const name of packages) {
      const dir = directories.get(name)
      if (dir === undefined) continue
      const { code, output } = await run('npm', ['run', 'build', '--silent'], dir, signal)
      if (signal.aborted) return { ok: true }
      if (code !== 0)
        return { ok: false, name, output: output.trim() || `npm run build exited with code ${code}` }
    }
    return { ok: true }
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
      env: { ...process.env, NO_COLOR: '1' },
    })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', (error) => resolve({ code: 127, output: `${output}\n${error.message}` }))
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}
