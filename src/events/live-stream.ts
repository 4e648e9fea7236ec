import { type EventEnvelope, type PublicEventType, wantsEventType } from './envelope.js'

export interface StreamFilter {
  deviceId?: string
  types?: ReadonlySet<PublicEventType>
}

interface Subscriber {
  filter: StreamFilter
  send: (event: EventEnvelope) => void
}

/** Fans events out to live subscribers (the SSE endpoint), each with its own filter. */
export class LiveStream {
  private readonly subscribers = new Set<Subscriber>()

  subscribe(filter: StreamFilter, send: (event: EventEnvelope) => void): () => void {
    const subscriber = { filter, send }
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  publish(event: EventEnvelope): void {
    for (const { filter, send } of this.subscribers) {
      if (filter.deviceId !== undefined && filter.deviceId !== event.deviceId) continue
      if (!wantsEventType(filter.types, event.type)) continue
      send(event)
    }
  }

  get size(): number {
    return this.subscribers.size
  }
}
