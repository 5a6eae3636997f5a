export { processesOf } from '@hearth/driver-process/testing'

import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { STAND_IN_SERVER } from '../src/index.js'
import { encodeCommand, exchange, render } from './resp.js'

/** The offline test image of Redis (scripts/build-test-images.sh): redis-server 7.0 and redis-cli. */
export const TEST_IMAGE = 'hearth-test/redis:7'

export interface RunningServer {
  port: number
  stop(): Promise<void>
}

/** Starts the stand-in on a free port (`--port 0`) and resolves once it prints its ready line. */
export async function startStandIn(): Promise<RunningServer & { child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [STAND_IN_SERVER, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stand-in did not start:\n${output}`)), 10_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /ready to accept connections on 127\.0\.0\.1:(\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => reject(new Error(`the stand-in exited with ${code}:\n${output}`)))
  })
  return {
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** `docker <args>` through the CLI. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim()
}

/**
 * Runs the test image the way the preset does (no persistence), published on a free loopback port,
 * and resolves once PING answers PONG through that port (a TCP connect through Docker's proxy
 * proves nothing). Labelled, so that a test run that dies leaves something recognisable.
 */
export async function startRedisContainer(label: string): Promise<RunningServer> {
  const id = docker(
    'run',
    '--detach',
    '--init',
    '--label',
    label,
    '--publish',
    '127.0.0.1::6379',
    TEST_IMAGE,
    'redis-server',
    '--save',
    '',
    '--appendonly',
    'no',
  )
  const published = docker('port', id, '6379/tcp')
  const match = /^127\.0\.0\.1:(\d+)$/m.exec(published)
  if (match === null) throw new Error(`unexpected published port: ${published}`)
  const port = Number(match[1])
  const deadline = Date.now() + 20_000
  for (;;) {
    const answer = await exchange(port, encodeCommand(['PING']), 1, { timeoutMs: 1_000 }).then(
      ({ replies }) => (replies[0] === undefined ? 'nothing' : render(replies[0])),
      (error: Error) => error.message,
    )
    if (answer === '+PONG') break
    if (Date.now() > deadline) throw new Error(`${TEST_IMAGE} did not answer PING: ${answer}`)
    await sleep(50)
  }
  return { port, stop: async () => void docker('rm', '--force', '--volumes', id) }
}
