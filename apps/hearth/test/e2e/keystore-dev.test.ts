import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyWorkspace, hearth, spawnHearth } from './helpers.js'

/**
 * `hearth dev` on examples/keystore: a save in a package that the tests use through its build
 * output rebuilds it before the rerun, and the warm Vitest hosts run the new build, not the one
 * they loaded before.
 */
describe('hearth dev on examples/keystore', () => {
  const copy = copyWorkspace('keystore', { buildOutput: false })
  afterAll(async () => {
    await hearth(['down'], copy.root)
    copy.cleanup()
  })

  it('rebuilds a package saved in the editor, and the rerun sees the new build', async () => {
    const child = spawnHearth(['dev'], copy.root)
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const waitFor = async (pattern: RegExp, count = 1): Promise<void> => {
      const deadline = Date.now() + 180_000
      while ((output.match(new RegExp(pattern.source, 'gm')) ?? []).length < count) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern}; output so far:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    const since = (marker: string) => output.slice(output.lastIndexOf(marker))
    const keys = path.join(copy.root, 'packages/core/src/keys.ts')
    const original = readFileSync(keys, 'utf8')
    try {
      // The first run builds what is missing, then runs everything.
      await waitFor(/^✓ 8 passed/)

      // Keys joined with '/': core is rebuilt, and the memory adapter's tests (which load core's
      // dist/index.mjs) fail against the new build.
      writeFileSync(keys, original.replace(".join(':')\n", ".join('/')\n"))
      await waitFor(/^[✓✗] \d+ (passed|failed)/, 2)
      const second = since('↻ changed: packages/core/src/keys.ts')
      expect(second).toMatch(/^ {2}⚙ @keystore\/core +npm run build \(in packages\/core\)$/m)
      expect(second).toMatch(/^✗ packages\/adapter-memory\/test\/memory\.test\.ts/m)

      // Put back: rebuilt again, and green again on the same warm hosts.
      writeFileSync(keys, original)
      await waitFor(/^[✓✗] \d+ (passed|failed)/, 3)
      const third = output.slice(output.lastIndexOf('▶ run'))
      expect(third).toMatch(/^ {2}⚙ @keystore\/core/m)
      expect(third).toMatch(/^✓ \d+ passed/m)
    } finally {
      writeFileSync(keys, original)
      child.kill('SIGINT')
    }
    const result = await child
    expect(result.exitCode).toBe(130)
  }, 300_000)
})
