import { readFile } from 'node:fs/promises'
import { writeJsonAtomic } from '@hearth/driver'

/** When each environment of a checkout was last used, for the idle TTL. */
export type Usage = Record<string, { lastUsedAt: number }>

export interface UsageRecords {
  /**
   * The records: none for an environment never used. A time that cannot be read is NaN (unknown,
   * not ancient); records that exist but cannot be read at all are null (nothing can be said).
   */
  read(): Promise<Usage | null>
  /** Marks environments as used at `at`. */
  touch(environments: readonly string[], at: number): Promise<void>
  /** Drops the records of environments that were removed. */
  forget(environments: readonly string[]): Promise<void>
}

interface UsageFile {
  format: 1
  environments: Usage
}

/**
 * Usage records in one JSON file, replaced atomically on every write (a reader never sees half a
 * file). Two hearth processes writing at once may lose one's touch, which only makes an
 * environment look idle a little earlier; the lock held while starting makes that rare.
 */
export function createUsageRecords(file: string): UsageRecords {
  const read = async (): Promise<Usage | null> => {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      return null
    }
    try {
      const parsed = JSON.parse(text) as Partial<UsageFile> | null
      const environments = parsed?.environments
      if (parsed?.format !== 1 || typeof environments !== 'object' || environments === null) return null
      const usage: Usage = {}
      for (const [name, record] of Object.entries(environments)) {
        const at = (record as { lastUsedAt?: unknown } | null)?.lastUsedAt
        usage[name] = { lastUsedAt: typeof at === 'number' && Number.isFinite(at) ? at : Number.NaN }
      }
      return usage
    } catch {
      return null
    }
  }
  const write = (environments: Usage): Promise<void> =>
    writeJsonAtomic(file, { format: 1, environments } satisfies UsageFile)
  return {
    read,
    async touch(environments, at) {
      // Records that cannot be read are a cache lost: they start again from what is known now.
      const usage = (await read()) ?? {}
      for (const name of environments) usage[name] = { lastUsedAt: at }
      await write(usage)
    },
    async forget(environments) {
      const usage = (await read()) ?? {}
      for (const name of environments) delete usage[name]
      await write(usage)
    },
  }
}

/** Records in memory, for unit tests. */
export function createMemoryUsageRecords(initial: Usage = {}): UsageRecords & { usage: Usage } {
  const usage: Usage = { ...initial }
  return {
    usage,
    async read() {
      return { ...usage }
    },
    async touch(environments, at) {
      for (const name of environments) usage[name] = { lastUsedAt: at }
    },
    async forget(environments) {
      for (const name of environments) delete usage[name]
    },
  }
}
