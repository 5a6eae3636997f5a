import { LABELS, labelEnvName } from '@hearth/driver'
import { pidsWithEnv } from '../proc.js'

/**
 * Live processes (zombies aside) that carry a project's hearth label in their environment, as
 * every process the process driver starts does: what a test checks to say "nothing left running".
 * Linux only (it reads /proc).
 */
export function processesOf(projectId: string): number[] {
  return pidsWithEnv(labelEnvName(LABELS.projectId), projectId)
}
