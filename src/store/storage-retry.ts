import { setTimeout as sleep } from 'node:timers/promises'
import { describeStorageFailure } from './storage-failure.js'

const FIRST_DELAY_MS = 200
const MAX_DELAY_MS = 5_000
/** How long work waits for the database to come back; once it has been down longer, work fails at once. */
const GIVE_UP_AFTER_MS = 10 * 60_000
/** Items held in memory while the database is down; more are refused rather than filling memory. */
const MAX_WAITING = 10_000

/**
 * Runs work again, with backoff, while it fails because the database is unreachable or full, so
 * what arrives during a short outage (a message WhatsApp already counts as delivered, an event
 * owed to webhooks) is stored once the database is back instead of dropped. One per queue of such
 * work: the outage clock and the backlog are shared by its items, so a long outage fails them at
 * once (after `giveUpAfterMs` from its start, not per item) and memory holds at most `maxWaiting`.
 */
export class StorageRetry {
  private downSince: number | undefined
  private waiting = 0

  constructor(
    /** Hears the failure that started an outage (once per outage, however many items wait). */
    private readonly onOutage: (error: unknown) => void,
    private readonly limits = { giveUpAfterMs: GIVE_UP_AFTER_MS, maxWaiting: MAX_WAITING },
  ) {}

  /**
   * Takes an item into the caller's queue; false when the database is down and the backlog full
   * (the caller drops the item and says so). Each admitted item must be run().
   */
  admit(): boolean {
    if (this.downSince !== undefined && this.waiting >= this.limits.maxWaiting) return false
    this.waiting++
    return true
  }

  /** Runs an admitted item's work, waiting out a database outage; any other error is thrown at once. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      for (let delay = FIRST_DELAY_MS; ; delay = Math.min(MAX_DELAY_MS, delay * 2)) {
        try {
          const result = await work()
          this.downSince = undefined
          return result
        } catch (error) {
          if (!describeStorageFailure(error)) throw error
          if (this.downSince === undefined) {
            this.downSince = Date.now()
            this.onOutage(error)
          }
          if (Date.now() - this.downSince >= this.limits.giveUpAfterMs) throw error
          await sleep(delay, undefined, { ref: false })
        }
      }
    } finally {
      this.waiting--
    }
  }
}
