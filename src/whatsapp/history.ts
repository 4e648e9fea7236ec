import { type Chat, type Contact, isLidUser, jidDecode, jidNormalizedUser, proto, type WAMessage, type WASocket } from '@whiskeysockets/baileys'
import type { Sender } from '../messaging/inbound-message.js'
import type { HistoryBatch, HistoryChat, HistoryContact, HistoryMessage } from '../sessions/whatsapp-port.js'
import { STATUS_BY_RECEIPT, toInboundMessage } from './inbound-translation.js'

/** How much of the phone's history a newly linked session takes: recent months, everything, or nothing. */
export type HistorySyncMode = 'recent' | 'full' | 'none'

const { HistorySyncType } = proto.HistorySync

/** Baileys' history settings for a mode: full asks the phone for everything when linking and accepts it. */
export function historySocketConfig(mode: HistorySyncMode): { syncFullHistory: boolean; shouldSyncHistoryMessage?: () => boolean } {
  return mode === 'full' ? { syncFullHistory: true, shouldSyncHistoryMessage: () => true } : { syncFullHistory: false }
}

const KINDS: Partial<Record<number, HistoryBatch['kind']>> = {
  [HistorySyncType.INITIAL_BOOTSTRAP]: 'initial',
  [HistorySyncType.RECENT]: 'recent',
  [HistorySyncType.FULL]: 'full',
  [HistorySyncType.PUSH_NAME]: 'push-names',
  [HistorySyncType.ON_DEMAND]: 'on-demand',
}

const seconds = (value: unknown): number => Number(value ?? 0)
const phoneOf = (jid: string | null | undefined): string | null => (jid && jidDecode(jid)?.server === 's.whatsapp.net' ? jidDecode(jid)!.user : null)

function chatOf(chat: Chat): HistoryChat {
  const muted = seconds(chat.muteEndTime)
  return {
    jid: jidNormalizedUser(chat.id ?? undefined),
    name: chat.name || chat.displayName || null,
    archived: Boolean(chat.archived),
    pinnedAt: seconds(chat.pinned) * 1000,
    mutedUntil: muted > 0 ? muted : muted === -1 ? -1 : 0,
    unreadCount: Math.max(0, seconds(chat.unreadCount)),
    lastActivity: seconds(chat.conversationTimestamp) * 1000,
  }
}

function contactOf(contact: Contact): HistoryContact {
  const jid = jidNormalizedUser(contact.id)
  const lid = contact.lid ? jidNormalizedUser(contact.lid) : isLidUser(jid) ? jid : null
  return { jid, name: contact.name ?? null, pushName: contact.notify ?? null, phoneNumber: phoneOf(contact.phoneNumber || jid), lid }
}

function messageOf(message: WAMessage, me: Sender): HistoryMessage[] {
  const translated = toInboundMessage(message, me)
  if (!translated) return []
  const status = message.key.fromMe && typeof message.status === 'number' ? (STATUS_BY_RECEIPT[message.status] ?? 'sent') : null
  return [{ message: translated, raw: proto.WebMessageInfo.encode(message).finish(), status }]
}

/** Forwards each chunk of the phone's history (Baileys' messaging-history.set) in our terms. */
export function forwardHistory(socket: WASocket, me: () => Sender, onHistory: (batch: HistoryBatch) => void): void {
  socket.ev.on('messaging-history.set', ({ chats, contacts, messages, syncType, progress }) => {
    const sender = me()
    onHistory({
      kind: (syncType === undefined || syncType === null ? undefined : KINDS[syncType]) ?? 'other',
      chats: chats.filter((chat) => chat.id).map(chatOf),
      contacts: contacts.filter((contact) => contact.id).map(contactOf),
      messages: messages.flatMap((message) => messageOf(message, sender)),
      progress: typeof progress === 'number' ? progress : null,
    })
  })
}
