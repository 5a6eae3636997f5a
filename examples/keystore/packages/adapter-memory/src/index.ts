export type { MemoryDriver } from './memory-driver.ts'
export { createMemoryStore, memoryDriver } from './memory-driver.ts'
