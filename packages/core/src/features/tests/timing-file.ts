import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '@hearth/driver'
import { parseTimingHistory, recordTimings, serializeTimingHistory } from '@hearth/sharding'
import type { TimingRecorder } from './controller.js'

/**
 * Records each run's file durations into the timing history at `file` (`.hearth/timings.json`):
 * read, fold in, write atomically, so a reader never sees half a file.
 */
export function createTimingFile(file: string, now: () => Date = () => new Date()): TimingRecorder {
  return {
    async record(files) {
      const text = await readFile(file, 'utf8').catch(() => null)
      await writeFileAtomic(
        file,
        serializeTimingHistory(recordTimings(parseTimingHistory(text), files, now())),
      )
    },
  }
}
