import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** The state folder (`.hearth`), ignored by git from the start so nobody commits it by accident. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true })
  const ignore = path.join(stateDir, '.gitignore')
  if (!existsSync(ignore)) await writeFile(ignore, '# hearth state: process records, output, locks\n*\n')
}
