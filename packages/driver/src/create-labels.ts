import type { ServiceKind } from '@hearth/environments'
import { LABELS, type Labels } from './labels.js'
import type { InstanceSelector, ServiceIdentity } from './types.js'

/** The labels of one instance. */
export function createLabels(
  identity: ServiceIdentity,
  kind: ServiceKind,
  specHash: string,
  version: string,
): Labels {
  return {
    [LABELS.managed]: 'true',
    [LABELS.project]: identity.project,
    [LABELS.projectId]: identity.projectId,
    [LABELS.environment]: identity.environment,
    [LABELS.service]: identity.service,
    [LABELS.kind]: kind,
    [LABELS.specHash]: specHash,
    [LABELS.version]: version,
  }
}

/** Whether a resource's labels put it under the selector. Requires hearth's marker and the project id. */
export function matchesSelector(labels: Labels, selector: InstanceSelector): boolean {
  if (labels[LABELS.managed] !== 'true') return false
  if (labels[LABELS.projectId] !== selector.projectId) return false
  if (selector.environment !== undefined && labels[LABELS.environment] !== selector.environment) return false
  if (selector.service !== undefined && labels[LABELS.service] !== selector.service) return false
  return true
}

/** Reads the identity back from labels; null when a label is missing (not ours, or damaged). */
export function identityFromLabels(labels: Labels): ServiceIdentity | null {
  const project = labels[LABELS.project]
  const projectId = labels[LABELS.projectId]
  const environment = labels[LABELS.environment]
  const service = labels[LABELS.service]
  if (
    project === undefined ||
    projectId === undefined ||
    environment === undefined ||
    service === undefined
  ) {
    return null
  }
  return { project, projectId, environment, service }
}
