/** 'handshake': sockets open but the server never answers the Noise hello, as a stalled front end would. */
export type SilenceKind = 'usync' | 'prekeys' | 'all-iq' | 'handshake'

/** Misbehaviour switched on by tests; read by the connection and the handlers. */
export class Faults {
  refusing = false
  delayMs = 0
  readonly silenced = new Set<SilenceKind>()
  private readonly failingSends = new Map<string, { remaining: number; errorCode: number }>()
  private readonly garbledSends = new Map<string, number>()

  failNextSends(phoneNumber: string, count: number, errorCode: number): void {
    if (count > 0) this.failingSends.set(phoneNumber, { remaining: count, errorCode })
    else this.failingSends.delete(phoneNumber)
  }

  /** Error code to nack the next send from this account with, consuming one failure. */
  takeSendFailure(phoneNumber: string): number | undefined {
    const failing = this.failingSends.get(phoneNumber)
    if (!failing) return undefined
    if (--failing.remaining <= 0) this.failingSends.delete(phoneNumber)
    return failing.errorCode
  }

  /** The recipient's phone cannot decrypt the next `count` 1:1 messages from this account, as with a corrupted copy. */
  garbleNextSends(phoneNumber: string, count: number): void {
    if (count > 0) this.garbledSends.set(phoneNumber, count)
    else this.garbledSends.delete(phoneNumber)
  }

  /** Whether the recipient must fail to decrypt this send from the account, consuming one. */
  takeGarble(phoneNumber: string): boolean {
    const remaining = this.garbledSends.get(phoneNumber)
    if (remaining === undefined) return false
    if (remaining <= 1) this.garbledSends.delete(phoneNumber)
    else this.garbledSends.set(phoneNumber, remaining - 1)
    return true
  }
}
