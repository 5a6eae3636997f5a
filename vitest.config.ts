import { defineConfig } from 'vitest/config'

/**
 * One Vitest run for the whole workspace, split into projects by what a test needs:
 * - unit: pure logic and the fake driver; no processes, no Docker.
 * - integration: real processes (the process driver, the CLI). No Docker.
 * - docker: real containers on a real engine (`*.docker.test.ts`); its setup checks the engine and
 *   builds the offline test images when they are missing.
 * - e2e: the built `hearth` CLI driven as a user would, on the example projects.
 * - faults: the built CLI under faults (damaged state, dying services, lost engines, full disks).
 * Workspace packages resolve to their TypeScript sources through the `@hearth/source` condition,
 * so no test waits for a build (the e2e tests, which run the built CLI, excepted).
 */
// Vite's default server conditions, with ours in front.
const conditions = ['@hearth/source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hearth/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'apps/*/src/**/*.test.ts',
            'apps/*/src/**/*.test.tsx',
            'environments/*/src/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts', '**/*.docker.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'packages/*/{src,test}/**/*.integration.test.ts',
            'apps/*/{src,test}/**/*.integration.test.ts',
            'environments/*/{src,test}/**/*.integration.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'docker',
          include: [
            'packages/*/{src,test}/**/*.docker.test.ts',
            'environments/*/{src,test}/**/*.docker.test.ts',
            'apps/*/test/**/*.docker.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['test/docker-setup.ts', 'apps/hearth/test/e2e/global-setup.ts'],
          // Several real `hearth up`s a test, on machines that may run at load 12: a limit for a
          // hang, not for slowness.
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['apps/*/test/e2e/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.docker.test.ts'],
          globalSetup: ['apps/hearth/test/e2e/global-setup.ts'],
          testTimeout: 180_000, // as for docker: a limit for a hang, not for a loaded machine
          hookTimeout: 300_000, // cleanup hooks stop real environments, on machines that may be loaded
        },
      },
      {
        extends: true,
        test: {
          // `pnpm test:faults`: the built CLI under the faults a user's machine sees (damaged state,
          // services that die, lost engines, full disks, signals), on real processes and Docker.
          name: 'faults',
          include: ['apps/*/test/faults/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['test/docker-setup.ts', 'apps/hearth/test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
