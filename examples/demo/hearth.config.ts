import { defineConfig } from 'hearth'
import { backend } from './environments/backend.js'

export default defineConfig({
  project: 'hearth-demo',
  environments: [backend],
  tests: [
    { name: 'api', include: ['tests/**/*.test.ts'], environment: 'backend' },
    { name: 'unit', include: ['packages/*/src/**/*.test.ts'] },
  ],
})
