import type { EventBus } from '../events/event-bus.js'
import type { EngineMessageStatus } from '../sessions/whatsapp-port.js'
import type { InboundMessageRepository } from '../store/ports.js'
import { ALLOWED_FROM, type MessageStatus } from './message-status.js'

/**
 * Receipts for messages the account sent from another device (the phone) move their status as they
 * do an API send's, and are announced as message.status. Returns what the outbox calls for a status
 * about a message it does not hold.
 */
export function followDeviceSentStatuses(inbound: InboundMessageRepository, bus: EventBus) {
  return async (deviceId: string, messageId: string, status: EngineMessageStatus): Promise<void> => {
    if (status === 'failed') return
    const updated = await inbound.advanceStatus(deviceId, messageId, status, ALLOWED_FROM[status])
    if (updated) bus.publish('message.status', { deviceId, messageId, type: updated.type, status: updated.status as MessageStatus, error: null })
  }
}
