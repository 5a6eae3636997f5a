export { describeDriverConformance } from './conformance.js'
export type { ConformanceFixtures, ConformanceOptions } from './conformance.js'
