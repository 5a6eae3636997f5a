#!/usr/bin/env node
// The README's quick start: `npm run demo` and `npm test` on a fresh machine with only Node ≥ 20.19.
// Each brings what it needs (pnpm, the workspace's dependencies, a build) and then does its job.
// Plain JavaScript with no dependencies: it runs before anything is installed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PNPM_VERSION = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1]
const [task = 'test', ...rest] = process.argv.slice(2)

const bold =
  process.stdout.isTTY && !process.env.NO_COLOR ? (text) => `\u001b[1m${text}\u001b[22m` : (text) => text

function say(text) {
  console.log(`\n${bold(`▸ ${text}`)}`)
}

function fail(text, code = 1) {
  console.error(`\n✗ ${text}`)
  process.exit(code)
}

/** Runs a command in the foreground; returns its exit status. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options })
  if (result.error) fail(`could not run ${command}: ${result.error.message}`)
  return result.status ?? 1
}

function must(command, args, options) {
  const status = run(command, args, options)
  if (status !== 0) fail(`\`${[command, ...args].join(' ')}\` failed (exit ${status})`, status)
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number)
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(
      `hearth needs Node.js 20.19 or newer; this is ${process.versions.node}. Install a newer Node.js and run this again.`,
    )
  }
}

/** pnpm 10 from PATH if it is there, else through npx (no global install needed). */
function pnpm() {
  const found = spawnSync('pnpm', ['--version'], { encoding: 'utf8' })
  if (found.status === 0 && found.stdout.trim().startsWith('10.')) return ['pnpm']
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`]
}

function install(pnpmCommand) {
  const marker = path.join(root, 'node_modules', '.modules.yaml')
  const lockfile = path.join(root, 'pnpm-lock.yaml')
  const fresh = existsSync(marker) && statSync(marker).mtimeMs >= statSync(lockfile).mtimeMs
  if (fresh) return
  say('Installing dependencies (pnpm install)')
  const [command, ...args] = pnpmCommand
  must(command, [...args, 'install', '--frozen-lockfile'])
}

function build(pnpmCommand) {
  say('Building (tsc -b)')
  const [command, ...args] = pnpmCommand
  must(command, [...args, 'run', 'build'])
}

function hearth(args, options = {}) {
  return run(process.execPath, [path.join(root, 'apps/hearth/bin/hearth.js'), ...args], {
    cwd: path.join(root, 'examples/demo'),
    ...options,
  })
}

async function demo() {
  say('hearth up: start the demo environment (Postgres, Redis, migrations, the API, a seed job, the worker)')
  const up = hearth(['up'])
  if (up !== 0) fail('the demo environment did not come up; see above', up)

  say('hearth up again: everything is still warm, so hearth attaches instead of starting anything')
  hearth(['up'])

  say('hearth status: what runs, and where')
  hearth(['status'])

  const status = spawnSync(
    process.execPath,
    [path.join(root, 'apps/hearth/bin/hearth.js'), 'status', '--json'],
    {
      cwd: path.join(root, 'examples/demo'),
      encoding: 'utf8',
    },
  )
  const api = JSON.parse(status.stdout).environments[0].services.find((service) => service.name === 'api')
  say(`GET ${api.outputs.url}/invoices: the seed job's invoices, sent by the worker`)
  const invoices = await (await fetch(`${api.outputs.url}/invoices`)).json()
  for (const invoice of invoices) {
    console.log(
      `  ${invoice.customer.padEnd(8)} ${(invoice.totalCents / 100).toFixed(2)} ${invoice.currency}  ${invoice.status}`,
    )
  }

  say('hearth affected: what a change to the shared library would rerun, and why')
  hearth(['affected', '--explain', 'packages/shared/src/invoice.ts'])

  say('hearth ci: the tests against the warm environment (reset first), then everything stopped')
  const ci = hearth(['ci'])
  if (ci !== 0) fail('hearth ci failed; see above', ci)
  console.log('\nTry it yourself: cd examples/demo && npx hearth dev (then edit a file), or npx hearth up')
}

function dockerAnswers() {
  return spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0
}

function test(fast, faults) {
  mkdirSync(path.join(root, '.vitest-results'), { recursive: true })
  let projects = fast ? ['--project', 'unit', '--project', 'integration'] : []
  if (faults) projects = ['--project', 'faults']
  if (!fast && !dockerAnswers()) {
    if (process.env.HEARTH_REQUIRE_DOCKER === '1' || faults)
      fail(
        `no Docker engine answers (\`docker info\` fails), and ${faults ? 'the fault suite needs one' : 'HEARTH_REQUIRE_DOCKER=1'}`,
      )
    console.log(
      bold('\n! No Docker engine answers here: running every test except those that need Docker.') +
        '\n  Start Docker (and run `bash scripts/build-test-images.sh`) to run them too.',
    )
    projects = ['--project', 'unit', '--project', 'integration', '--project', 'e2e']
  }
  say(
    faults
      ? 'Running the fault suite'
      : fast
        ? 'Running the tests that need no Docker'
        : projects.length > 0
          ? 'Running the tests that need no Docker'
          : 'Running all tests',
  )
  // HEARTH_REQUIRE_DOCKER=1 (as CI sets it) is for this script: the tests choose per case whether
  // hearth may fall back, and some check that it does.
  const { HEARTH_REQUIRE_DOCKER: _, ...env } = process.env
  // The suite waits on engines, processes and terminals more than it computes: on a 2-core machine
  // two files at a time (Vitest's default there is one) halve the wait. More cores: Vitest's default.
  const workers = availableParallelism() <= 2 ? ['--maxWorkers=2'] : []
  const status = run(
    process.execPath,
    [
      path.join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      ...projects,
      ...workers,
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=.vitest-results/vitest.json',
    ],
    { env },
  )
  process.exit(status)
}

if (!['demo', 'test', 'bench'].includes(task)) fail(`unknown task "${task}": use demo, test or bench`, 2)
checkNode()
const pnpmCommand = pnpm()
install(pnpmCommand)
build(pnpmCommand)
if (task === 'demo') await demo()
else if (task === 'bench') {
  // Every benchmark in turn (`pnpm bench tui` runs the ones whose name matches); a full run is
  // written to bench/results.md with the machine it ran on.
  process.exit(
    run(process.execPath, ['--import', 'tsx', 'src/results.ts', ...rest], { cwd: path.join(root, 'bench') }),
  )
} else test(rest.includes('--fast'), rest.includes('--faults'))
