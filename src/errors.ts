/** Domain errors: thrown by sessions and messaging, mapped to HTTP statuses in one place (http/error-handler.ts). */
export type DomainErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'timeout'
  | 'unavailable'
  /** The database's disk is full. */
  | 'insufficient_storage'
  /** WhatsApp refused or failed the operation. */
  | 'upstream_failed'
  /** Too many requests or failed authentications; details.retryAfterSeconds says when to come back. */
  | 'rate_limited'

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** Extra fields safe to show to the caller. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'DomainError'
  }
}

export const invalidInput = (message: string): DomainError => new DomainError('invalid_input', message)
export const sessionNotFound = (deviceId: string): DomainError =>
  new DomainError('not_found', `Session "${deviceId}" not found`)
export const conflict = (message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError('conflict', message, details)
