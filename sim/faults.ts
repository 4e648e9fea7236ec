/** 'handshake': sockets open but the server never answers the Noise hello, as a stalled front end would. */
export type SilenceKind = 'usync' | 'prekeys' | 'all-iq' | 'handshake'

/** Misbehaviour switched on by tests; read by the connection and the handlers. */
export class Faults {
  refusing = false
  delayMs = 0
  readonly silenced = new Set<SilenceKind>()
  private readonly failingSends = new Map<string, { remaining: number; errorCode: number }>()
  private readonly garbledSends = new Map<string, { remaining: number }>()

  failNextSends(phoneNumber: string, count: number, errorCode: number): void {
    arm(this.failingSends, phoneNumber, count, { remaining: count, errorCode })
  }

  /** Error code to nack the next send from this account with, consuming one failure. */
  takeSendFailure(phoneNumber: string): number | undefined {
    return takeOne(this.failingSends, phoneNumber)?.errorCode
  }

  /** The recipient's phone cannot decrypt the next `count` 1:1 messages from this account, as with a corrupted copy. */
  garbleNextSends(phoneNumber: string, count: number): void {
    arm(this.garbledSends, phoneNumber, count, { remaining: count })
  }

  /** Whether the recipient must fail to decrypt this send from the account, consuming one. */
  takeGarble(phoneNumber: string): boolean {
    return takeOne(this.garbledSends, phoneNumber) !== undefined
  }
}

/** Sets a fault for the account's next `count` sends; 0 clears it. */
function arm<T extends { remaining: number }>(faults: Map<string, T>, phoneNumber: string, count: number, fault: T): void {
  if (count > 0) faults.set(phoneNumber, fault)
  else faults.delete(phoneNumber)
}

/** The account's fault for this send, if any, using one of its remaining sends. */
function takeOne<T extends { remaining: number }>(faults: Map<string, T>, phoneNumber: string): T | undefined {
  const fault = faults.get(phoneNumber)
  if (!fault) return undefined
  if (--fault.remaining <= 0) faults.delete(phoneNumber)
  return fault
}
