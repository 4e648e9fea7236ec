import { setTimeout as sleep } from 'node:timers/promises'
import { describeStorageFailure } from './storage-failure.js'

const FIRST_DELAY_MS = 200
const MAX_DELAY_MS = 5_000
/** How long work waits for the database to come back; after a longer outage it fails (and the caller logs it). */
const GIVE_UP_AFTER_MS = 10 * 60_000

/**
 * Runs `work` again, with backoff, while it fails because the database is unreachable or full, so
 * what arrives during a short outage (a message WhatsApp already counts as delivered, an event
 * owed to webhooks) is stored once the database is back instead of dropped. Any other error, or an
 * outage longer than `giveUpAfterMs`, is thrown. `onWait` hears each failure that is waited out.
 */
export async function retryWhileStorageIsDown<T>(
  work: () => Promise<T>,
  onWait: (error: unknown, attempt: number) => void,
  giveUpAfterMs = GIVE_UP_AFTER_MS,
): Promise<T> {
  const deadline = Date.now() + giveUpAfterMs
  for (let attempt = 1, delay = FIRST_DELAY_MS; ; attempt++, delay = Math.min(MAX_DELAY_MS, delay * 2)) {
    try {
      return await work()
    } catch (error) {
      if (!describeStorageFailure(error) || Date.now() + delay > deadline) throw error
      onWait(error, attempt)
      await sleep(delay, undefined, { ref: false })
    }
  }
}
