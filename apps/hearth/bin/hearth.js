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
