import type { Logger } from 'pino'
import type { MediaStore } from '../media/media-store.js'
import type { DashboardSessionRepository, DeliveryRepository, InboundMessageRepository, KeptMediaRepository } from './ports.js'

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
  kept: { records: KeptMediaRepository; store: MediaStore },
  retentionDays: number,
  logger: Logger,
): () => void {
  const sweep = async (): Promise<void> => {
    const now = Date.now()
    const messages = await inbound.deleteOlderThan(now - retentionDays * DAY_MS)
    let files = 0
    // Files first: should the store fail, the records stay and the next sweep tries again.
    for (let old = await kept.records.olderThan(now - retentionDays * DAY_MS, MEDIA_BATCH); old.length > 0; old = await kept.records.olderThan(now - retentionDays * DAY_MS, MEDIA_BATCH)) {
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
