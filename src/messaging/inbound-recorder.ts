import type { EventBus } from '../events/event-bus.js'
import type { InboundMessageRepository } from '../store/ports.js'

/**
 * Stores each received message once (WhatsApp may deliver a message again after a reconnect) and
 * only then announces it, so a webhook receiver can already read it back through the API.
 */
export function startInboundRecorder(bus: EventBus, inbound: InboundMessageRepository): () => void {
  return bus.subscribe('engine.message-received', ({ deviceId, message, raw }) => {
    const stored = inbound.insert(
      { deviceId, id: message.id, chat: message.chat, type: message.type, payload: JSON.stringify(message), timestamp: message.timestamp },
      message.media ? raw : null,
    )
    if (stored) bus.publish('message.received', { deviceId, message })
  })
}
