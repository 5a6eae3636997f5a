import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { resolveCommand } from 'package-manager-detector/commands'
import { detect } from 'package-manager-detector/detect'

/** The workspace's package manager, as hearth runs a package's scripts with it. */
export interface PackageManager {
  /** `pnpm`, `npm`, `yarn`, `bun`… */
  name: string
  /** The executable and the arguments that run a package script in the current folder. */
  run(script: string): { command: string; args: string[] }
  /**
   * The command that adds `names` to the project's own package.json (the `root` it was detected
   * for), as a development dependency unless `dev` is false. Where the root is a workspace's root,
   * it carries the flag the manager asks for there: pnpm refuses without `-w`
   * (ERR_PNPM_ADDING_TO_ROOT), Yarn 1 without `-W`.
   */
  add(names: readonly string[], options?: { dev?: boolean }): { command: string; args: string[] }
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
    add(names, { dev = true } = {}) {
      const flags: string[] = []
      if (dev) flags.push(agent === 'bun' ? '-d' : '-D')
      const rootFlag = workspaceRootFlag(agent, root)
      if (rootFlag !== null) flags.push(rootFlag)
      const resolved = resolveCommand(agent, 'add', [...flags, ...names])
      return resolved ?? { command: 'npm', args: ['install', ...(dev ? ['-D'] : []), ...names] }
    },
  }
}

/** The flag a manager wants to add a dependency in a workspace's root folder, or null. */
function workspaceRootFlag(agent: string, root: string): string | null {
  if (agent.startsWith('pnpm')) return existsSync(path.join(root, 'pnpm-workspace.yaml')) ? '-w' : null
  // Yarn 1 (the `yarn` agent; Berry is `yarn@berry`) refuses the root of a `workspaces` project.
  if (agent === 'yarn') return hasWorkspaces(root) ? '-W' : null
  return null
}

function hasWorkspaces(root: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      workspaces?: unknown
    }
    return manifest.workspaces !== undefined && manifest.workspaces !== null
  } catch {
    return false
  }
}
