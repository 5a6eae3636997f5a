import { defineConfig } from 'vitest/config'

/** Integration tests: they need a PostgreSQL server at DATABASE_URL (`hearth up postgres` starts one). */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
})
