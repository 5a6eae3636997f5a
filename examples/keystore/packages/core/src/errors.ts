export type KeystoreErrorCode = 'INVALID_KEY' | 'INVALID_TTL' | 'SERIALIZE' | 'DRIVER'

/** Every error the store throws on purpose, with a code to branch on. */
export class KeystoreError extends Error {
  readonly code: KeystoreErrorCode

  constructor(code: KeystoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KeystoreError'
    this.code = code
  }
}

export function isKeystoreError(error: unknown, code?: KeystoreErrorCode): error is KeystoreError {
  return error instanceof KeystoreError && (code === undefined || error.code === code)
}
