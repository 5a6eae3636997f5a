import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

/**
 * Writes a file so that readers see the old content or the new, never half of it: write a
 * temporary sibling, then rename over the target (atomic on one filesystem).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temporary, content)
    await rename(temporary, file)
  } catch (error) {
    // Best effort: a failing cleanup must not hide why the write failed.
    await rm(temporary, { force: true }).catch(() => undefined)
    throw error
  }
}

/** `writeFileAtomic` for JSON, pretty-printed with a trailing newline. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`)
}
