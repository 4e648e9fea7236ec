/** What to do when a connection closes, by WhatsApp disconnect code. Pure: tested as a table. */

export type Reaction =
  | { kind: 'reconnect-now' }
  | { kind: 'reconnect-later'; delayMs: number }
  | { kind: 'logged-out' }
  | { kind: 're-pair' }
  | { kind: 'wait-for-start'; reason: string }
  | { kind: 'fail'; reason: string }

export interface ReconnectOptions {
  baseDelayMs: number
  maxDelayMs: number
  maxAttempts: number
}

export interface CloseContext {
  code: number | undefined
  /** Every QR code expired without a scan. */
  qrExpired: boolean
  /** Reconnect attempts since the last successful open, this one included. */
  attempt: number
  /** Of those, the ones that ended in an outage (see isOutage); only the others count toward maxAttempts. */
  outageCount: number
  /** Consecutive 440 "connection replaced" closes since the last successful open. */
  replacedCount: number
}

export const DisconnectCode = {
  loggedOut: 401,
  forbidden: 403,
  timedOut: 408,
  multideviceMismatch: 411,
  connectionClosed: 428,
  connectionReplaced: 440,
  badSession: 500,
  unavailableService: 503,
  restartRequired: 515,
} as const

/**
 * WhatsApp unreachable (408: refused, unreachable, no keepalive answer) or a service unavailable
 * (503: WhatsApp's, or this node's database, see the connector): not the account's fault, and
 * retried at the backoff cap for as long as it lasts, so a long outage leaves no session failed.
 */
export function isOutage(code: number | undefined): boolean {
  return code === DisconnectCode.timedOut || code === DisconnectCode.unavailableService
}

/** Exponential backoff with equal jitter: half the step fixed, half random, capped. */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + (random() * step) / 2)
}

export function decideReaction(
  context: CloseContext,
  options: ReconnectOptions,
  random: () => number = Math.random,
): Reaction {
  const later = (): Reaction =>
    context.attempt - context.outageCount > options.maxAttempts
      ? { kind: 'fail', reason: `Gave up after ${options.maxAttempts} reconnect attempts` }
      : { kind: 'reconnect-later', delayMs: backoffDelay(context.attempt, options, random) }

  switch (context.code) {
    case DisconnectCode.restartRequired:
      return { kind: 'reconnect-now' }
    case DisconnectCode.loggedOut:
      return { kind: 'logged-out' }
    case DisconnectCode.forbidden:
      return { kind: 'fail', reason: 'WhatsApp refused the account (banned or blocked)' }
    case DisconnectCode.multideviceMismatch:
      return { kind: 're-pair' }
    case DisconnectCode.connectionReplaced:
      // Another client took over these credentials: try once more, never fight it in a loop.
      return context.replacedCount > 1
        ? { kind: 'fail', reason: 'Connection replaced by another client using the same credentials' }
        : later()
    default:
      if (context.qrExpired) return { kind: 'wait-for-start', reason: 'QR code expired before it was scanned' }
      return isOutage(context.code) ? { kind: 'reconnect-later', delayMs: backoffDelay(context.attempt, options, random) } : later()
  }
}
