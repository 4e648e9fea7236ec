import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { HistoryBatch } from '../sessions/whatsapp-port.js'
import type { ChatRepository, ContactRepository, HistoryRecord, InboundMessageRepository } from '../store/ports.js'

export interface HistoryStores {
  inbound: InboundMessageRepository
  chats: ChatRepository
  contacts: ContactRepository
}

/**
 * Messages as the phone showed them: the newest `unreadCount` received ones of each chat unread,
 * the rest read when the history arrived; what the account sent with the status the phone knew.
 */
export function historyRecords(deviceId: string, batch: HistoryBatch, now: number): HistoryRecord[] {
  const unreadPerChat = new Map(batch.chats.map((chat) => [chat.jid, chat.unreadCount]))
  const newestFirst = [...batch.messages].sort((a, b) => b.message.timestamp - a.message.timestamp)
  const seenUnread = new Map<string, number>()
  return newestFirst.map(({ message, raw, status }) => {
    let readAt: number | null = null
    if (!message.fromMe) {
      const counted = seenUnread.get(message.chat) ?? 0
      if (counted < (unreadPerChat.get(message.chat) ?? 0)) seenUnread.set(message.chat, counted + 1)
      else readAt = now
    }
    return {
      record: {
        deviceId, id: message.id, chat: message.chat, type: message.type, payload: JSON.stringify(message), timestamp: message.timestamp,
        readAt, fromMe: message.fromMe, status: message.fromMe ? (status ?? 'sent') : null,
      },
      raw: message.media ? raw : null,
    }
  })
}

/**
 * Stores each chunk of the phone's history (chats with their settings, contacts, messages) and
 * then announces it (history.synced with counts). One session's chunks are stored in order.
 */
export function startHistoryRecorder(bus: EventBus, stores: HistoryStores, logger: Logger): () => void {
  const inOrder = new KeyedLock()
  return bus.subscribe('engine.history', ({ deviceId, batch }) => {
    inOrder
      .run(deviceId, async () => {
        await stores.chats.update(deviceId, batch.chats.map(({ jid, name, archived, pinnedAt, mutedUntil, lastActivity }) => ({
          jid,
          change: { name, archived, pinnedAt, mutedUntil, lastActivity },
        })))
        await stores.contacts.upsert(deviceId, batch.contacts)
        const messages = await stores.inbound.insertHistory(deviceId, historyRecords(deviceId, batch, Date.now()))
        bus.publish('history.synced', {
          deviceId, kind: batch.kind, chats: batch.chats.length, contacts: batch.contacts.length, messages, progress: batch.progress,
        })
      })
      .catch((error: unknown) => logger.error({ err: error, deviceId, kind: batch.kind }, 'could not store the history the phone sent'))
  })
}
