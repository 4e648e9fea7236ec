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

/** A WhatsApp query that failed or timed out is a 502 with its reason; our own errors pass through. */
export async function askWhatsApp<T>(query: Promise<T>): Promise<T> {
  try {
    return await query
  } catch (error) {
    if (error instanceof DomainError) throw error
    throw new DomainError('upstream_failed', `WhatsApp did not answer: ${(error as Error).message}`)
  }
}

/** What WhatsApp's error codes on one kind of query mean to a caller. */
export type QueryErrors = Record<number, [DomainErrorKind, string]>

/** A WhatsApp query's failure as a domain error: WhatsApp's code where it means something to the caller, else a 502. */
export async function askWhatsAppQuery<T>(query: Promise<T>, known: QueryErrors): Promise<T> {
  try {
    return await query
  } catch (error) {
    if (error instanceof DomainError) throw error
    const failure = error as { data?: unknown; output?: { statusCode?: number }; message?: string }
    const code = typeof failure.data === 'number' ? failure.data : failure.output?.statusCode
    const meaning = code === undefined ? undefined : known[code]
    if (meaning) throw new DomainError(meaning[0], meaning[1])
    throw new DomainError('upstream_failed', `WhatsApp did not answer: ${failure.message ?? String(error)}`)
  }
}

/** The same engine capability with every call asked through askWhatsApp. */
export function askingWhatsApp<T extends object>(capability: T): T {
  return new Proxy(capability, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? (...args: unknown[]) => askWhatsApp((async () => value.apply(target, args))()) : value
    },
  })
}
