import type { Logger } from 'pino'
import { groupEventPayload } from '../groups/group-view.js'
import type { DeliveryRepository } from '../store/ports.js'
import { envelope, type EventEnvelope, type PublicEventType } from './envelope.js'
import type { EventBus } from './event-bus.js'
import type { LiveStream } from './live-stream.js'
import type { DeliveryDispatcher } from './delivery-dispatcher.js'
import type { WebhookRegistry } from './webhook-registry.js'
import { StorageRetry } from '../store/storage-retry.js'
import { isoOrNull } from '../time.js'

export interface EventFeedDeps {
  bus: EventBus
  registry: WebhookRegistry
  deliveries: DeliveryRepository
  dispatcher: DeliveryDispatcher
  /** The local live stream, or with several nodes a relay that also reaches the others'. */
  live: Pick<LiveStream, 'publish'>
  /** The broker transports (their delivery-queue ids) that carry events of this type. */
  transportsFor: (type: PublicEventType) => readonly string[]
  /** The session's metadata setting, carried by each of its events. */
  metadataOf: (deviceId: string) => Record<string, unknown> | undefined
  logger: Logger
}

/**
 * Turns domain events into public envelopes and hands each to every matching webhook and broker
 * transport (queued in the database before anything is attempted) and to the live stream. Queueing is chained, so each
 * webhook's lane holds events in the order they happened whatever the store does concurrently,
 * and an event that meets a database outage waits for it to end (the ones after it wait behind it).
 */
export function startEventFeed({ bus, registry, deliveries, dispatcher, live, transportsFor, metadataOf, logger }: EventFeedDeps): () => void {
  let queued: Promise<void> = Promise.resolve()
  const retry = new StorageRetry((error) => logger.warn({ err: error }, 'could not queue events for their webhooks; keeping them until the database is back'))
  /** Settles once the event is queued; rejects when it is not (it is logged either way). */
  const emit = (type: PublicEventType, deviceId: string, data: Record<string, unknown>): Promise<void> => {
    const event: EventEnvelope = envelope(type, deviceId, data, metadataOf(deviceId))
    live.publish(event)
    if (!retry.admit()) {
      logger.error({ eventId: event.id, type, deviceId }, 'dropped an event for webhooks and transports: the database is down and too many wait for it')
      const dropped = Promise.reject(new Error('The database is down and too many events wait for it'))
      dropped.catch(() => undefined)
      return dropped
    }
    const done = queued.then(() => retry.run(async () => {
      const targets = [...(await registry.targetsFor(deviceId, type)).map((target) => target.id), ...transportsFor(type)]
      if (targets.length === 0) return
      const body = JSON.stringify(event)
      await deliveries.enqueue(targets.map((webhookId) => ({ webhookId, deviceId, eventId: event.id, eventType: type, body })))
      dispatcher.wake(targets.map((webhookId) => ({ webhookId, deviceId })))
    }))
    queued = done.catch((error: unknown) => logger.error({ err: error, eventId: event.id, type, deviceId }, 'could not queue an event for its webhooks and transports'))
    return done
  }

  const unsubscribers = [
    ...(['message.received', 'message.sent', 'status.received'] as const).map((type) =>
      bus.subscribe(type, ({ deviceId, message, waitUntil }) => waitUntil(emit(type, deviceId, { ...message, timestamp: new Date(message.timestamp).toISOString() })))),
    bus.subscribe('message.status', ({ deviceId, messageId, status, error }) =>
      emit('message.status', deviceId, { messageId, status, error })),
    bus.subscribe('session.status', ({ deviceId, state, lastError }) =>
      emit('session.status', deviceId, { state, lastError })),
    bus.subscribe('session.qr', ({ deviceId, qr, expiresAt }) =>
      emit('session.qr', deviceId, { qr, expiresAt: new Date(expiresAt).toISOString() })),
    bus.subscribe('presence.update', ({ deviceId, lastSeen, ...presence }) =>
      emit('presence.update', deviceId, { ...presence, lastSeen: isoOrNull(lastSeen) })),
    bus.subscribe('history.synced', ({ deviceId, ...counts }) => emit('history.synced', deviceId, counts)),
    bus.subscribe('chat.updated', ({ deviceId, ...update }) => emit('chat.updated', deviceId, { ...update })),
    bus.subscribe('label.updated', ({ deviceId, ...change }) => emit('label.updated', deviceId, { ...change })),
    bus.subscribe('call.received', ({ deviceId, at, ...call }) => emit('call.received', deviceId, { ...call, at: new Date(at).toISOString() })),
    bus.subscribe('group.changed', ({ deviceId, event }) => {
      const { type, data } = groupEventPayload(event)
      emit(type, deviceId, data)
    }),
  ]
  return () => unsubscribers.forEach((unsubscribe) => unsubscribe())
}
