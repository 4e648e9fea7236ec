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
 * Which received messages the phone shows unread: the newest `unreadCount` of each chat over the
 * whole history. WhatsApp sends a chat's count once (later chunks leave a chat already sent out)
 * and the chunks newest first, so the counts and the newest messages seen are kept per session.
 */
export class HistoryUnread {
  private readonly chats = new Map<string, { limit: number; newest: Array<{ id: string; timestamp: number }> }>()

  /** Takes in a chunk; returns the ids of its received messages that stay unread. */
  take(batch: HistoryBatch): Set<string> {
    for (const chat of batch.chats) if (chat.unreadCount > 0 && !this.chats.has(chat.jid)) this.chats.set(chat.jid, { limit: chat.unreadCount, newest: [] })
    for (const { message } of batch.messages) {
      const chat = this.chats.get(message.chat)
      if (message.fromMe || !chat || chat.newest.some((seen) => seen.id === message.id)) continue
      chat.newest.push({ id: message.id, timestamp: message.timestamp })
      chat.newest.sort((a, b) => b.timestamp - a.timestamp)
      chat.newest.length = Math.min(chat.newest.length, chat.limit)
    }
    const unread = new Set<string>()
    for (const { newest } of this.chats.values()) for (const { id } of newest) unread.add(id)
    return unread
  }
}

/** Messages as the phone showed them: unread or read when the history arrived; what the account sent with its status. */
export function historyRecords(deviceId: string, batch: HistoryBatch, unread: ReadonlySet<string>, now: number): HistoryRecord[] {
  return batch.messages.map(({ message, raw, status }) => ({
    record: {
      deviceId, id: message.id, chat: message.chat, type: message.type, payload: JSON.stringify(message), timestamp: message.timestamp,
      readAt: message.fromMe || unread.has(message.id) ? null : now, fromMe: message.fromMe, status: message.fromMe ? (status ?? 'sent') : null,
    },
    raw,
  }))
}

/**
 * Stores each chunk of the phone's history (chats with their settings, contacts, messages) and
 * then announces it (history.synced with counts). One session's chunks are stored in order.
 */
export function startHistoryRecorder(bus: EventBus, stores: HistoryStores, logger: Logger): () => void {
  const inOrder = new KeyedLock()
  const unread = new Map<string, HistoryUnread>()
  const stopSessions = bus.subscribe('session.deleted', ({ deviceId }) => unread.delete(deviceId))
  const stopHistory = bus.subscribe('engine.history', ({ deviceId, batch }) => {
    inOrder
      .run(deviceId, async () => {
        await stores.chats.recordHistory(deviceId, batch.chats.map(({ jid, name, archived, pinnedAt, mutedUntil, lastActivity }) => ({
          jid,
          change: { name, archived, pinnedAt, mutedUntil, lastActivity },
        })))
        await stores.contacts.upsert(deviceId, batch.contacts)
        let sessionUnread = unread.get(deviceId)
        if (!sessionUnread) unread.set(deviceId, (sessionUnread = new HistoryUnread()))
        const messages = await stores.inbound.insertHistory(deviceId, historyRecords(deviceId, batch, sessionUnread.take(batch), Date.now()))
        bus.publish('history.synced', {
          deviceId, kind: batch.kind, chats: batch.chats.length, contacts: batch.contacts.length, messages, progress: batch.progress,
        })
      })
      .catch((error: unknown) => logger.error({ err: error, deviceId, kind: batch.kind }, 'could not store the history the phone sent'))
  })
  return () => {
    stopSessions()
    stopHistory()
  }
}
