/**
 * Every resource hearth creates carries these labels: as container/network/volume labels for Docker,
 * as environment variables (`HEARTH_LABEL_*`) for local processes. Cleanup only ever touches what
 * carries the project's id, so hearth never removes something it did not create.
 */
export const LABELS = {
  /** Marks the resource as hearth's. */
  managed: 'dev.hearth.managed',
  /** The project's name, for people reading `docker ps`. */
  project: 'dev.hearth.project',
  /** Name plus a digest of the project root: two checkouts of one project never share resources. */
  projectId: 'dev.hearth.project-id',
  environment: 'dev.hearth.environment',
  service: 'dev.hearth.service',
  kind: 'dev.hearth.kind',
  specHash: 'dev.hearth.spec-hash',
  version: 'dev.hearth.version',
} as const

export type LabelKey = (typeof LABELS)[keyof typeof LABELS]
export type Labels = Readonly<Record<string, string>>

/** `dev.hearth.spec-hash` → `HEARTH_LABEL_SPEC_HASH`: the label as a process environment variable. */
export function labelEnvName(label: string): string {
  return `HEARTH_LABEL_${label
    .replace(/^dev\.hearth\./, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase()}`
}

/** The inverse of `labelEnvName` for hearth's own labels; null for any other variable. */
export function labelFromEnvName(name: string): string | null {
  for (const label of Object.values(LABELS)) {
    if (labelEnvName(label) === name) return label
  }
  return null
}
