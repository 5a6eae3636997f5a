/**
 * The environment variable a test sees for a service output: `HEARTH_<SERVICE>_<OUTPUT>`, upper
 * snake case (`api` + `adminUrl` → `HEARTH_API_ADMIN_URL`).
 */
export function outputEnvName(service: string, output: string): string {
  return `HEARTH_${toSnake(service)}_${toSnake(output)}`
}

function toSnake(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2') // an acronym ends where a word starts: URLPath → URL_Path
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase()
}
