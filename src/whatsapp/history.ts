import { type Chat, type Contact, isJidStatusBroadcast, isLidUser, jidDecode, jidNormalizedUser, proto, type WAMessage, type WASocket } from '@whiskeysockets/baileys'
import type { Sender } from '../messaging/inbound-message.js'
import type { HistoryBatch, HistoryChat, HistoryContact, HistoryMessage } from '../sessions/whatsapp-port.js'
import { encodedIfMedia, STATUS_BY_RECEIPT, toInboundMessage } from './inbound-translation.js'
import { historyByPhone, InOrder } from './lid-to-phone.js'

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

/** The latest time a Date holds; later mute ends are WhatsApp's "always" (-1 read as unsigned). */
const MAX_DATE_MS = 8.64e15

/** A mute end as WhatsApp gives it (epoch ms, -1 or its unsigned form for always) in our terms: ms, -1, or 0. */
export function muteEnd(value: unknown): number {
  const ms = Number(value ?? 0)
  if (ms === -1 || ms > MAX_DATE_MS) return -1
  return ms > 0 ? ms : 0
}

function chatOf(chat: Chat): HistoryChat {
  return {
    jid: jidNormalizedUser(chat.id ?? undefined),
    name: chat.name || chat.displayName || null,
    archived: Boolean(chat.archived),
    pinnedAt: seconds(chat.pinned) * 1000,
    mutedUntil: muteEnd(chat.muteEndTime),
    unreadCount: Math.max(0, seconds(chat.unreadCount)),
    lastActivity: seconds(chat.conversationTimestamp) * 1000,
  }
}

const isPerson = (jid: string): boolean => jid.endsWith('@s.whatsapp.net') || isLidUser(jid) === true

/** A contact under its phone-number JID where the history gives it (as chats and messages are). */
function contactOf(contact: Contact): HistoryContact {
  const given = jidNormalizedUser(contact.id)
  const lid = contact.lid ? jidNormalizedUser(contact.lid) : isLidUser(given) ? given : null
  const phoneNumber = phoneOf(contact.phoneNumber || given)
  return { jid: phoneNumber ? `${phoneNumber}@s.whatsapp.net` : given, name: contact.name ?? null, pushName: contact.notify ?? null, phoneNumber, lid }
}

function messageOf(message: WAMessage, me: Sender): HistoryMessage[] {
  const translated = toInboundMessage(message, me)
  if (!translated) return []
  const status = message.key.fromMe && typeof message.status === 'number' ? (STATUS_BY_RECEIPT[message.status] ?? 'sent') : null
  return [{ message: translated, raw: encodedIfMedia(translated, message), status }]
}

/** Forwards each chunk of the phone's history (Baileys' messaging-history.set) in our terms. */
export function forwardHistory(socket: WASocket, me: () => Sender, onHistory: (batch: HistoryBatch) => void): void {
  const next = new InOrder()
  const resolve = (lid: string) => socket.signalRepository.lidMapping.getPNForLID(lid)
  socket.ev.on('messaging-history.set', ({ chats, contacts, messages, syncType, progress }) => {
    const sender = me()
    const batch: HistoryBatch = {
      kind: (syncType === undefined || syncType === null ? undefined : KINDS[syncType]) ?? 'other',
      chats: chats.filter((chat) => chat.id && !isJidStatusBroadcast(chat.id)).map(chatOf),
      // Baileys makes a contact of every conversation, groups and channels included: people only.
      contacts: contacts.filter((contact) => contact.id && isPerson(contact.id)).map(contactOf),
      messages: messages.flatMap((message) => messageOf(message, sender)),
      progress: typeof progress === 'number' ? progress : null,
    }
    next.run(async () => onHistory(await historyByPhone(batch, resolve)))
  })
}
