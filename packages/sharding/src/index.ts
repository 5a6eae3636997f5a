export type { FileTiming, TimedFile, TimingHistory } from './timing-history.js'
export {
  emptyTimingHistory,
  parseTimingHistory,
  recordTimings,
  SMOOTHING,
  serializeTimingHistory,
} from './timing-history.js'
