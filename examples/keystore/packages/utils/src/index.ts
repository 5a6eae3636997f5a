export { chunk } from './chunk.js'
export { escapeGlob } from './glob.js'
export { randomId, sleep } from './time.js'
