import type { NormalizedConfig } from '@hearth/environments'
import type { ProjectIdentity } from '../../store/state.js'

export type ProjectAction = {
  type: 'project/loaded'
  at: number
  project: ProjectIdentity
  config: NormalizedConfig
}
