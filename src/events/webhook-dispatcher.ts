import type { Logger } from 'pino'
import type { SafeFetcher } from '../security/safe-fetch.js'
import type { DeliveryRecord, DeliveryRepository } from '../store/ports.js'
import { laneKey } from '../store/sqlite-delivery-repository.js'
import type { EventBus } from './event-bus.js'
import type { WebhookRegistry } from './webhook-registry.js'
import { signatureHeaders } from './webhook-signer.js'

export interface DispatcherOptions {
  deliveries: DeliveryRepository
  bus: EventBus
  registry: WebhookRegistry
  http: SafeFetcher
  /** Attempts running at once, over all receivers. */
  concurrency: number
  timeoutMs: number
  /** First retry delay; doubles per attempt, with jitter, capped at maxRetryDelayMs. */
  retryBaseMs: number
  maxRetryDelayMs: number
  /** How long after its event a delivery is retried before it is kept as failed. */
  retryForMs: number
  logger: Logger
  random?: () => number
}

/** Longest the dispatcher sleeps without looking at the queue, so retries due later are never missed. */
const IDLE_POLL_MS = 5_000

/**
 * Delivers queued webhook events: at least once, in order per webhook and session (a lane holds
 * back later events until its oldest is delivered or has failed for good), retried with backoff.
 * Lanes run independently, so a slow or dead receiver holds only its own lanes.
 */
export class WebhookDispatcher {
  private readonly busyLanes = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private pumping = false
  private stopped = false

  constructor(private readonly options: DispatcherOptions) {}

  start(): void {
    this.wake()
  }

  /** New deliveries were queued, or one was put back: look at the queue now. */
  wake(): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    queueMicrotask(() => this.pump())
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }

  private pump(): void {
    if (this.pumping || this.stopped) return
    this.pumping = true
    try {
      const free = this.options.concurrency - this.busyLanes.size
      if (free > 0) {
        for (const delivery of this.options.deliveries.dueLaneHeads(Date.now(), free, this.busyLanes)) {
          const lane = laneKey(delivery.webhookId, delivery.deviceId)
          this.busyLanes.add(lane)
          void this.attempt(delivery).finally(() => {
            this.busyLanes.delete(lane)
            this.wake()
          })
        }
      }
      this.scheduleNextLook()
    } finally {
      this.pumping = false
    }
  }

  private scheduleNextLook(): void {
    if (this.timer) clearTimeout(this.timer)
    const due = this.options.deliveries.nextDueAt()
    const delay = due === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(10, due - Date.now()))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.pump()
    }, delay)
    this.timer.unref()
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    const { deliveries, registry, http, timeoutMs, logger, bus } = this.options
    const report = (result: 'delivered' | 'retry' | 'failed'): void => bus.publish('webhook.attempted', { webhookId: delivery.webhookId, result })
    const webhook = registry.resolve(delivery.webhookId)
    if (!webhook) {
      deliveries.markFailed(delivery.seq, 'The webhook was removed')
      report('failed')
      return
    }
    let error: string
    try {
      const headers = signatureHeaders(webhook.secret, delivery.eventId, new Date(), delivery.body)
      const status = await http.post(webhook.url, delivery.body, headers, timeoutMs)
      if (status >= 200 && status < 300) {
        deliveries.markDelivered(delivery.seq)
        report('delivered')
        return
      }
      error = `Receiver answered HTTP ${status}`
    } catch (failure) {
      const cause = (failure as { cause?: Error }).cause?.message
      error = `Receiver unreachable: ${cause ?? (failure as Error).message}`
    }
    const attempts = delivery.attempts + 1
    if (Date.now() - delivery.createdAt >= this.options.retryForMs) {
      deliveries.markFailed(delivery.seq, error)
      report('failed')
      logger.warn({ webhookId: delivery.webhookId, eventId: delivery.eventId, attempts, error }, 'webhook delivery failed for good')
      return
    }
    deliveries.scheduleRetry(delivery.seq, Date.now() + this.retryDelay(attempts), error)
    report('retry')
  }

  private retryDelay(attempts: number): number {
    const { retryBaseMs, maxRetryDelayMs, random = Math.random } = this.options
    const step = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** (attempts - 1))
    return Math.round(step / 2 + (random() * step) / 2)
  }
}
