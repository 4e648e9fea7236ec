import type { Logger } from 'pino'
import type { DeliveryRepository, InboundMessageRepository } from './ports.js'

const SWEEP_INTERVAL_MS = 60 * 60 * 1000
const DAY_MS = 86_400_000
/** Delivered webhook events are kept a week for inspection; failed ones stay until redelivered. */
const DELIVERED_RETENTION_MS = 7 * DAY_MS

/** Deletes received messages past their retention and old delivered webhook events, hourly. */
export function startRetentionSweeper(
  inbound: InboundMessageRepository,
  deliveries: DeliveryRepository,
  retentionDays: number,
  logger: Logger,
): () => void {
  const sweep = (): void => {
    const now = Date.now()
    const messages = inbound.deleteOlderThan(now - retentionDays * DAY_MS)
    const delivered = deliveries.deleteDeliveredBefore(now - DELIVERED_RETENTION_MS)
    if (messages + delivered > 0) logger.info({ messages, delivered }, 'retention sweep')
  }
  sweep()
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS)
  timer.unref()
  return () => clearInterval(timer)
}
