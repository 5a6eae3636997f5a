export type {
  PlanFile,
  PlannedEnvironment,
  PlannedFile,
  PlannedShard,
  PlanOptions,
  Prediction,
  ProposeShardCountOptions,
  ShardPlan,
} from './plan.js'
export {
  DEFAULT_FILE_MS,
  DEFAULT_MAX_SHARDS,
  DEFAULT_STARTUP_MS,
  PLAN_SCHEMA,
  planDigest,
  planShards,
  proposeShardCount,
  SIZE_SCALE_MAX,
  SIZE_SCALE_MIN,
  shardOf,
} from './plan.js'
export type { EnvironmentStartup, FileTiming, TimedFile, TimingHistory } from './timing-history.js'
export {
  emptyTimingHistory,
  parseTimingHistory,
  recordEnvironmentStartups,
  recordRunOverhead,
  recordTimings,
  SMOOTHING,
  serializeTimingHistory,
} from './timing-history.js'
