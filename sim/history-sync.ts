import { deflateSync } from 'node:zlib'
import { proto } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER } from './accounts.js'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { encryptMedia } from './media-crypto.js'
import { sendFromOwnPhone } from './own-phone.js'

const { HistorySyncType } = proto.HistorySync
/** What the phone counts as recent; older messages go only to devices that asked for the full history. */
const RECENT_MS = 90 * 24 * 3600 * 1000

export interface HistoryMessage {
  id: string
  /** written on the phone (or another device of the account) */
  fromMe?: boolean
  text: string
  /** epoch ms */
  timestamp: number
  /** in a group: the member who wrote it (phone number) */
  participant?: string
  /** for fromMe messages: how far it got */
  status?: 'delivered' | 'read'
}

/** A chat on the account's phone, as history sync describes it. */
export interface HistoryChat {
  /** the contact's phone number, or a group JID */
  chat: string
  name?: string
  unreadCount?: number
  archived?: boolean
  /** pinned at (epoch seconds) */
  pinned?: number
  /** muted until (epoch ms; -1 forever) */
  muteEndTime?: number
  /** the phone knows this person by LID (as WhatsApp now mostly does): the history names the chat by LID, with its phone number beside it */
  byLid?: boolean
  /** oldest first */
  messages: HistoryMessage[]
}

const chatJid = (chat: string): string => (chat.includes('@') ? chat : `${chat}@${PN_SERVER}`)

/** The JID the history names the chat by: its LID when the phone knows the person by LID. */
function historyJid(chat: HistoryChat, ctx: SimContext): string {
  return chat.byLid ? `${ctx.accounts.get(chat.chat).lid}@${LID_SERVER}` : chatJid(chat.chat)
}

function webMessage(chat: HistoryChat, message: HistoryMessage, ctx: SimContext): proto.IWebMessageInfo {
  const remoteJid = historyJid(chat, ctx)
  const group = remoteJid.endsWith('@g.us')
  const author = message.participant ?? (group ? undefined : chat.chat)
  return {
    key: { remoteJid, fromMe: message.fromMe ?? false, id: message.id, ...(group && message.participant ? { participant: chatJid(message.participant) } : {}) },
    message: { conversation: message.text },
    messageTimestamp: Math.floor(message.timestamp / 1000),
    ...(!message.fromMe && author && !author.includes('@') ? { pushName: ctx.accounts.get(author).pushName } : {}),
    ...(message.fromMe ? { status: message.status === 'read' ? proto.WebMessageInfo.Status.READ : proto.WebMessageInfo.Status.DELIVERY_ACK } : {})
  }
}

/** The chats with the messages `pick` keeps, newest message first as WhatsApp sends them. */
function conversations(history: HistoryChat[], ctx: SimContext, pick: (chat: HistoryChat) => HistoryMessage[]): proto.IConversation[] {
  return history.map(chat => ({
    id: historyJid(chat, ctx),
    ...(chat.byLid ? { pnJid: chatJid(chat.chat) } : {}),
    ...(chat.name ? { name: chat.name } : {}),
    unreadCount: chat.unreadCount ?? 0,
    archived: chat.archived ?? false,
    ...(chat.pinned ? { pinned: chat.pinned } : {}),
    ...(chat.muteEndTime ? { muteEndTime: chat.muteEndTime } : {}),
    conversationTimestamp: Math.floor(Math.max(0, ...chat.messages.map(m => m.timestamp)) / 1000),
    messages: pick(chat).reverse().map(message => ({ message: webMessage(chat, message, ctx) }))
  }))
}

type Chunk = { type: proto.HistorySync.HistorySyncType; history: proto.IHistorySync; inline: boolean }

/**
 * What a phone sends a newly linked device: the inline bootstrap (its chats with their newest
 * message), the recent messages as a blob on the media host, the contacts' push names, and, when
 * the device asked for it, the full history. A phone with no chats sends the bootstrap and an
 * empty recent chunk, both inline.
 */
function chunks(conn: Connection, ctx: SimContext): Chunk[] {
  const history = conn.account?.history ?? []
  const recentSince = Date.now() - RECENT_MS
  const empty = history.length === 0
  const list: Chunk[] = [
    { type: HistorySyncType.INITIAL_BOOTSTRAP, inline: true, history: { conversations: conversations(history, ctx, chat => chat.messages.slice(-1)) } },
    { type: HistorySyncType.RECENT, inline: empty, history: { conversations: conversations(history, ctx, chat => chat.messages.filter(m => m.timestamp >= recentSince)) } }
  ]
  if (empty) return list
  const contacts = [...new Set(history.flatMap(chat => [chat.chat, ...chat.messages.map(m => m.participant ?? '')]).filter(p => p && !p.includes('@')))]
  list.push({ type: HistorySyncType.PUSH_NAME, inline: true, history: { pushnames: contacts.map(phone => ({ id: chatJid(phone), pushname: ctx.accounts.get(phone).pushName })) } })
  if (conn.linked?.fullHistory) {
    list.push({ type: HistorySyncType.FULL, inline: false, history: { conversations: conversations(history, ctx, chat => chat.messages.filter(m => m.timestamp < recentSince)) } })
  }
  return list
}

async function notification({ type, history, inline }: Chunk, chunkOrder: number, ctx: SimContext): Promise<proto.IMessage> {
  const payload = deflateSync(proto.HistorySync.encode({ ...history, syncType: type, chunkOrder, progress: 100 }).finish())
  const common = { syncType: type as number as proto.Message.HistorySyncType, chunkOrder, progress: 100 }
  if (inline) return { protocolMessage: { type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION, historySyncNotification: { ...common, initialHistBootstrapInlinePayload: payload } } }
  const encrypted = await encryptMedia(payload, 'md-msg-hist')
  const { directPath } = ctx.media.put(encrypted.blob)
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        ...common,
        directPath,
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
        fileLength: payload.length
      }
    }
  }
}

/**
 * The account's own phone sends a newly linked device the key its app state is encrypted with,
 * then its history sync (the key first: the device syncs app state on the first history chunk).
 */
export async function sendInitialHistory(conn: Connection, ctx: SimContext): Promise<void> {
  if (!conn.account) return
  await sendFromOwnPhone(conn, ctx, ctx.appState.keyShare(conn.account.phoneNumber))
  const list = chunks(conn, ctx)
  for (const [order, chunk] of list.entries()) await sendFromOwnPhone(conn, ctx, await notification(chunk, order, ctx))
}
