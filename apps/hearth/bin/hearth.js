#!/usr/bin/env node
// The compiled CLI (`pnpm build`): a TypeScript loader at start-up would cost ~1 s on every command.
import { main } from '../dist/cli.js'

// A reader that stops early (`hearth plan | head`) closes the pipe: the rest of the output is
// dropped, quietly, instead of an unhandled EPIPE error, and the command still finishes its work
// (a `hearth ci | head` still stops what it started).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error
    stream.write = () => true
  })
}

process.exitCode = await main(process.argv.slice(2))

// When main returns, the command is done: what it started is stopped or left running on purpose,
// detached. A handle still open then (a socket the engine never closed, a stream never ended) must
// not keep the shell waiting: after a second, hearth exits anyway. HEARTH_DEBUG=1 names the handles.
setTimeout(() => {
  if (process.env.HEARTH_DEBUG === '1') {
    process.stderr.write(`hearth: still open at exit: ${process.getActiveResourcesInfo().join(', ')}\n`)
  }
  process.exit()
}, 1000).unref()
