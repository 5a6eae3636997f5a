import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '@hearth/driver'
import { ConfigError, isConfigError } from '@hearth/environments'

/** Whether `name` resolves from `dir` as Node resolves a bare import: node_modules there or above. */
export function resolvesFrom(dir: string, name: string): boolean {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules', name, 'package.json'))) return true
    if (path.dirname(at) === at) return false
  }
}

export interface WrittenConfig {
  /** Whether the config was loaded and validated before it replaced `target`. */
  checked: boolean
  /** What it imports that the project lacks (then it could not be checked): install these. */
  missing: string[]
}

/**
 * Writes a generated config to `target` only once it loads, as `hearth up` will load it: the text
 * goes to a file beside the target first (same folder, so its imports resolve as the target's will),
 * is loaded and validated there, and only then renamed over the target. A config that does not load
 * throws its ConfigError (naming the target) and leaves the target as it was: an existing config is
 * never lost to a broken one. When `modules` (what it imports) are not all installed, it cannot be
 * loaded: it is written as it is, and the missing modules are returned.
 */
export async function writeCheckedConfig(
  target: string,
  text: string,
  modules: readonly string[],
): Promise<WrittenConfig> {
  const dir = path.dirname(target)
  const missing = modules.filter((name) => !resolvesFrom(dir, name))
  if (missing.length > 0) {
    await writeFileAtomic(target, text)
    return { checked: false, missing }
  }
  const extension = path.extname(target) || '.ts'
  const draft = path.join(
    dir,
    `.${path.basename(target, extension)}.${process.pid}.${randomBytes(4).toString('hex')}${extension}`,
  )
  await mkdir(dir, { recursive: true })
  try {
    await writeFile(draft, text)
    const { loadConfig } = await import('@hearth/environments')
    try {
      await loadConfig({ file: draft })
    } catch (error) {
      if (!isConfigError(error)) throw error
      // Its messages name the draft: name the file the user asked for.
      const base = path.basename(draft)
      throw new ConfigError(
        error.issues.map((issue) =>
          issue.file === base ? { ...issue, file: path.basename(target) } : issue,
        ),
      )
    }
    await rename(draft, target)
    return { checked: true, missing: [] }
  } finally {
    await rm(draft, { force: true }).catch(() => undefined)
  }
}
