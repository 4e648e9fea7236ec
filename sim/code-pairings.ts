import { EventEmitter, once } from 'node:events'

/**
 * Unpaired connections that asked to pair by code, by phone number. The client's request races
 * the user typing the code into the phone, so the phone side may wait a moment for it.
 */
export class CodePairings<T> {
  private readonly byPhone = new Map<string, T>()
  private readonly arrivals = new EventEmitter()

  set(phoneNumber: string, conn: T): void {
    this.byPhone.set(phoneNumber, conn)
    this.arrivals.emit(phoneNumber)
  }

  /** Removes the entry if it still belongs to `conn`. */
  release(phoneNumber: string, conn: T): void {
    if (this.byPhone.get(phoneNumber) === conn) this.byPhone.delete(phoneNumber)
  }

  async waitFor(phoneNumber: string, timeoutMs: number): Promise<T | undefined> {
    const present = this.byPhone.get(phoneNumber)
    if (present) return present
    try {
      await once(this.arrivals, phoneNumber, { signal: AbortSignal.timeout(timeoutMs) })
    } catch {
      return undefined
    }
    return this.byPhone.get(phoneNumber)
  }
}
