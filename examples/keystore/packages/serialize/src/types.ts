/** Turns values into strings and back. Structurally the same as `@keystore/core`'s `Serializer`. */
export interface Serializer {
  readonly name: string
  stringify(value: unknown): string
  parse(text: string): unknown
}
