export { workerDatabaseUrl } from './worker-database.js'
