import { LatestReads } from '../latest-reads.js'
import type { DesiredState, SessionBehaviourChange, SessionRecord, SessionRepository } from './ports.js'

/** The order sessions are listed in: creation time, then device id. */
export function compareSessions(a: { createdAt: number; deviceId: string }, b: { createdAt: number; deviceId: string }): number {
  return a.createdAt - b.createdAt || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)
}

/**
 * Every session record in memory in front of the database: they are read several times per
 * request (auth, state checks, pacing), synchronously, while writes go through to the database and
 * then refresh the copy. With several nodes on one database, a node that hears another changed a
 * session calls refresh(). A thousand sessions are a few hundred kilobytes.
 */
export class SessionCatalog {
  private constructor(
    private readonly database: SessionRepository,
    private readonly records: Map<string, SessionRecord>,
    private readonly changed: (deviceId: string) => void,
  ) {}

  /** Reads of a session may finish out of order on a connection pool: its copy comes from the latest started. */
  private readonly reads = new LatestReads()
  /** list()'s answer until a record changes: ten thousand sessions are not sorted on every listing. */
  private ordered: SessionRecord[] | null = null

  /** Loads every session; `changed` hears of each write made through this catalog (to tell other nodes). */
  static async load(database: SessionRepository, changed: (deviceId: string) => void = () => undefined): Promise<SessionCatalog> {
    const records = await database.list()
    return new SessionCatalog(database, new Map(records.map((record) => [record.deviceId, record])), changed)
  }

  get(deviceId: string): SessionRecord | undefined {
    return this.records.get(deviceId)
  }

  /** Every session in creation order; the caller must not change the array. */
  list(): readonly SessionRecord[] {
    this.ordered ??= [...this.records.values()].sort(compareSessions)
    return this.ordered
  }

  /** Inserts a new session; false when the id is taken. */
  async create(deviceId: string, desiredState: DesiredState): Promise<boolean> {
    const created = await this.database.create(deviceId, desiredState)
    await this.refresh(deviceId)
    if (created) this.changed(deviceId)
    return created
  }

  setDesiredState(deviceId: string, desiredState: DesiredState): Promise<void> {
    return this.writeThrough(deviceId, this.database.setDesiredState(deviceId, desiredState))
  }

  setApiKey(deviceId: string, hash: string, prefix: string): Promise<void> {
    return this.writeThrough(deviceId, this.database.setApiKey(deviceId, hash, prefix))
  }

  /** Every connect reports its account (ten thousand on a restart): one the copy already has is not written again. */
  async setAccount(deviceId: string, phoneNumber: string | null, pushName: string | null): Promise<void> {
    const record = this.records.get(deviceId)
    if (record && record.phoneNumber === phoneNumber && record.pushName === pushName) return
    return this.writeThrough(deviceId, this.database.setAccount(deviceId, phoneNumber, pushName))
  }

  setSendRate(deviceId: string, perMinute: number | null): Promise<void> {
    return this.writeThrough(deviceId, this.database.setSendRate(deviceId, perMinute))
  }

  setCallRejection(deviceId: string, change: { reject?: boolean; message?: string | null }): Promise<void> {
    return this.writeThrough(deviceId, this.database.setCallRejection(deviceId, change))
  }

  setProxy(deviceId: string, proxyUrl: string | null): Promise<void> {
    return this.writeThrough(deviceId, this.database.setProxy(deviceId, proxyUrl))
  }

  setBehaviour(deviceId: string, change: SessionBehaviourChange): Promise<void> {
    return this.writeThrough(deviceId, this.database.setBehaviour(deviceId, change))
  }

  async delete(deviceId: string): Promise<boolean> {
    const deleted = await this.database.delete(deviceId)
    this.records.delete(deviceId)
    this.ordered = null
    if (deleted) this.changed(deviceId)
    return deleted
  }

  /** Re-reads one session from the database (another node may have changed or deleted it). */
  refresh(deviceId: string): Promise<SessionRecord | undefined> {
    return this.reads.run(() => this.database.get(deviceId), (record, isLatest) => {
      if (!isLatest(deviceId)) return
      const previous = this.records.get(deviceId)
      if (record) this.records.set(deviceId, record)
      else this.records.delete(deviceId)
      this.reorder(previous, record)
    })
  }

  /** Keeps list()'s order through an update (a session's place never changes: sessions connecting rewrite theirs by the thousand), drops it otherwise. */
  private reorder(previous: SessionRecord | undefined, record: SessionRecord | undefined): void {
    if (this.ordered && previous && record && previous.createdAt === record.createdAt) {
      let low = 0
      let high = this.ordered.length
      while (low < high) {
        const middle = (low + high) >>> 1
        if (compareSessions(this.ordered[middle]!, previous) < 0) low = middle + 1
        else high = middle
      }
      if (this.ordered[low] === previous) {
        this.ordered[low] = record
        return
      }
    }
    this.ordered = null
  }

  /** The session whose own key has this hash, read from the database (a key just set on another node included). */
  findByApiKeyHash(hash: string): Promise<SessionRecord | undefined> {
    return this.database.findByApiKeyHash(hash)
  }

  /** Re-reads every session, e.g. after missing notifications while the database was unreachable. */
  async reload(): Promise<void> {
    await this.reads.run(() => this.database.list(), (records, isLatest) => {
      const listed = new Set(records.map((record) => record.deviceId))
      for (const deviceId of this.records.keys()) if (!listed.has(deviceId) && isLatest(deviceId)) this.records.delete(deviceId)
      for (const record of records) if (isLatest(record.deviceId)) this.records.set(record.deviceId, record)
      this.ordered = null
    })
  }

  private async writeThrough(deviceId: string, write: Promise<void>): Promise<void> {
    await write
    await this.refresh(deviceId)
    this.changed(deviceId)
  }
}
