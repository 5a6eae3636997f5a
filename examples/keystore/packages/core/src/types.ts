/** What a store holds: JSON-shaped data (a serializer may widen it, with dates or bigints). */
export type StorageValue =
  | null
  | string
  | number
  | boolean
  | readonly StorageValue[]
  | { readonly [key: string]: StorageValue }

/** A time to live: milliseconds, or a duration such as `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'7d'`. */
export type Ttl = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

export interface SetOptions {
  /** Removes the item after this long. Without it the item never expires. */
  ttl?: Ttl
}

/** Turns values into the strings a driver stores, and back. */
export interface Serializer {
  stringify(value: unknown): string
  parse(text: string): unknown
}

/** An item as a driver stores it. */
export interface DriverEntry {
  value: string
  /** Milliseconds since the epoch, or null for an item that never expires. */
  expiresAt: number | null
}
