export type { ConformanceCommands, ConformanceFixtures, ConformanceOptions } from './conformance.js'
export { describeDriverConformance } from './conformance.js'
export { probeUntilReady, specOf } from './probing.js'
