import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

export interface WriteFileOptions {
  /**
   * The file's mode, e.g. `0o600` for state only its owner may read; folders the write creates
   * then get `0o700`. Default: what the umask leaves of `0o666` (`0o777` for folders), as for any
   * file a user asked for (a report, a config).
   */
  mode?: number
}

/**
 * Writes a file so that readers see the old content or the new, never half of it: write a
 * temporary sibling, then rename over the target (atomic on one filesystem). The temporary file
 * is created with `mode`, so the content is never readable by others, not even for a moment.
 */
export async function writeFileAtomic(
  file: string,
  content: string,
  options: WriteFileOptions = {},
): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const { mode } = options
  try {
    await makeStateDir(path.dirname(file), mode === undefined ? undefined : 0o700)
    await writeFile(temporary, content, mode === undefined ? {} : { mode })
    await rename(temporary, file)
  } catch (error) {
    // Best effort: a failing cleanup must not hide why the write failed.
    await rm(temporary, { force: true }).catch(() => undefined)
    throw asStateWriteError(error, file)
  }
}

/**
 * Makes a folder for state (and its parents). A refusal (a full disk, a read-only file system) is a
 * `StateWriteError` naming the folder and the cause. Node's recursive mkdir reports a read-only file
 * system as ENOENT ("no such file or directory"), which names neither: where it says ENOENT, the
 * folder is made once more without `recursive`, to learn the real cause.
 */
export async function makeStateDir(dir: string, mode?: number): Promise<void> {
  const options = mode === undefined ? {} : { mode }
  let refusal: unknown
  try {
    await mkdir(dir, { recursive: true, ...options })
    return
  } catch (error) {
    refusal = error
  }
  if ((refusal as NodeJS.ErrnoException).code === 'ENOENT') {
    try {
      await mkdir(dir, options)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') refusal = error
    }
  }
  throw asStateWriteError(refusal, dir)
}

/** Why the machine refuses a write, by errno: the user's to fix, not a bug in hearth. */
const STORAGE_PROBLEMS: Readonly<Record<string, (dir: string) => { what: string; fix: string }>> = {
  ENOSPC: (dir) => ({
    what: 'the disk is full',
    fix: `free space on the disk that holds ${dir} (\`df -h ${dir}\`), then run again`,
  }),
  EDQUOT: (dir) => ({
    what: 'the disk quota is used up',
    fix: `free space within your quota on the disk that holds ${dir}, then run again`,
  }),
  EROFS: (dir) => ({
    what: 'the file system is read-only',
    fix: `run hearth where ${dir} can be written (a read-write checkout)`,
  }),
  EACCES: (dir) => ({
    what: 'permission denied',
    fix: `make ${dir} writable for this user (\`ls -ld ${dir}\`), or remove it: hearth makes it again`,
  }),
  EPERM: (dir) => ({
    what: 'the operation is not permitted',
    fix: `make ${dir} writable for this user (\`ls -ld ${dir}\`), or remove it: hearth makes it again`,
  }),
}

/**
 * A file hearth keeps its state in (process records, locks, last-use times) could not be written:
 * the disk is full, the folder read-only or someone else's. Nothing half-written is left (writes are
 * atomic); the command ends with exit 3, the cause and the fix.
 */
export class StateWriteError extends Error {
  override readonly name = 'StateWriteError'
  constructor(
    message: string,
    readonly file: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isStateWriteError(error: unknown): error is StateWriteError {
  return error instanceof Error && error.name === 'StateWriteError' && 'fix' in error && 'file' in error
}

/**
 * The error as a StateWriteError when the machine refused the write (full, read-only, no
 * permission), naming `file` (the errno's own path, when it has one); any other error unchanged.
 */
export function asStateWriteError(error: unknown, file: string): unknown {
  if (isStateWriteError(error)) return error
  const { code, path: where } = (error ?? {}) as { code?: unknown; path?: unknown }
  const problem = typeof code === 'string' ? STORAGE_PROBLEMS[code] : undefined
  if (problem === undefined) return error
  // The errno's path, unless it is the temporary sibling of `file`: people know the file.
  const target = typeof where === 'string' && !where.startsWith(`${file}.`) ? where : file
  const { what, fix } = problem(path.dirname(target))
  return new StateWriteError(`cannot write ${target}: ${what} (${code as string})`, target, fix, {
    cause: error,
  })
}

/** `writeFileAtomic` for JSON, pretty-printed with a trailing newline. */
export function writeJsonAtomic(file: string, value: unknown, options: WriteFileOptions = {}): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, options)
}
