import { DomainError, invalidInput } from '../errors.js'
import type { InboundMessageRepository, MessageRepository } from '../store/ports.js'
import { sentThroughApi } from './chat-message.js'
import type { InboundMessage } from './inbound-message.js'
import type { ForwardedMessage } from './outgoing-content.js'

/**
 * Finds a message of this session to forward, whichever side wrote it: a received or phone-typed
 * one (with the engine's encoding where it was kept: media always), or one sent through the API
 * (with what was written on the wire). A message never sent cannot be forwarded.
 */
export function forwardSource(inbound: InboundMessageRepository, outbox: MessageRepository) {
  return async (deviceId: string, messageId: string): Promise<ForwardedMessage> => {
    const received = await inbound.get(deviceId, messageId)
    if (received) {
      const message = JSON.parse(received.payload) as InboundMessage
      const raw = await inbound.raw(deviceId, messageId)
      // Only media keep WhatsApp's own encoding; a text is rebuilt from its words, nothing else can be.
      if (!raw && message.type !== 'text') {
        throw invalidInput(`Message "${messageId}" (${message.type}) cannot be forwarded: only texts and media can`)
      }
      return { messageId, kind: message.type, text: message.text, encoded: raw ? { format: 'web-message', data: Buffer.from(raw) } : null }
    }
    const sent = await outbox.get(messageId)
    const written = sent?.deviceId === deviceId ? await outbox.waMessage(deviceId, messageId) : undefined
    if (sent && written) {
      const { type, text } = sentThroughApi(sent, { jid: '', phoneNumber: null, lid: null, pushName: null })
      return { messageId, kind: type, text, encoded: { format: 'message', data: Buffer.from(written) } }
    }
    throw new DomainError('not_found', `Message "${messageId}" to forward not found in session "${deviceId}" (only messages it received, or sent and WhatsApp took, can be forwarded)`)
  }
}
