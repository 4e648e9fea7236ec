import { randomBytes } from 'node:crypto'
import { type EventEnvelope, type PublicEventType, wantsEventType } from './envelope.js'

export interface StreamFilter {
  deviceId?: string
  types?: ReadonlySet<PublicEventType>
}

interface Subscriber {
  filter: StreamFilter
  send: (event: EventEnvelope) => void
}

/** Events kept for subscribers that reconnect (SSE Last-Event-ID). */
export const RECENT_EVENTS = 1000

const matches = (filter: StreamFilter, event: EventEnvelope): boolean =>
  (filter.deviceId === undefined || filter.deviceId === event.deviceId) && wantsEventType(filter.types, event.type)

/** Fans events out to live subscribers (SSE, WebSocket), each with its own filter; keeps the latest for those that reconnect. */
export class LiveStream {
  private readonly subscribers = new Set<Subscriber>()
  /** The newest RECENT_EVENTS events, oldest first. */
  private readonly recent: EventEnvelope[] = []
  /** Events published since this process started. */
  private published = 0
  /** Tells this process's positions from another node's or an earlier run's. */
  private readonly epoch = randomBytes(4).toString('hex')

  subscribe(filter: StreamFilter, send: (event: EventEnvelope) => void): () => void {
    const subscriber = { filter, send }
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  /**
   * Where the stream is now, as a Last-Event-ID a subscriber can resume from even before its first
   * event: `@<epoch>.<count>`.
   */
  position(): string {
    return `@${this.epoch}.${this.published}`
  }

  /**
   * The kept events after the one with this id (or this position) that match the filter, oldest
   * first; undefined when that point is no longer kept (or never was here), so the caller cannot
   * know what it missed.
   */
  since(lastEventId: string, filter: StreamFilter): EventEnvelope[] | undefined {
    const oldestKept = this.published - this.recent.length
    const position = /^@([0-9a-f]+)\.(\d+)$/.exec(lastEventId)
    let start: number
    if (position) {
      const seen = Number(position[2])
      if (position[1] !== this.epoch || seen < oldestKept || seen > this.published) return undefined
      start = seen - oldestKept
    } else {
      const index = this.recent.findIndex((event) => event.id === lastEventId)
      if (index < 0) return undefined
      start = index + 1
    }
    return this.recent.slice(start).filter((event) => matches(filter, event))
  }

  publish(event: EventEnvelope): void {
    this.published++
    this.recent.push(event)
    if (this.recent.length > RECENT_EVENTS) this.recent.shift()
    for (const { filter, send } of this.subscribers) if (matches(filter, event)) send(event)
  }

  get size(): number {
    return this.subscribers.size
  }
}
