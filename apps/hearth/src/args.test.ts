import { describe, expect, it } from 'vitest'
import { type CommandSpec, formatCommandHelp, parseCommandArgs, UsageError } from './args.js'

const spec: CommandSpec = {
  name: 'status',
  summary: 'Show things.',
  usage: 'hearth status [--json]',
  options: { json: { type: 'boolean', description: 'Print JSON' } },
}

describe('arguments', () => {
  it('parses options, global options and operands', () => {
    expect(parseCommandArgs(spec, ['backend', '--json', '-C', '/tmp', '--verbose'])).toEqual({
      values: { json: true, cwd: '/tmp', verbose: true },
      operands: ['backend'],
    })
  })

  it('rejects an unknown option with the fix', () => {
    const error = (() => {
      try {
        parseCommandArgs(spec, ['--jsn'])
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(UsageError)
    expect(error).toMatchObject({
      message: "Unknown option '--jsn' (hearth status)",
      fix: 'see `hearth status --help`',
    })
  })

  it('formats help with every option aligned', () => {
    expect(formatCommandHelp(spec)).toMatchInlineSnapshot(`
      "Show things.

      Usage: hearth status [--json]

      Options:
            --json            Print JSON
            --config <file>   Use this config file instead of finding hearth.config.ts
        -C, --cwd <dir>       Run as if hearth was started in <dir>
            --verbose         Show stack traces and more detail on errors
            --require-docker  Run containers in their engine or fail (exit 3), never as their stand-in process (also HEARTH_REQUIRE_DOCKER=1)
        -h, --help            Show help for the command
      "
    `)
  })
})
