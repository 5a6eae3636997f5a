export { defineConfig, defineEnvironment, ready, ref, sourceFileOf } from './define.js'
export { formatDuration, parseDuration } from './duration.js'
export type { DependencyGraph } from './graph.js'
export { findCycles, topologicalOrder } from './graph.js'
export type { ConfigIssue } from './issues.js'
export { ConfigError, formatIssues, isConfigError } from './issues.js'
export type { LoadConfigOptions } from './load-config.js'
export { CONFIG_FILES, defaultProjectName, findConfigFile, loadConfig } from './load-config.js'
export { outputEnvName } from './names.js'
export { outputEnv } from './output-env.js'
export type { Redactor, RedactorInput } from './redaction.js'
export {
  createRedactor,
  MASK,
  MIN_FREE_TEXT_SECRET,
  maskUrlPasswords,
  maskValue,
  urlPassword,
} from './redaction.js'
export { isSecretName, markSecrets, SECRET_NAME, secretNamesOf } from './secrets.js'
export type { ResolvedSpecInputs } from './spec-hash.js'
export { computeSpecHash, hashValue, SPEC_FORMAT, stableStringify } from './spec-hash.js'
export type { TemplateParse, TemplateReference } from './template.js'
export { lookupIn, parseTemplate, renderTemplate } from './template.js'
export type {
  AllReadinessDefinition,
  CommandDefinition,
  CommandReadinessDefinition,
  ConfigDefinition,
  ContainerPortDefinition,
  ContainerServiceDefinition,
  EnvironmentDefinition,
  HealthcheckReadinessDefinition,
  HttpReadinessDefinition,
  JobServiceDefinition,
  LogReadinessDefinition,
  NormalizedCommand,
  NormalizedConfig,
  NormalizedContainerService,
  NormalizedEnvironment,
  NormalizedJobService,
  NormalizedPort,
  NormalizedProbeTiming,
  NormalizedProcessService,
  NormalizedReadiness,
  NormalizedReset,
  NormalizedService,
  NormalizedTestGroup,
  PostgresReadinessDefinition,
  ProbeTiming,
  ProcessPortDefinition,
  ProcessServiceDefinition,
  ReadinessDefinition,
  RedisReadinessDefinition,
  ResetDefinition,
  ServiceDefinition,
  ServiceKind,
  TcpReadinessDefinition,
  TestGroupDefinition,
} from './types.js'
// The validator (zod) is `@hearth/environments/validate`: a config's own import of this package,
// and a command whose config is kept validated, never load it.
export type { ValidateOptions, ValidationResult } from './validate.js'
