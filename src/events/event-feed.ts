import type { Logger } from 'pino'
import { groupEventPayload } from '../groups/group-view.js'
import type { InboundMessage } from '../messaging/inbound-message.js'
import type { DeliveryRepository, NewDelivery } from '../store/ports.js'
import { envelope, type EventEnvelope, type PublicEventType } from './envelope.js'
import type { EventBus } from './event-bus.js'
import type { LiveStream } from './live-stream.js'
import type { DeliveryDispatcher } from './delivery-dispatcher.js'
import type { WebhookRegistry } from './webhook-registry.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
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

/** Writes a stored message with its event's deliveries, in one transaction; answers whether it was new (else nothing was written). */
export type StoreWithDeliveries = (deliveries: readonly NewDelivery[]) => Promise<boolean>

export interface EventFeed {
  /**
   * Announces a message as it is stored: `store` writes it together with its event's queueing, so
   * the event is queued exactly when the message is stored. Answers whether it was new; a message
   * stored before is not announced again. Rejects when it could not be stored.
   */
  announceMessage(type: StoredMessageEventType, deviceId: string, message: InboundMessage, store: StoreWithDeliveries): Promise<boolean>
  stop(): void
}

export type StoredMessageEventType = 'message.received' | 'message.sent' | 'status.received'

/**
 * Turns domain events into public envelopes and hands each to every matching webhook and broker
 * transport (queued in the database before anything is attempted) and to the live stream. A session's
 * queueing is chained, so each webhook's lane holds its events in the order they happened whatever
 * the store does concurrently, and an event that meets a database outage waits for it to end (the
 * session's events after it wait behind it).
 */
export function startEventFeed({ bus, registry, deliveries, dispatcher, live, transportsFor, metadataOf, logger }: EventFeedDeps): EventFeed {
  // Lanes are per session (and destination): one session's events are queued one after another,
  // different sessions' side by side, so their writes can share a commit.
  const inOrder = new KeyedLock()
  const retry = new StorageRetry((error) => logger.warn({ err: error }, 'could not queue events for their webhooks; keeping them until the database is back'))
  const enqueue: StoreWithDeliveries = async (rows) => {
    await deliveries.enqueue(rows)
    return true
  }
  /**
   * Settles once the event is queued (with what `storeBeside` writes in the same transaction),
   * answering whether it was (false: `storeBeside` found nothing new to announce); rejects when it
   * is not queued (it is logged either way). An event stored beside a write goes to the live
   * stream once that write is in; any other at once, database or not.
   */
  const emit = (type: PublicEventType, deviceId: string, data: Record<string, unknown>, storeBeside?: StoreWithDeliveries): Promise<boolean> => {
    const event: EventEnvelope = envelope(type, deviceId, data, metadataOf(deviceId))
    if (!storeBeside) live.publish(event)
    if (!retry.admit()) {
      logger.error({ eventId: event.id, type, deviceId }, 'dropped an event for webhooks and transports: the database is down and too many wait for it')
      const dropped = Promise.reject(new Error('The database is down and too many events wait for it'))
      dropped.catch(() => undefined)
      return dropped
    }
    const done = inOrder.run(deviceId, () => retry.run(async () => {
      const targets = [...(await registry.targetsFor(deviceId, type)).map((target) => target.id), ...transportsFor(type)]
      const body = targets.length > 0 ? JSON.stringify(event) : ''
      const stored = await (storeBeside ?? enqueue)(targets.map((webhookId) => ({ webhookId, deviceId, eventId: event.id, eventType: type, body })))
      if (!stored) return false
      if (storeBeside) live.publish(event)
      dispatcher.wake(targets.map((webhookId) => ({ webhookId, deviceId })))
      return true
    }))
    done.catch((error: unknown) => logger.error({ err: error, eventId: event.id, type, deviceId }, 'could not queue an event for its webhooks and transports'))
    return done
  }

  const unsubscribers = [
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
  return {
    announceMessage: (type, deviceId, message, store) =>
      emit(type, deviceId, { ...message, timestamp: new Date(message.timestamp).toISOString() }, store),
    stop: () => unsubscribers.forEach((unsubscribe) => unsubscribe()),
  }
}
