/** `text` with Redis glob characters (`* ? [ ] \`) escaped, for a `KEYS`/`SCAN MATCH` prefix. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
