export type { BuildReason, PackageBuild, PlanBuildsOptions, StatFile } from './build-plan.js'
export { planBuilds } from './build-plan.js'
export { changedSince, GitError, isGitError, resolveCommit } from './changed-since.js'
export type {
  BuildOutputUse,
  EdgeKind,
  GraphUpdate,
  ImportEdge,
  ImportGraph,
  ImportGraphOptions,
  ImportGraphStats,
  ImportSelection,
  ReachedFile,
  UnresolvedImport,
} from './import-graph.js'
export { createImportGraph } from './import-graph.js'
export type { OutputMapping } from './output-sources.js'
export type { ImportKind, ImportRef, ParsedImports } from './parse-imports.js'
export { parseImports } from './parse-imports.js'
export type { BuildOutputLink, BuildOutputPackage } from './resolver.js'
export type {
  SelectedTest,
  Selection,
  SelectionReason,
  SelectionRule,
  SelectTestsInput,
} from './select-tests.js'
export { describeReason, selectTests } from './select-tests.js'
