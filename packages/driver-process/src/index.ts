export { ProcessDriver } from './process-driver.js'
export type { ProcessDriverOptions } from './process-driver.js'
export { allocatePort } from './ports.js'
