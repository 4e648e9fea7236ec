export interface ConnectionLogEntry {
  phoneNumber?: string
  event: 'open' | 'login' | 'close'
  at: number
}

/** The minimum the registry needs to know about a socket. */
export interface LiveSocket {
  readonly phoneNumber?: string
  readonly device?: number
}

/** Logged-in sockets per account, plus the open/login/close history tests assert on. */
export class LiveConnections<T extends LiveSocket> {
  private readonly all = new Set<T>()
  private readonly byPhone = new Map<string, Set<T>>()
  private readonly log: ConnectionLogEntry[] = []

  opened(socket: T): void {
    this.all.add(socket)
    this.log.push({ event: 'open', at: Date.now() })
  }

  loggedIn(socket: T & { phoneNumber: string }): void {
    let set = this.byPhone.get(socket.phoneNumber)
    if (!set) this.byPhone.set(socket.phoneNumber, (set = new Set()))
    set.add(socket)
    this.log.push({ phoneNumber: socket.phoneNumber, event: 'login', at: Date.now() })
  }

  closed(socket: T): void {
    if (!this.all.delete(socket)) return
    const phoneNumber = socket.phoneNumber
    const set = phoneNumber ? this.byPhone.get(phoneNumber) : undefined
    if (set?.delete(socket) && set.size === 0) this.byPhone.delete(phoneNumber!)
    this.log.push({ ...(phoneNumber ? { phoneNumber } : {}), event: 'close', at: Date.now() })
  }

  /** Logged-in sockets of one account, or every open socket. */
  sockets(phoneNumber?: string): T[] {
    if (phoneNumber === undefined) return [...this.all]
    return [...(this.byPhone.get(phoneNumber) ?? [])]
  }

  loggedInCount(phoneNumber?: string): number {
    if (phoneNumber !== undefined) return this.byPhone.get(phoneNumber)?.size ?? 0
    let count = 0
    for (const set of this.byPhone.values()) count += set.size
    return count
  }

  history(): ConnectionLogEntry[] {
    return [...this.log]
  }
}
