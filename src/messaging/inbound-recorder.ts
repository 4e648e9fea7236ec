import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import type { MediaKeeper } from '../media/media-keeper.js'
import { STATUS_JID } from './chat-kind.js'
import type { InboundMessage } from './inbound-message.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { InboundMessageRepository, MessageRepository } from '../store/ports.js'
import { StorageRetry } from '../store/storage-retry.js'

/** What a stored message is announced as: a status update of a contact has its own (opt-in) event. */
function eventOf(message: InboundMessage): 'message.sent' | 'message.received' | 'status.received' {
  if (message.fromMe) return 'message.sent'
  return message.chat === STATUS_JID ? 'status.received' : 'message.received'
}

/**
 * Stores each received message once (WhatsApp may deliver a message again after a reconnect) and
 * only then announces it, so a webhook receiver can already read it back through the API. One
 * session's messages are announced in the order they arrived. Messages the account sent from its
 * other devices are kept and announced the same way (message.sent), unless the API sent them.
 *
 * WhatsApp's delivery receipt waits until the message is stored and its event queued: a crash
 * before that leaves it undelivered for WhatsApp, which delivers it again, and a message stored but
 * not announced then is announced at that point. Nothing acknowledged is lost; an event may repeat
 * if the crash fell between its queueing and the mark that it was queued.
 */
export function startInboundRecorder(
  bus: EventBus, inbound: InboundMessageRepository, outbox: MessageRepository, logger: Logger, keeper?: MediaKeeper,
): () => void {
  const inOrder = new KeyedLock()
  const retry = new StorageRetry((error) => logger.warn({ err: error }, 'could not store received messages; keeping them until the database is back'))

  const record = async (deviceId: string, message: InboundMessage, raw: Uint8Array): Promise<void> => {
    const unannounced = await retry.run(async () => {
      if (message.fromMe && (await outbox.get(message.id))) return false
      return inbound.insert(
        { deviceId, id: message.id, chat: message.chat, type: message.type, payload: JSON.stringify(message), timestamp: message.timestamp, fromMe: message.fromMe },
        message.media ? raw : null,
      )
    })
    if (!unannounced) return
    // Media kept as they arrive are in the store before the event that links to them goes out.
    const announced = keeper?.wants(message) ? await keeper.keep(deviceId, message, raw) : message
    await bus.publishAndWait(eventOf(message), { deviceId, message: announced })
    // Not waited for: until it lands, a redelivery would only announce the message again.
    inbound.markAnnounced(deviceId, message.id).catch((error: unknown) =>
      logger.warn({ err: error, deviceId, messageId: message.id }, 'could not mark a received message as announced; a redelivery of it would be announced again'))
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
