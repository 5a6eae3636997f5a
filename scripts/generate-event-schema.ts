// Writes docs/events.schema.json from the zod schemas of the events
// (apps/hearth/src/reporters/events-schema.ts), its one source. Run it after changing them:
//
//   pnpm exec tsx scripts/generate-event-schema.ts
//
// apps/hearth/src/reporters/events-schema.test.ts fails while the checked-in file is not what this
// writes.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { toEventsJsonSchema } from '../apps/hearth/src/reporters/events-schema.js'

export const EVENTS_SCHEMA_FILE = fileURLToPath(new URL('../docs/events.schema.json', import.meta.url))

// Biome's JSON layout (biome.json: 2 spaces, 110 columns), so that `biome check` leaves the file as
// written: a value stays on one line where it fits, and is spread over lines where it does not.
const WIDTH = 110
const INDENT = '  '

/** docs/events.schema.json's text, as this script writes it. */
export function renderEventsJsonSchema(): string {
  return `${layout(toEventsJsonSchema(), '', 0, '')}\n`
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) return '{}'
    return `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${inline(item)}`).join(', ')} }`
  }
  return JSON.stringify(value)
}

/** `value` printed from column `column` of a line that goes on with `tail` after it. */
function layout(value: unknown, indent: string, column: number, tail: string): string {
  const flat = inline(value)
  if (value === null || typeof value !== 'object' || column + flat.length + tail.length <= WIDTH) return flat
  const inner = indent + INDENT
  const items = Array.isArray(value)
    ? value.map((item, index) => layout(item, inner, inner.length, index < value.length - 1 ? ',' : ''))
    : Object.entries(value).map(([key, item], index, entries) => {
        const head = `${JSON.stringify(key)}: `
        return head + layout(item, inner, inner.length + head.length, index < entries.length - 1 ? ',' : '')
      })
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}']
  return `${open}\n${items.map((item) => inner + item).join(',\n')}\n${indent}${close}`
}

// Run as a script (not imported by the test that compares the file with what it would write).
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(EVENTS_SCHEMA_FILE, renderEventsJsonSchema())
  console.log(`wrote ${path.relative(process.cwd(), EVENTS_SCHEMA_FILE)}`)
}
