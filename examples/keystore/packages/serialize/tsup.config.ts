import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', json: 'src/json.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
})
