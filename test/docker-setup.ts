/**
 * Global setup of the `docker` test project: the engine must answer (these tests run containers
 * for real; they never fake Docker).
 */
import { execFileSync } from 'node:child_process'

export default function setup(): void {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe' })
  } catch (error) {
    throw new Error(
      `the docker tests need a running Docker engine: ${(error as Error).message.split('\n')[0]}\n` +
        'start one (dockerd), or run `pnpm test:fast` for the tests that need none',
    )
  }
}
