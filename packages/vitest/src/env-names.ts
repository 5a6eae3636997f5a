/**
 * The variables hearth sets for the tests, in one place. Per output: `HEARTH_<SERVICE>_<OUTPUT>`
 * (named by `outputEnvName` from @hearth/environments); all outputs at once: `HEARTH_OUTPUTS`.
 */
export { outputEnvName } from '@hearth/environments'

/** One JSON object, `{ "<service>": { "<output>": "<value>" } }`, with every output of the run. */
export const OUTPUTS_VAR = 'HEARTH_OUTPUTS'
