import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'

// Not from helpers.ts: that imports workspace packages, which this very setup has to build first.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')

/** The e2e tests drive the built CLI: build it first (incremental, so quick when nothing changed). */
export default async function setup(): Promise<void> {
  await execa(
    process.execPath,
    [`${repoRoot}/node_modules/typescript/bin/tsc`, '-b', 'tsconfig.build.json'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  )
}
