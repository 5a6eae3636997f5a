import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Files of a fixture workspace: path relative to its root → content (objects are written as JSON). */
export type FixtureFiles = Record<string, string | object>

/**
 * Temporary workspaces for tests, under their real paths. `links` are symlinks (path → target,
 * relative to the link's folder), as pnpm makes them in node_modules. `cleanup()` removes them all.
 */
export function createFixtures(prefix: string) {
  const made: string[] = []
  return {
    write(files: FixtureFiles, links: Record<string, string> = {}): string {
      const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), `hearth-affected-${prefix}-`)))
      made.push(root)
      writeFiles(root, files)
      for (const [link, target] of Object.entries(links)) {
        mkdirSync(path.dirname(path.join(root, link)), { recursive: true })
        symlinkSync(target, path.join(root, link), 'dir')
      }
      return root
    },
    cleanup(): void {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function writeFiles(root: string, files: FixtureFiles): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(
      path.join(root, file),
      typeof content === 'string' ? content : JSON.stringify(content, null, 2),
    )
  }
}
