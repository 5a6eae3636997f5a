// The authoring API, so a project's config imports from the one package it installed:
// import { defineConfig, defineEnvironment } from 'hearth'
export type {
  ConfigDefinition,
  ContainerServiceDefinition,
  EnvironmentDefinition,
  JobServiceDefinition,
  ProcessServiceDefinition,
  ReadinessDefinition,
  ResetDefinition,
  ServiceDefinition,
  TestGroupDefinition,
} from '@hearth/environments'
export { defineConfig, defineEnvironment, ready, ref } from '@hearth/environments'
export { EXIT_INTERNAL, generalHelp, main } from './cli.js'
export type { Io } from './io.js'
export type { GithubReporter, GithubReporterOptions, JobSummaryOptions } from './reporters/github-reporter.js'
export {
  attachGithubReporter,
  formatAnnotations,
  formatJobSummary,
  isGithubActions,
} from './reporters/github-reporter.js'
export type { JunitOptions } from './reporters/junit-reporter.js'
export { renderJunit, writeJunitReport } from './reporters/junit-reporter.js'
export { attachLineReporter, formatAction } from './reporters/line-reporter.js'
export type { HearthEvent, NdjsonReporter, NdjsonReporterOptions } from './reporters/ndjson-reporter.js'
export {
  attachNdjsonReporter,
  EVENTS_SCHEMA,
  formatFailedSession,
  serializeEvent,
  toEvents,
} from './reporters/ndjson-reporter.js'
export type { StatusJson } from './reporters/status-table.js'
export { formatStatusTable, toStatusJson } from './reporters/status-table.js'
