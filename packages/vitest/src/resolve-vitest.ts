import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/** The Vitest major this package speaks to (its Node API changed in 3 and 4). */
export const SUPPORTED_VITEST_MAJOR = 4

export type VitestSetupProblem =
  /** No Vitest resolves from the folder. */
  | 'not-found'
  /** The folder resolves a Vitest of another major. */
  | 'unsupported-version'
  /** The folder's Vitest config did not load (`configFile`; Vitest's message is in `message`). */
  | 'config-error'

/** The project has no usable Vitest. `message` says what was found where, and the fix. */
export class VitestSetupError extends Error {
  override readonly name = 'VitestSetupError'
  constructor(
    message: string,
    readonly problem: VitestSetupProblem,
    /** The folder it was resolved from: the owner's root. */
    readonly root: string,
    /** For `config-error`: the config file that did not load (null: Vitest's defaults). */
    readonly configFile: string | null = null,
  ) {
    super(message)
  }
}

/** A Vitest config that did not load: names the file (or the folder) and Vitest's own message. */
export function configLoadError(root: string, configFile: string | null, cause: string): VitestSetupError {
  const what = configFile === null ? `Vitest (no config file) in ${root}` : `the Vitest config ${configFile}`
  return new VitestSetupError(
    `hearth: ${what} did not load: ${cause.trim()}\nFix: correct it until \`vitest run\` works in ${root}.`,
    'config-error',
    root,
    configFile,
  )
}

export function isVitestSetupError(value: unknown): value is VitestSetupError {
  return value instanceof VitestSetupError
}

export interface ProjectVitest {
  version: string
  /** The folder of the vitest package the project resolves (a symlink's target under pnpm). */
  packageDir: string
  /** Absolute path of its `vitest/node` entry. */
  nodeEntry: string
}

const INSTALL = `pnpm add -D vitest@^${SUPPORTED_VITEST_MAJOR} (or npm install -D vitest@^${SUPPORTED_VITEST_MAJOR})`

/**
 * Finds the Vitest that `root` itself resolves, as `import 'vitest'` from a file in `root` would:
 * `node_modules/vitest` in `root`, then in the folders above (a workspace root). Never hearth's own
 * copy, and never through NODE_PATH (pnpm's bin shims point it at the launcher's dependencies): the
 * tests must run with the project's version and plugins. Throws a `VitestSetupError` when there is
 * none, or when it is not Vitest 4.
 */
export function resolveProjectVitest(root: string): ProjectVitest {
  const manifestPath = findPackageManifest(path.resolve(root), 'vitest')
  if (manifestPath === undefined) {
    throw new VitestSetupError(
      `hearth: no Vitest found from ${root}. hearth runs the tests with the project's own Vitest ` +
        `${SUPPORTED_VITEST_MAJOR}, resolved from that folder. Fix: install it there: ${INSTALL}.`,
      'not-found',
      root,
    )
  }
  const packageDir = path.dirname(manifestPath)
  const version = readVersion(manifestPath)
  if (!isSupportedVitestVersion(version)) {
    throw new VitestSetupError(
      `hearth: ${root} uses Vitest ${version ?? '(no version)'} (${packageDir}); hearth needs Vitest ` +
        `${SUPPORTED_VITEST_MAJOR}.x. Fix: ${INSTALL}.`,
      'unsupported-version',
      root,
    )
  }
  // From inside the package, its own name resolves through its exports map (self-reference).
  const nodeEntry = createRequire(manifestPath).resolve('vitest/node')
  return { version, packageDir, nodeEntry }
}

/** `<dir>/node_modules/<name>/package.json` for `dir` = `from` and each folder above, real path. */
function findPackageManifest(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json')
    if (existsSync(candidate)) return realpathSync(candidate)
    if (path.dirname(dir) === dir) return undefined
  }
}

export function isSupportedVitestVersion(version: string | undefined): version is string {
  return version !== undefined && Number(/^(\d+)\./.exec(version)?.[1]) === SUPPORTED_VITEST_MAJOR
}

function readVersion(manifestPath: string): string | undefined {
  try {
    const manifest: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'))
    const version = (manifest as { version?: unknown }).version
    return typeof version === 'string' ? version : undefined
  } catch {
    return undefined
  }
}
