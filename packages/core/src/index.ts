export type { Clock } from './clock.js'
export { systemClock } from './clock.js'
export type { ExitCode } from './exit-code.js'
export { EXIT, selectExitCode } from './exit-code.js'
export type { EnvironmentAction, ServiceAction } from './features/environments/actions.js'
export type { EnvironmentControllerOptions } from './features/environments/controller.js'
export { EnvironmentController } from './features/environments/controller.js'
export type {
  EnvironmentLocks,
  FileLocksOptions,
  LockHandle,
} from './features/environments/environment-locks.js'
export {
  createFileLocks,
  createMemoryLocks,
  LOCK_REPORT_EVERY_MS,
  LOCK_TIMEOUT_ENV,
  LOCK_TIMEOUT_MS,
  LockTimeoutError,
} from './features/environments/environment-locks.js'
export { computeOutputs, renderDependencies } from './features/environments/render-service.js'
export type { EnvironmentStatus } from './features/environments/selectors.js'
export {
  selectColdStart,
  selectDependents,
  selectDiedInUse,
  selectEnvironmentStatus,
  selectFailures,
  selectServices,
  selectSettled,
  selectStartDuration,
} from './features/environments/selectors.js'
export type { Usage, UsageRecords } from './features/environments/usage-records.js'
export { createMemoryUsageRecords, createUsageRecords } from './features/environments/usage-records.js'
export type { LogsAction } from './features/logs/actions.js'
export type { LogFollowerOptions } from './features/logs/log-follower.js'
export { cleanLogText, LOG_BATCH_LINES, LOG_LINE_MAX, LogFollower } from './features/logs/log-follower.js'
export { appendLines } from './features/logs/reducer.js'
export { selectLogLines, selectLogTail } from './features/logs/selectors.js'
export type { LogEntry, LogsState, ServiceLog } from './features/logs/state.js'
export { LOG_CAP } from './features/logs/state.js'
export type { ProjectAction } from './features/project/actions.js'
export type { ReadinessOutcome } from './features/readiness/wait-until-ready.js'
export { FIRST_PROBE_INTERVAL_MS, waitUntilReady } from './features/readiness/wait-until-ready.js'
export type { SessionAction, WarningCode } from './features/session/actions.js'
export type { TestsAction } from './features/tests/actions.js'
export { isTestsAction } from './features/tests/actions.js'
export type {
  PackageBuilder,
  PlannedBuild,
  TestControllerOptions,
  TimingRecorder,
} from './features/tests/controller.js'
export { TestController } from './features/tests/controller.js'
export {
  describeBuildReason,
  describeReason,
  describeReasonKind,
  describeReasonShort,
} from './features/tests/describe.js'
export type { AffectedSelection, TestConfigOwnership } from './features/tests/selection.js'
export { GLOBAL_TRIGGERS, selectAffected, selectionRules, testConfigsOf } from './features/tests/selection.js'
export {
  selectRunCounts,
  selectRunFiles,
  selectTestCaseCounts,
  selectTestsFailed,
} from './features/tests/selectors.js'
export type {
  BuildReason,
  BuildStatus,
  PackageBuildState,
  RunBlock,
  RunCounts,
  RunPhase,
  RunState,
  SelectionReason,
  TestFileState,
  TestFileStatus,
  TestsState,
} from './features/tests/state.js'
export type { ClassifiedTestFile } from './features/tests/test-files.js'
export {
  classifyTestFiles,
  coverageWarnings,
  filterTestFiles,
  selectEmptyGroups,
  testEnvironmentOf,
} from './features/tests/test-files.js'
export type {
  ConsoleEntry,
  TestCaseOutcome,
  TestErrorInfo,
  TestEvent,
  TestFileOutcome,
  TestOwner,
  TestRunner,
  TestRunOptions,
  TestRunOutcome,
  TestState,
} from './features/tests/test-runner.js'
export { isTestSetupError, TestSetupError } from './features/tests/test-runner.js'
export { createTimingFile } from './features/tests/timing-file.js'
export type { WatchAction } from './features/watch/actions.js'
export type { WatchState } from './features/watch/state.js'
export type { WatchControllerOptions } from './features/watch/watch-controller.js'
export { WATCH_IGNORED, WatchController } from './features/watch/watch-controller.js'
export type { LockOwner, OwnerCheck } from './lock-identity.js'
export {
  checkOwner,
  currentBootId,
  currentOwner,
  LOCK_HEARTBEAT_MS,
  LOCK_STALE_MS,
  parseOwner,
  processStartTime,
  staleReason,
  startHeartbeat,
} from './lock-identity.js'
export { relativePath } from './paths.js'
export { selectRedactedState, selectRedactor, selectSecrets } from './redaction.js'
export type { Session, SessionOptions } from './session.js'
export { createSession, projectIdentity, WatchError } from './session.js'
export type { Action, ActionType } from './store/actions.js'
export type { ChangeSummary, Controller } from './store/controller.js'
export { attachControllers } from './store/controller.js'
export type { HearthStore } from './store/create-store.js'
export { createHearthStore } from './store/create-store.js'
export { reduce } from './store/reducer.js'
export type {
  EnvironmentState,
  HearthState,
  InstanceSummary,
  ProjectIdentity,
  ServiceFailure,
  ServiceKey,
  ServiceState,
  ServiceStatus,
  SessionState,
} from './store/state.js'
export { initialState, serviceKey } from './store/state.js'
export { waitForState } from './store/wait-for-state.js'
