import { resolveCommand } from 'package-manager-detector/commands'
import { detect } from 'package-manager-detector/detect'

/** The workspace's package manager, as hearth runs a package's scripts with it. */
export interface PackageManager {
  /** `pnpm`, `npm`, `yarn`, `bun`… */
  name: string
  /** The executable and the arguments that run a package script in the current folder. */
  run(script: string): { command: string; args: string[] }
  /** How it was chosen, for messages: a lockfile, the `packageManager` field, or the fallback. */
  source: string
}

/**
 * The package manager of the project at `root`, from its lockfile or `packageManager` field (the
 * rules of package-manager-detector, which the package-manager ecosystem shares); npm when nothing
 * says, since it comes with Node and runs any package's scripts.
 */
export async function detectPackageManager(root: string): Promise<PackageManager> {
  const found = await detect({ cwd: root }).catch(() => null)
  const agent = found?.agent ?? 'npm'
  return {
    name: found?.name ?? 'npm',
    source: found === null ? 'no lockfile or packageManager field: npm' : `${found.name} (detected)`,
    run(script) {
      const resolved = resolveCommand(agent, 'run', [script])
      return resolved === null ? { command: 'npm', args: ['run', script] } : resolved
    },
  }
}
