import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
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

/**
 * Copies a workspace into a new temporary folder without its build output (`dist`), as a fresh
 * clone has it, and without writing anything into the original. node_modules folders are not
 * copied but linked again: a link to a package of the workspace (pnpm's `../../core`) points at the
 * copy, any other at the real path it had (outside the copy, so a third-party package stays one).
 */
export function copyWorkspace(fixtures: ReturnType<typeof createFixtures>, from: string): string {
  const root = fixtures.write({})
  const source = realpathSync(from)
  cpSync(source, root, {
    recursive: true,
    filter: (file) => !['node_modules', 'dist', '.hearth'].includes(path.basename(file)),
  })
  const relink = (original: string, copy: string) => {
    for (const entry of readdirSync(original, { withFileTypes: true })) {
      if (entry.name === '.bin' || entry.name.startsWith('.')) continue
      const link = path.join(copy, entry.name)
      if (entry.name.startsWith('@') && entry.isDirectory()) {
        relink(path.join(original, entry.name), link)
        continue
      }
      const real = realpathSync(path.join(original, entry.name))
      const inWorkspace = !path.relative(source, real).startsWith('..')
      mkdirSync(path.dirname(link), { recursive: true })
      symlinkSync(
        inWorkspace ? path.relative(path.dirname(link), path.join(root, path.relative(source, real))) : real,
        link,
        'dir',
      )
    }
  }
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'dist' || entry.name.startsWith('.')) continue
      const child = path.join(dir, entry.name)
      if (entry.name === 'node_modules') relink(child, path.join(root, path.relative(source, child)))
      else walk(child)
    }
  }
  walk(source)
  return root
}
