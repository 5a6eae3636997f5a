export { allocatePort } from './ports.js'
export type { ProcessDriverOptions } from './process-driver.js'
export { ProcessDriver } from './process-driver.js'
