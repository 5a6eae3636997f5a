import { defineConfig } from 'vitest/config'

/**
 * The demo's own tests. `tests/` are integration tests: they talk to the `backend` environment
 * through the addresses hearth hands them (`HEARTH_API_URL`, `HEARTH_WORKER_URL`).
 */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
  },
})
