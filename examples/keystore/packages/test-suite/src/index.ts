export type { StoreSuiteOptions } from './store-suite.ts'
export { runStoreSuite } from './store-suite.ts'
