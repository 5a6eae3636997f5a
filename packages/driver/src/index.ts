export type { WriteFileOptions } from './atomic-write.js'
export {
  asStateWriteError,
  isStateWriteError,
  makeStateDir,
  StateWriteError,
  writeFileAtomic,
  writeJsonAtomic,
} from './atomic-write.js'
export { createLabels, identityFromLabels, matchesSelector } from './create-labels.js'
export type { DriverErrorCode } from './errors.js'
export { DriverError, isDriverError } from './errors.js'
export type { FakeBehaviour, FakeDriverOptions, FakeEvent, FakeInstanceRecord } from './fake-driver.js'
export { FakeDriver, FakeRuntime } from './fake-driver.js'
export type { LabelKey, Labels } from './labels.js'
export { LABELS, labelEnvName, labelFromEnvName } from './labels.js'
export { compileLogPattern, probeHttp, probeTcp } from './probes.js'
export type { PostgresProbeOptions, ProtocolProbeOptions } from './protocol-probes.js'
export { probePostgres, probeRedis } from './protocol-probes.js'
export type {
  AtomicReadiness,
  Driver,
  ExecOptions,
  ExecResult,
  ExitStatus,
  Instance,
  InstanceSelector,
  InstanceSpec,
  InstanceState,
  LogLine,
  LogOptions,
  PrepareOptions,
  PrepareProgress,
  ProbeOptions,
  ProbeResult,
  ServiceIdentity,
} from './types.js'
