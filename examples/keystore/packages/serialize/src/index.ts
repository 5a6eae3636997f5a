export { isSerializer, plain } from './plain.js'
export type { Serializer } from './types.js'
