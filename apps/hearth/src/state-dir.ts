import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { asStateWriteError, writeFileAtomic } from '@hearth/driver'

/** The state folder (`.hearth`), ignored by git from the start so nobody commits it by accident. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  try {
    await mkdir(stateDir, { recursive: true })
  } catch (error) {
    throw asStateWriteError(error, stateDir)
  }
  const ignore = path.join(stateDir, '.gitignore')
  // A nicety: where it cannot be written (a full disk), the state write that matters says so, and
  // what needs no write (`status`, `down`) still works.
  if (!existsSync(ignore))
    await writeFileAtomic(ignore, '# hearth state: process records, output, locks\n*\n').catch(
      () => undefined,
    )
}
