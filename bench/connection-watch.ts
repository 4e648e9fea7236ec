import type { SimProcess } from './sim-process.js'

/**
 * The simulator's view of a set of accounts, replayed from its connection log: which are logged
 * in right now, when each last logged in, and the most logged-in sockets each had at once.
 */
export class ConnectionWatch {
  private read = 0
  private readonly live = new Map<string, number>()
  private readonly lastLogin = new Map<string, number>()
  private readonly mostLive = new Map<string, number>()
  /** When each account's last socket closed, while none is logged in. */
  private readonly downSince = new Map<string, number>()
  private readonly outages: Array<{ from: number; to: number }> = []

  constructor(
    private readonly sim: SimProcess,
    phoneNumbers: Iterable<string>,
  ) {
    for (const phone of phoneNumbers) this.live.set(phone, 0)
  }

  /** Reads the log entries added since the last update. */
  async update(): Promise<void> {
    const entries = await this.sim.connectionLog(this.read)
    this.read += entries.length
    for (const { phoneNumber: phone, event, at } of entries) {
      const live = phone === undefined ? undefined : this.live.get(phone)
      if (phone === undefined || live === undefined) continue
      if (event === 'login') {
        const down = this.downSince.get(phone)
        if (down !== undefined) this.outages.push({ from: down, to: at })
        this.downSince.delete(phone)
        this.live.set(phone, live + 1)
        this.lastLogin.set(phone, at)
        this.mostLive.set(phone, Math.max(live + 1, this.mostLive.get(phone) ?? 0))
      } else if (event === 'close' && live > 0) {
        this.live.set(phone, live - 1)
        if (live === 1) this.downSince.set(phone, at)
      }
    }
  }

  /** Logged in now, and (given `since`, epoch ms) last logged in at or after it. */
  loggedIn(phoneNumber: string, since = 0): boolean {
    return (this.live.get(phoneNumber) ?? 0) > 0 && (this.lastLogin.get(phoneNumber) ?? -1) >= since
  }

  lastLoginAt(phoneNumber: string): number | undefined {
    return this.lastLogin.get(phoneNumber)
  }

  /** The longest an account was logged out before logging in again, counting outages that began at or after `since` (epoch ms). */
  longestOutageMs(since: number): number {
    return Math.max(0, ...this.outages.filter((outage) => outage.from >= since).map((outage) => outage.to - outage.from))
  }

  /** The most logged-in sockets any one account had at the same time so far. */
  mostAtOnce(): number {
    return Math.max(0, ...this.mostLive.values())
  }

  /** Accounts that had two or more logged-in sockets at the same time so far. */
  doubled(): string[] {
    return [...this.mostLive].filter(([, most]) => most > 1).map(([phone]) => phone)
  }
}
