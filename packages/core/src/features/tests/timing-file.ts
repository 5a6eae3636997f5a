import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '@hearth/driver'
import { parseTimingHistory, recordTimings, serializeTimingHistory } from '@hearth/sharding/timing-history'
import type { TimingRecorder } from './controller.js'

function expectations(files: Readonly<Record<string, { estimateMs: number }>>): Record<string, number> {
  const expected: Record<string, number> = {}
  for (const [path, timing] of Object.entries(files)) expected[path] = timing.estimateMs
  return expected
}

/**
 * Records each run's file durations into the timing history at `file` (`.hearth/timings.json`):
 * read, fold in, write atomically, so a reader never sees half a file.
 */
export function createTimingFile(file: string, now: () => Date = () => new Date()): TimingRecorder {
  const read = async () => parseTimingHistory(await readFile(file, 'utf8').catch(() => null))
  return {
    async record(files) {
      const history = recordTimings(await read(), files, now())
      await writeFileAtomic(file, serializeTimingHistory(history))
      return expectations(history.files)
    },
    async read() {
      return expectations((await read()).files)
    },
  }
}
