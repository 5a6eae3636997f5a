/**
 * Global setup of the `docker` test project: the engine must answer (these tests run containers
 * for real; they never fake Docker), and hearth's offline test images (hearth-test/postgres:15,
 * hearth-test/redis:7, hearth-test/toolbox:1) must be built. `scripts/build-test-images.sh --check`
 * compares each image's content-hash label with the script's inputs (~0.1 s); when one is missing
 * or stale, the script builds it (~15 s from nothing), its output shown as it goes.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const buildScript = fileURLToPath(new URL('../scripts/build-test-images.sh', import.meta.url))

export default function setup(): void {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe' })
  } catch (error) {
    throw new Error(
      `the docker tests need a running Docker engine: ${(error as Error).message.split('\n')[0]}\n` +
        'start one (dockerd), or run `pnpm test:fast` for the tests that need none',
    )
  }

  const check = spawnSync('bash', [buildScript, '--check'], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (check.status === 0) return
  const build = spawnSync('bash', [buildScript], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (build.status !== 0) {
    const why = build.error ? build.error.message : `exit status ${build.status ?? build.signal}`
    throw new Error(
      `the docker tests need hearth's test images, and \`bash scripts/build-test-images.sh\` failed (${why}): see its output above`,
    )
  }
}
