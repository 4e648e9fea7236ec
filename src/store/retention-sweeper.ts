import type { Logger } from 'pino'
import type { DashboardSessionRepository, DeliveryRepository, InboundMessageRepository } from './ports.js'

const SWEEP_INTERVAL_MS = 60 * 60 * 1000
const DAY_MS = 86_400_000
/** Delivered webhook events are kept a week for inspection; failed ones stay until redelivered. */
const DELIVERED_RETENTION_MS = 7 * DAY_MS

/**
 * Deletes, hourly: received messages past their retention, old delivered webhook events, and
 * expired dashboard logins.
 */
export function startRetentionSweeper(
  inbound: InboundMessageRepository,
  deliveries: DeliveryRepository,
  dashboardLogins: DashboardSessionRepository,
  retentionDays: number,
  logger: Logger,
): () => void {
  const sweep = async (): Promise<void> => {
    const now = Date.now()
    const messages = await inbound.deleteOlderThan(now - retentionDays * DAY_MS)
    const delivered = await deliveries.deleteDeliveredBefore(now - DELIVERED_RETENTION_MS)
    const logins = await dashboardLogins.deleteExpired(now)
    if (messages + delivered + logins > 0) logger.info({ messages, delivered, logins }, 'retention sweep')
  }
  const run = (): void => {
    sweep().catch((error: unknown) => logger.error({ err: error }, 'retention sweep failed'))
  }
  run()
  const timer = setInterval(run, SWEEP_INTERVAL_MS)
  timer.unref()
  return () => clearInterval(timer)
}
