import type { Chat, ChatModification, WAMessageKey, WASocket } from '@whiskeysockets/baileys'
import type { ChatActions, ChatEvent, MessageRef } from '../sessions/whatsapp-port.js'
import { appStateWrite } from './app-state-write.js'
import { muteEnd } from './history.js'
import { chatEventsByPhone, InOrder } from './lid-to-phone.js'

const toSeconds = (ms: number): number => Math.floor(ms / 1000)

function keyOf(chat: string, message: MessageRef): WAMessageKey {
  return { remoteJid: chat, id: message.id, fromMe: message.fromMe, ...(message.participant ? { participant: message.participant } : {}) }
}

/** WhatsApp checks an archive, delete or mark-unread against the chat's newest message. */
function lastMessages(chat: string, newest: MessageRef | null): Array<{ key: WAMessageKey; messageTimestamp: number }> {
  return newest ? [{ key: keyOf(chat, newest), messageTimestamp: toSeconds(newest.timestamp) }] : []
}

/** Chat settings as Baileys app-state patches (chatModify), shared with every device of the account. */
export function baileysChatActions(socket: WASocket): ChatActions {
  const modify = (modification: ChatModification, chat: string): Promise<void> => appStateWrite('chat settings', socket.chatModify(modification, chat))
  return {
    archive: (chat, archived, newest) => modify({ archive: archived, lastMessages: lastMessages(chat, newest) }, chat),
    pin: (chat, pinned) => modify({ pin: pinned }, chat),
    mute: (chat, until) => modify({ mute: until }, chat),
    markUnread: (chat, unread, newest) => modify({ markRead: !unread, lastMessages: lastMessages(chat, newest) }, chat),
    delete: (chat, newest) => modify({ delete: true, lastMessages: lastMessages(chat, newest) }, chat),
    star: (chat, message, starred) => modify({ star: { messages: [{ id: message.id, fromMe: message.fromMe }], star: starred } }, chat),
    deleteForMe: (chat, message) =>
      modify({ deleteForMe: { key: keyOf(chat, message), timestamp: toSeconds(message.timestamp), deleteMedia: true } }, chat),
  }
}

/**
 * The chat settings in one Baileys chat update. Updates from new messages carry positive unread
 * counts and timestamps, which are not settings; -1 is WhatsApp's "marked unread", 0 "read".
 */
function chatChange(update: Partial<Chat>): Extract<ChatEvent, { kind: 'chat' }>['change'] {
  const change: Extract<ChatEvent, { kind: 'chat' }>['change'] = {}
  if (typeof update.archived === 'boolean') change.archived = update.archived
  if ('pinned' in update) change.pinnedAt = update.pinned ? Number(update.pinned) * 1000 : 0
  if ('muteEndTime' in update) change.mutedUntil = muteEnd(update.muteEndTime)
  if (update.unreadCount === -1) change.markedUnread = true
  if (update.unreadCount === 0) change.markedUnread = false
  return change
}

/** Turns the app-state changes other devices made (Baileys' chat and message events) into ours. */
export function forwardChatEvents(socket: WASocket, onChatEvents: (events: ChatEvent[]) => void): void {
  const next = new InOrder()
  const resolve = (lid: string) => socket.signalRepository.lidMapping.getPNForLID(lid)
  const emit = (events: ChatEvent[]): void => {
    if (events.length > 0) next.run(async () => onChatEvents(await chatEventsByPhone(events, resolve)))
  }
  socket.ev.on('chats.update', (updates) => {
    emit(updates.flatMap((update): ChatEvent[] => {
      const change = chatChange(update)
      return update.id && Object.keys(change).length > 0 ? [{ kind: 'chat', jid: update.id, change }] : []
    }))
  })
  socket.ev.on('chats.delete', (jids) => emit(jids.map((jid) => ({ kind: 'chat-deleted', jid }))))
  socket.ev.on('messages.update', (updates) => {
    emit(updates.flatMap(({ key, update }): ChatEvent[] =>
      typeof update.starred === 'boolean' && key.remoteJid && key.id
        ? [{ kind: 'message-starred', jid: key.remoteJid, messageId: key.id, starred: update.starred }]
        : []))
  })
  socket.ev.on('messages.delete', (deleted) => {
    if (!('keys' in deleted)) return
    emit(deleted.keys.flatMap((key): ChatEvent[] => (key.remoteJid && key.id ? [{ kind: 'message-deleted', jid: key.remoteJid, messageId: key.id }] : [])))
  })
}
