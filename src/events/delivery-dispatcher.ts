import type { Logger } from 'pino'
import type { DeliveryRecord, DeliveryRepository } from '../store/ports.js'
import { laneKey } from '../store/ports.js'
import type { EventBus } from './event-bus.js'

/** Where queued events go: a webhook (one event per attempt) or a broker transport (a batch). */
export interface Destination {
  readonly maxBatch: number
  /** Delivers the events in order; answers how many arrived (a prefix of the batch) and, if not all, why the next did not. */
  deliver(deliveries: readonly DeliveryRecord[]): Promise<{ delivered: number; error?: string }>
}

export interface DispatcherOptions {
  deliveries: DeliveryRepository
  bus: EventBus
  /** The destination a queued delivery names, if it still exists. */
  destination: (id: string) => Promise<Destination | undefined>
  /** Attempts running at once, over all receivers. */
  concurrency: number
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
 * Delivers queued events to webhooks and broker transports: at least once, in order per
 * destination and session (a lane holds back later events until its oldest is delivered or has
 * failed for good), retried with backoff. Lanes run independently, so a slow or dead receiver or
 * broker holds only its own lanes.
 */
export class DeliveryDispatcher {
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
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not read the delivery queue'))
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
          .catch((error: unknown) => this.options.logger.error({ err: error, seq: delivery.seq }, 'could not record a delivery attempt'))
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

  /** Delivers the lane's head, and for a broker the pending events right behind it, in one attempt. */
  private async attempt(head: DeliveryRecord): Promise<void> {
    const { deliveries, logger, bus } = this.options
    const report = (result: 'delivered' | 'retry' | 'failed', count = 1): void => {
      for (let i = 0; i < count; i++) bus.publish('webhook.attempted', { webhookId: head.webhookId, result })
    }
    const destination = await this.options.destination(head.webhookId)
    if (!destination) {
      await deliveries.markFailed(head.seq, 'The webhook was removed')
      report('failed')
      return
    }
    const batch = destination.maxBatch > 1 ? [head, ...(await deliveries.pendingBehind(head, destination.maxBatch - 1))] : [head]
    const { delivered, error } = await destination.deliver(batch)
    if (delivered > 0) {
      await deliveries.markDelivered(batch.slice(0, delivered).map((delivery) => delivery.seq))
      report('delivered', delivered)
    }
    const stuck = batch[delivered]
    if (!stuck || error === undefined) return
    const attempts = stuck.attempts + 1
    if (Date.now() - stuck.createdAt >= this.options.retryForMs) {
      await deliveries.markFailed(stuck.seq, error)
      report('failed')
      logger.warn({ target: stuck.webhookId, eventId: stuck.eventId, attempts, error }, 'event delivery failed for good')
      return
    }
    await deliveries.scheduleRetry(stuck.seq, Date.now() + this.retryDelay(attempts), error)
    report('retry')
  }

  private retryDelay(attempts: number): number {
    const { retryBaseMs, maxRetryDelayMs, random = Math.random } = this.options
    const step = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** (attempts - 1))
    return Math.round(step / 2 + (random() * step) / 2)
  }
}
