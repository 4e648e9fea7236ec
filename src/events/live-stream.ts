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

  subscribe(filter: StreamFilter, send: (event: EventEnvelope) => void): () => void {
    const subscriber = { filter, send }
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  /**
   * The kept events after the one with this id that match the filter, oldest first; undefined when
   * that event is no longer kept (or never was), so the caller cannot know what it missed.
   */
  since(eventId: string, filter: StreamFilter): EventEnvelope[] | undefined {
    const index = this.recent.findIndex((event) => event.id === eventId)
    return index < 0 ? undefined : this.recent.slice(index + 1).filter((event) => matches(filter, event))
  }

  publish(event: EventEnvelope): void {
    this.recent.push(event)
    if (this.recent.length > RECENT_EVENTS) this.recent.shift()
    for (const { filter, send } of this.subscribers) if (matches(filter, event)) send(event)
  }

  get size(): number {
    return this.subscribers.size
  }
}
