/** One problem in a config, with enough to fix it without reading hearth's source. */
export interface ConfigIssue {
  /** The file that holds the problem, relative to the project root. */
  file: string
  /** Where in the config, e.g. `environments.backend.services.api.dependsOn[0]`. */
  path: string
  message: string
  fix: string
}

/** Thrown (by `loadConfig`) when a config cannot be used; carries every problem found at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues(issues))
    this.issues = issues
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return (
    error instanceof Error && error.name === 'ConfigError' && Array.isArray((error as ConfigError).issues)
  )
}

/**
 * The human form of a list of issues: a heading with the count, then per issue its place, what is
 * wrong and the fix. Stable text: tests compare it exactly.
 */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`
  const lines = [`Invalid hearth configuration (${count}):`]
  for (const issue of issues) {
    lines.push('', `  ${issue.file} › ${issue.path}`, `    ${issue.message}`, `    fix: ${issue.fix}`)
  }
  return lines.join('\n')
}
