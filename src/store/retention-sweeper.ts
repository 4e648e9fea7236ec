import type { Logger } from 'pino'
import type { KeptFiles } from '../media/media-store.js'
import type { DashboardSessionRepository, DeliveryRepository, InboundMessageRepository } from './ports.js'

const SWEEP_INTERVAL_MS = 60 * 60 * 1000
const DAY_MS = 86_400_000
/** Delivered webhook events are kept a week for inspection; failed ones stay until redelivered. */
const DELIVERED_RETENTION_MS = 7 * DAY_MS
/** Kept media files removed per store call. */
const MEDIA_BATCH = 500

/**
 * Deletes, hourly: received messages and their kept media past their retention, old delivered
 * webhook events, and expired dashboard logins.
 */
export function startRetentionSweeper(
  inbound: InboundMessageRepository,
  deliveries: DeliveryRepository,
  dashboardLogins: DashboardSessionRepository,
  kept: KeptFiles,
  retentionDays: number,
  logger: Logger,
): () => void {
  const sweep = async (): Promise<void> => {
    const now = Date.now()
    const cutoff = now - retentionDays * DAY_MS
    const messages = await inbound.deleteOlderThan(cutoff)
    let files = 0
    // Files first: should the store fail, the records stay and the next sweep tries again.
    for (;;) {
      const old = await kept.records.olderThan(cutoff, MEDIA_BATCH)
      if (old.length === 0) break
      await kept.store.delete(old.map((record) => record.key))
      await kept.records.forget(old)
      files += old.length
    }
    const delivered = await deliveries.deleteDeliveredBefore(now - DELIVERED_RETENTION_MS)
    const logins = await dashboardLogins.deleteExpired(now)
    if (messages + files + delivered + logins > 0) logger.info({ messages, files, delivered, logins }, 'retention sweep')
  }
  const run = (): void => {
    sweep().catch((error: unknown) => logger.error({ err: error }, 'retention sweep failed'))
  }
  run()
  const timer = setInterval(run, SWEEP_INTERVAL_MS)
  timer.unref()
  return () => clearInterval(timer)
}
