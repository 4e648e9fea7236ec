import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import type { MediaKeeper } from '../media/media-keeper.js'
import { STATUS_JID } from './chat-kind.js'
import type { InboundMessage } from './inbound-message.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { InboundMessageRepository, MessageRepository } from '../store/ports.js'
import { mayHaveCommitted } from '../store/storage-failure.js'
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
 */
export function startInboundRecorder(
  bus: EventBus, inbound: InboundMessageRepository, outbox: MessageRepository, logger: Logger, keeper?: MediaKeeper,
): () => void {
  const inOrder = new KeyedLock()
  const retry = new StorageRetry((error) => logger.warn({ err: error }, 'could not store received messages; keeping them until the database is back'))
  return bus.subscribe('engine.message-received', ({ deviceId, message, raw }) => {
    if (!retry.admit()) return void logger.error({ deviceId, messageId: message.id }, 'dropped a received message: the database is down and too many wait for it')
    inOrder
      .run(deviceId, async () => {
        let maybeStored = false
        const stored = await retry.run(async () => {
          try {
            if (message.fromMe && (await outbox.get(message.id))) return undefined
            return await inbound.insert(
              { deviceId, id: message.id, chat: message.chat, type: message.type, payload: JSON.stringify(message), timestamp: message.timestamp, fromMe: message.fromMe },
              message.media ? raw : null,
            )
          } catch (error) {
            maybeStored ||= mayHaveCommitted(error)
            throw error
          }
        })
        // "Already stored" after a write whose answer was lost may be that very write: announcing
        // it twice is better than never.
        if (stored === undefined || (!stored && !maybeStored)) return
        // Media kept as they arrive are in the store before the event that links to them goes out.
        const announced = keeper?.wants(message) ? await keeper.keep(deviceId, message, raw) : message
        bus.publish(eventOf(message), { deviceId, message: announced })
      })
      .catch((error: unknown) => logger.error({ err: error, deviceId, messageId: message.id }, 'could not store a received message'))
  })
}
