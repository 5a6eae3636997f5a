#!/usr/bin/env node
// The compiled CLI (`pnpm build`): a TypeScript loader at start-up would cost ~1 s on every command.
import { main } from '../dist/cli.js'

process.exitCode = await main(process.argv.slice(2))
