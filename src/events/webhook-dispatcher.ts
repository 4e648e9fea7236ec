import type { Logger } from 'pino'
import type { SafeFetcher } from '../security/safe-fetch.js'
import type { DeliveryRecord, DeliveryRepository } from '../store/ports.js'
import { laneKey } from '../store/ports.js'
import type { EventBus } from './event-bus.js'
import type { WebhookRegistry, WebhookTarget } from './webhook-registry.js'
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
  private pumpAgain = false
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
    if (this.stopped) return
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = true
    let nextLookMs = IDLE_POLL_MS
    this.takeDueDeliveries()
      .then((delay) => {
        nextLookMs = delay
      })
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not read the webhook queue'))
      .finally(() => {
        this.pumping = false
        if (this.pumpAgain) {
          this.pumpAgain = false
          this.pump()
        } else {
          this.scheduleNextLook(nextLookMs)
        }
      })
  }

  /** Starts an attempt for each due lane head there is room for; returns how long to wait before looking again. */
  private async takeDueDeliveries(): Promise<number> {
    const free = this.options.concurrency - this.busyLanes.size
    if (free > 0) {
      for (const delivery of await this.options.deliveries.dueLaneHeads(Date.now(), free, this.busyLanes)) {
        const lane = laneKey(delivery.webhookId, delivery.deviceId)
        this.busyLanes.add(lane)
        void this.attempt(delivery)
          .catch((error: unknown) => this.options.logger.error({ err: error, seq: delivery.seq }, 'could not record a webhook attempt'))
          .finally(() => {
            this.busyLanes.delete(lane)
            this.wake()
          })
      }
    }
    const due = await this.options.deliveries.nextDueAt(Date.now(), this.busyLanes)
    return due === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(10, due - Date.now()))
  }

  private scheduleNextLook(delay: number): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.pump()
    }, delay)
    this.timer.unref()
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    const { deliveries, registry, logger, bus } = this.options
    const report = (result: 'delivered' | 'retry' | 'failed'): void => bus.publish('webhook.attempted', { webhookId: delivery.webhookId, result })
    const webhook = await registry.resolve(delivery.webhookId)
    if (!webhook) {
      await deliveries.markFailed(delivery.seq, 'The webhook was removed')
      report('failed')
      return
    }
    const error = await this.post(webhook, delivery)
    if (error === undefined) {
      await deliveries.markDelivered(delivery.seq)
      report('delivered')
      return
    }
    const attempts = delivery.attempts + 1
    if (Date.now() - delivery.createdAt >= this.options.retryForMs) {
      await deliveries.markFailed(delivery.seq, error)
      report('failed')
      logger.warn({ webhookId: delivery.webhookId, eventId: delivery.eventId, attempts, error }, 'webhook delivery failed for good')
      return
    }
    await deliveries.scheduleRetry(delivery.seq, Date.now() + this.retryDelay(attempts), error)
    report('retry')
  }

  /** Sends the event; undefined when the receiver took it, else why not. */
  private async post(webhook: WebhookTarget, delivery: DeliveryRecord): Promise<string | undefined> {
    try {
      const headers = signatureHeaders(webhook.secret, delivery.eventId, new Date(), delivery.body)
      const status = await this.options.http.post(webhook.url, delivery.body, headers, this.options.timeoutMs)
      return status >= 200 && status < 300 ? undefined : `Receiver answered HTTP ${status}`
    } catch (failure) {
      const cause = (failure as { cause?: Error }).cause?.message
      return `Receiver unreachable: ${cause ?? (failure as Error).message}`
    }
  }

  private retryDelay(attempts: number): number {
    const { retryBaseMs, maxRetryDelayMs, random = Math.random } = this.options
    const step = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** (attempts - 1))
    return Math.round(step / 2 + (random() * step) / 2)
  }
}
