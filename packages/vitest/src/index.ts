export { OUTPUTS_VAR } from './env-names.js'
export type { RootProject, TestOwner } from './owners.js'
export { ownerOfFile, planOwners } from './owners.js'
export type { ProjectVitest, VitestSetupProblem } from './resolve-vitest.js'
export {
  configLoadError,
  isSupportedVitestVersion,
  isVitestSetupError,
  resolveProjectVitest,
  SUPPORTED_VITEST_MAJOR,
  VitestSetupError,
} from './resolve-vitest.js'
export type { OutputsByService } from './test-environment.js'
export { testEnvironment } from './test-environment.js'
export type { RunOptions, TestRunner, TestRunnerMode, TestRunnerOptions } from './test-runner.js'
export { createTestRunner } from './test-runner.js'
export type {
  ConsoleEntry,
  ErrorLocation,
  FileResult,
  NotRunReason,
  RunEvent,
  RunResult,
  TestErrorInfo,
  TestResult,
  TestState,
} from './types.js'
