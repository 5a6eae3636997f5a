import { defineConfig } from 'vitest/config'

/** Integration tests: they need a Redis server at REDIS_URL (`hearth up redis` starts one). */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 15_000,
  },
})
