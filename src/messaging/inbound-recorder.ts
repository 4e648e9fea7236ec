import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { InboundMessageRepository } from '../store/ports.js'

/**
 * Stores each received message once (WhatsApp may deliver a message again after a reconnect) and
 * only then announces it, so a webhook receiver can already read it back through the API. One
 * session's messages are announced in the order they arrived.
 */
export function startInboundRecorder(bus: EventBus, inbound: InboundMessageRepository, logger: Logger): () => void {
  const inOrder = new KeyedLock()
  return bus.subscribe('engine.message-received', ({ deviceId, message, raw }) => {
    inOrder
      .run(deviceId, async () => {
        const stored = await inbound.insert(
          { deviceId, id: message.id, chat: message.chat, type: message.type, payload: JSON.stringify(message), timestamp: message.timestamp },
          message.media ? raw : null,
        )
        if (stored) bus.publish('message.received', { deviceId, message })
      })
      .catch((error: unknown) => logger.error({ err: error, deviceId, messageId: message.id }, 'could not store a received message'))
  })
}
