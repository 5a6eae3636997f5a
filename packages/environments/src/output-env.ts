/**
 * A preset's `testEnv` with its `env` option added: each variable holds the output it names
 * (`{ REDIS_URI: 'url' }` → `REDIS_URI: '{{url}}'`), so tests keep the names a project already uses.
 * An output the preset does not have is an error that lists those it has.
 */
export function outputEnv(
  preset: string,
  outputs: Readonly<Record<string, string>>,
  testEnv: Readonly<Record<string, string>>,
  mapping: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const env: Record<string, string> = { ...testEnv }
  for (const [name, output] of Object.entries(mapping ?? {})) {
    if (!Object.hasOwn(outputs, output))
      throw new TypeError(
        `${preset}({ env }): ${name} maps to "${output}", which is not an output of ${preset}(): use one of ${Object.keys(outputs).join(', ')}`,
      )
    env[name] = `{{${output}}}`
  }
  return env
}
