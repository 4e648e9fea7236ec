import type { Logger } from 'pino'
import type { DeliveryRecord, DeliveryRepository } from '../store/ports.js'
import { laneKey } from '../store/ports.js'
import type { EventBus } from './event-bus.js'

/** Where queued events go: a webhook (one event per attempt) or a broker transport (a batch). */
export interface Destination {
  readonly maxBatch: number
  /** How long an event is retried before it is kept as failed; the dispatcher's retryForMs when unset. */
  readonly retryForMs?: number
  /** Whether it is failing now: then one lane at a time tries it, the others wait their turn without holding a slot. */
  failing?(): boolean
  /**
   * Delivers the events in order; answers how many arrived (a prefix of the batch) and, if not all,
   * why the next did not, and whether it never can.
   */
  deliver(deliveries: readonly DeliveryRecord[]): Promise<DeliveryOutcome>
}

export interface DeliveryOutcome {
  delivered: number
  error?: string
  /** The first event not delivered can never be (kept as failed at once, not retried). */
  permanent?: boolean
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

/** A webhook (or broker transport) and a session: their events are delivered in order. */
export interface DeliveryLane {
  webhookId: string
  deviceId: string
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
  /** Attempts in flight per destination. */
  private readonly inFlight = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private pumping = false
  private stopped = false
  /** A look at every lane is due: at the start, on the timer, after a lane stopped other than by running dry. */
  private lookAtEveryLane = true
  /** Idle lanes new events were queued into since the last pump: each is looked at alone. */
  private readonly hintedLanes = new Map<string, DeliveryLane>()
  /** Due lanes may be waiting for a slot: the next lane to stop has every lane looked at. */
  private lanesWaiting = false
  /** Busy lanes new events were queued into: one that runs dry may have missed them. */
  private readonly queuedWhileBusy = new Set<string>()

  constructor(private readonly options: DispatcherOptions) {}

  start(): void {
    this.wake()
  }

  /**
   * New deliveries were queued, or one was put back: look at the queue now. With `lanes` (where
   * new events were queued), only those are looked at, one by one, and only the idle ones: a busy
   * lane takes its next head itself, or has the dispatcher look at it when it stops. A look at
   * every lane costs in proportion to all that is pending, so it is kept for when it is needed.
   */
  wake(lanes?: readonly DeliveryLane[]): void {
    if (this.stopped) return
    if (lanes === undefined) {
      this.lookAtEveryLane = true
      if (this.timer) clearTimeout(this.timer)
      this.timer = undefined
    } else {
      let idle = 0
      for (const lane of lanes) {
        const key = laneKey(lane.webhookId, lane.deviceId)
        if (this.busyLanes.has(key)) {
          this.queuedWhileBusy.add(key)
        } else {
          this.hintedLanes.set(key, lane)
          idle++
        }
      }
      if (idle === 0) return
    }
    queueMicrotask(() => this.pump())
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }

  private pump(): void {
    if (this.stopped || this.pumping) return
    const everyLane = this.lookAtEveryLane
    if (!everyLane && this.hintedLanes.size === 0) return
    this.pumping = true
    this.lookAtEveryLane = false
    const hinted = [...this.hintedLanes.values()]
    this.hintedLanes.clear()
    let nextLookMs = IDLE_POLL_MS
    const look = everyLane
      ? this.takeDueDeliveries().then((delay) => void (nextLookMs = delay))
      : this.takeHintedLanes(hinted)
    look
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not read the delivery queue'))
      .finally(() => {
        this.pumping = false
        // Only a look at every lane knows when the next retry is due; between two, the timer stands.
        if (everyLane) this.scheduleNextLook(nextLookMs)
        this.pump()
      })
  }

  /** Starts an attempt for each due lane head there is room for; returns how long to wait before looking again. */
  private async takeDueDeliveries(): Promise<number> {
    const free = this.options.concurrency - this.busyLanes.size
    if (free > 0) {
      const heads = await this.options.deliveries.dueLaneHeads(Date.now(), free, this.busyLanes)
      for (const delivery of heads) this.startLane(delivery)
      this.lanesWaiting = heads.length === free
    } else {
      this.lanesWaiting = true
    }
    const due = await this.options.deliveries.nextDueAt(Date.now(), this.busyLanes)
    return due === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(10, due - Date.now()))
  }

  /** Starts each of these lanes that is idle and has a due head, while there is room. */
  private async takeHintedLanes(lanes: readonly DeliveryLane[]): Promise<void> {
    for (const { webhookId, deviceId } of lanes) {
      if (this.busyLanes.has(laneKey(webhookId, deviceId))) continue
      if (this.busyLanes.size >= this.options.concurrency) {
        this.lanesWaiting = true
        return
      }
      const head = await this.options.deliveries.claimLaneHead(webhookId, deviceId, Date.now())
      if (head) this.startLane(head)
    }
  }

  private startLane(head: DeliveryRecord): void {
    const { webhookId, deviceId } = head
    const lane = laneKey(webhookId, deviceId)
    this.busyLanes.add(lane)
    void this.runLane(head).then((ranDry) => {
      this.busyLanes.delete(lane)
      const missed = this.queuedWhileBusy.delete(lane)
      // A lane that ran dry may only have missed an event queued into it as it stopped (its wake found
      // it busy): then a look at it alone; if none was, nothing to look for. Stopped otherwise (a
      // failed attempt, its slot given back), or with lanes waiting for a slot, every lane is looked at.
      if (!ranDry || this.lanesWaiting) this.wake()
      else if (missed) this.wake([{ webhookId, deviceId }])
    })
  }

  private scheduleNextLook(delay: number): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.wake()
    }, delay)
    this.timer.unref()
  }

  /**
   * Delivers a lane's heads one after another while each attempt delivers everything it took and
   * the next head is due, so a backlog drains without a look at every lane per event (a look costs
   * in proportion to all that is pending). With every slot taken, the lane gives its slot back
   * after each attempt instead, and the lanes take turns by due time. Answers whether the lane
   * ran dry (no due head left).
   */
  private async runLane(first: DeliveryRecord): Promise<boolean> {
    const { webhookId, deviceId } = first
    let head: DeliveryRecord | undefined = first
    try {
      // stopped is asked before each attempt and each claim: a head claimed and then left holds its lane on other nodes until the claim ends
      while (head && !this.stopped && (await this.attempt(head)) && !this.stopped && this.busyLanes.size < this.options.concurrency) {
        head = await this.options.deliveries.claimLaneHead(webhookId, deviceId, Date.now())
      }
    } catch (error) {
      this.options.logger.error({ err: error, webhookId, deviceId }, 'could not record a delivery attempt or take the next one')
      return false
    }
    return head === undefined
  }

  /**
   * Delivers the lane's head, and for a broker the pending events right behind it, in one attempt.
   * Answers whether all of them were delivered.
   */
  private async attempt(head: DeliveryRecord): Promise<boolean> {
    const { deliveries } = this.options
    const destination = await this.options.destination(head.webhookId)
    if (!destination) {
      await deliveries.markFailed(head.seq, 'The webhook was removed (or the transport is no longer configured)')
      this.report(head.webhookId, 'failed')
      return false
    }
    const id = head.webhookId
    // A failing broker must not take every slot (webhooks share them): one lane probes it, the others wait.
    if (destination.failing?.() && (this.inFlight.get(id) ?? 0) > 0) {
      // Not an attempt: no count, no backoff step; it looks again after the next delay its attempts call for.
      await deliveries.postpone(head.seq, Date.now() + this.retryDelay(Math.max(1, head.attempts)))
      return false
    }
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1)
    let outcome: DeliveryOutcome
    let batch: DeliveryRecord[] = [head]
    try {
      if (destination.maxBatch > 1) batch = [head, ...(await deliveries.pendingBehind(head, destination.maxBatch - 1))]
      outcome = await destination.deliver(batch)
    } finally {
      this.inFlight.set(id, this.inFlight.get(id)! - 1)
    }
    const { delivered, error, permanent = false } = outcome
    if (delivered > 0) {
      await deliveries.markDelivered(batch.slice(0, delivered).map((delivery) => delivery.seq))
      this.report(id, 'delivered', delivered)
    }
    const stuck = batch[delivered]
    if (stuck && error !== undefined) await this.retryOrFail(stuck, destination, error, permanent)
    return delivered === batch.length
  }

  /** Schedules the lane head's next attempt with backoff, or keeps it as failed once its destination's retry time is over. */
  private async retryOrFail(head: DeliveryRecord, destination: Destination, error: string, permanent = false): Promise<void> {
    const { deliveries, logger } = this.options
    const attempts = head.attempts + 1
    if (permanent || Date.now() - head.createdAt >= (destination.retryForMs ?? this.options.retryForMs)) {
      await deliveries.markFailed(head.seq, error)
      this.report(head.webhookId, 'failed')
      logger.warn({ target: head.webhookId, eventId: head.eventId, attempts, error }, 'event delivery failed for good')
      return
    }
    await deliveries.scheduleRetry(head.seq, Date.now() + this.retryDelay(attempts), error)
    this.report(head.webhookId, 'retry')
  }

  private report(destination: string, result: 'delivered' | 'retry' | 'failed', events = 1): void {
    this.options.bus.publish('delivery.attempted', { destination, result, events })
  }

  private retryDelay(attempts: number): number {
    const { retryBaseMs, maxRetryDelayMs, random = Math.random } = this.options
    const step = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** (attempts - 1))
    return Math.round(step / 2 + (random() * step) / 2)
  }
}
