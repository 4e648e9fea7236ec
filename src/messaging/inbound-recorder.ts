import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import type { EventFeed, StoredMessageEventType } from '../events/event-feed.js'
import type { MediaKeeper } from '../media/media-keeper.js'
import { STATUS_JID } from './chat-kind.js'
import type { InboundMessage } from './inbound-message.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { InboundMessageRepository, MessageRepository } from '../store/ports.js'
import { StorageRetry } from '../store/storage-retry.js'

/** What a stored message is announced as: a status update of a contact has its own (opt-in) event. */
function eventOf(message: InboundMessage): StoredMessageEventType {
  if (message.fromMe) return 'message.sent'
  return message.chat === STATUS_JID ? 'status.received' : 'message.received'
}

/**
 * Stores each received message once (WhatsApp may deliver a message again after a reconnect) and
 * announces it: the row and its event's queueing for webhooks and transports are one transaction,
 * so a webhook receiver can already read the message back through the API, and a message is
 * stored exactly when its event is queued. One session's messages are announced in the order they
 * arrived. Messages the account sent from its other devices are kept and announced the same way
 * (message.sent), unless the API sent them.
 *
 * WhatsApp's delivery receipt waits for that transaction: a crash before it leaves the message
 * undelivered for WhatsApp, which delivers it again. Nothing acknowledged is lost, nor announced twice.
 */
export function startInboundRecorder(
  bus: EventBus, feed: Pick<EventFeed, 'announceMessage'>, inbound: InboundMessageRepository, outbox: MessageRepository, logger: Logger, keeper?: MediaKeeper,
): () => void {
  const inOrder = new KeyedLock()
  const retry = new StorageRetry((error) => logger.warn({ err: error }, 'could not read what is stored of received messages; keeping them until the database is back'))

  const record = async (deviceId: string, message: InboundMessage, raw: Uint8Array | null): Promise<void> => {
    // raw comes with media only, which is what the keeper wants.
    const keepsMedia = keeper !== undefined && raw !== null && keeper.wants(message)
    const wanted = await retry.run(async () => {
      if (message.fromMe && (await outbox.get(message.id))) return false
      // A redelivery of a stored message is not downloaded again.
      return !(keepsMedia && (await inbound.get(deviceId, message.id)))
    })
    if (!wanted) return
    // Media kept as they arrive are in the store before the event that links to them goes out.
    const announced = keepsMedia ? await keeper.keep(deviceId, message, raw) : message
    const type = eventOf(message)
    const stored = await feed.announceMessage(type, deviceId, announced, (deliveries) => inbound.insert(
      { deviceId, id: message.id, chat: message.chat, type: message.type, payload: JSON.stringify(message), timestamp: message.timestamp, fromMe: message.fromMe },
      raw,
      deliveries,
    ))
    if (stored) bus.publish(type, { deviceId, message: announced })
  }

  return bus.subscribe('engine.message-received', ({ deviceId, message, raw, waitUntil }) => {
    if (!retry.admit()) {
      logger.error({ deviceId, messageId: message.id }, 'refused a received message: the database is down and too many wait for it; WhatsApp delivers it again')
      return waitUntil(Promise.reject(new Error('The database is down and too many received messages wait for it')))
    }
    waitUntil(inOrder.run(deviceId, () => record(deviceId, message, raw)).catch((error: unknown) => {
      logger.error({ err: error, deviceId, messageId: message.id }, 'could not store or announce a received message; WhatsApp delivers it again')
      throw error
    }))
  })
}
