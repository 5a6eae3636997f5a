// How the embedded fallback (embedded-postgres.mjs) tells a project to install what it lacks: the
// project's package manager and its command to add a dev dependency. Plain JavaScript without
// dependencies, like the fallback itself. The rules are package-manager-detector's, which hearth's
// CLI uses: from the folder up, a folder's package.json `packageManager` (or `devEngines`) field
// first, then its lockfile; npm when nothing says.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

const LOCKFILES = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
]
const MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun'])

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

/** `yarn@4.1.0` (or devEngines' `{ name, version }`) → `{ name: 'yarn', version: '4.1.0' }`; else null. */
function declared(manifest) {
  if (typeof manifest?.packageManager === 'string') {
    const [name, version = null] = manifest.packageManager.replace(/^\^/, '').split('@')
    return MANAGERS.has(name) ? { name, version } : null
  }
  const engine = manifest?.devEngines?.packageManager
  if (typeof engine?.name === 'string' && MANAGERS.has(engine.name))
    return { name: engine.name, version: typeof engine.version === 'string' ? engine.version : null }
  return null
}

/**
 * The package manager of the project in `dir`: `{ name, version, dir }`, `dir` being the folder
 * that said so (version null when a lockfile did).
 */
export function packageManager(dir) {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const field = declared(readJson(path.join(at, 'package.json')))
    if (field !== null) return { ...field, dir: at }
    for (const [file, name] of LOCKFILES)
      if (existsSync(path.join(at, file))) return { name, version: null, dir: at }
    if (path.dirname(at) === at) return { name: 'npm', version: null, dir: at }
  }
}

/** Yarn 1, which refuses a workspaces root without -W (Berry does not). */
function yarnClassic(manager) {
  if (manager.version !== null) return /^\D*1\./.test(manager.version)
  try {
    return readFileSync(path.join(manager.dir, 'yarn.lock'), 'utf8').includes('yarn lockfile v1')
  } catch {
    return false
  }
}

/**
 * The command that adds `name` as a dev dependency of the project whose root is `dir`. In a
 * workspace's root pnpm refuses without -w (ERR_PNPM_ADDING_TO_ROOT), and Yarn 1 without -W.
 */
export function addCommand(dir, name) {
  const manager = packageManager(dir)
  switch (manager.name) {
    case 'pnpm':
      return `pnpm add -D${existsSync(path.join(dir, 'pnpm-workspace.yaml')) ? ' -w' : ''} ${name}`
    case 'yarn': {
      const workspaces = readJson(path.join(dir, 'package.json'))?.workspaces
      return `yarn add -D${workspaces != null && yarnClassic(manager) ? ' -W' : ''} ${name}`
    }
    case 'bun':
      return `bun add -d ${name}`
    default:
      return `npm install -D ${name}`
  }
}
