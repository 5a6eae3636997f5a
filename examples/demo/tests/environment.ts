/** The address hearth gave a service output, or a failure that says how to get one. */
export function output(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run these tests through hearth, or start the environment with \`hearth up\` and export it`,
    )
  }
  return value
}
