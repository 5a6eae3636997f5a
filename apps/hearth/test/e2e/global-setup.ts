import { execa } from 'execa'
import { repoRoot } from './helpers.js'

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
