import { existsSync } from 'node:fs'
import { chmod, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { asStateWriteError, writeFileAtomic } from '@hearth/driver'

/**
 * The state folder's mode: its owner's alone. It holds process records, services' output (which
 * may print anything), locks and reports; other users of the machine have no business there.
 */
export const STATE_DIR_MODE = 0o700

/**
 * The state folder (`.hearth`), its owner's alone (0700, tightened when an older hearth made it
 * readable by others), and ignored by git from the start so nobody commits it by accident.
 */
export async function ensureStateDir(stateDir: string): Promise<void> {
  try {
    await mkdir(stateDir, { recursive: true, mode: STATE_DIR_MODE })
  } catch (error) {
    throw asStateWriteError(error, stateDir)
  }
  // mkdir's mode applies only to a folder it creates. Best effort: a folder of another user stays
  // as it is, and the write that matters says why it fails.
  await chmod(stateDir, STATE_DIR_MODE).catch(() => undefined)
  const ignore = path.join(stateDir, '.gitignore')
  // A nicety: where it cannot be written (a full disk), the state write that matters says so, and
  // what needs no write (`status`, `down`) still works.
  if (!existsSync(ignore))
    await writeFileAtomic(ignore, '# hearth state: process records, output, locks\n*\n', {
      mode: 0o600,
    }).catch(() => undefined)
}
