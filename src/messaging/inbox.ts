import { DomainError, invalidInput } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { KeptFiles } from '../media/media-store.js'
import type { ChatListing, ChatRepository, InboundMessageRepository, MessageRepository } from '../store/ports.js'
import { type ChatMessage, receivedOrDeviceSent, sentThroughApi } from './chat-message.js'
import type { InboundMessage, Sender } from './inbound-message.js'
import { parseRecipient } from './recipient.js'

export interface MediaDownload {
  stream: NodeJS.ReadableStream
  mimetype: string
  fileName: string | null
}

/** A chat of the list: its settings, unread count, display name and newest message. */
export interface ChatEntry extends ChatListing {
  /** The chat's own name (group subject, address book), else the contact's push name. */
  displayName: string | null
  lastMessage: ChatMessage | null
}

/** Reads back what sessions hold: chats, messages per chat (both sides), and media. */
export class Inbox {
  constructor(
    private readonly inbound: InboundMessageRepository,
    private readonly outbox: MessageRepository,
    private readonly chatStore: ChatRepository,
    private readonly manager: SessionManager,
    /** Media kept as they arrived (MEDIA_AUTO_DOWNLOAD), served without WhatsApp. */
    private readonly kept: KeptFiles,
  ) {}

  /** Pinned chats first, then by newest activity; each with its newest message. */
  async chats(deviceId: string, limit: number): Promise<ChatEntry[]> {
    this.manager.get(deviceId)
    const listings = await this.chatStore.list(deviceId, limit)
    return Promise.all(listings.map(async (chat) => {
      const [lastMessage = null] = await this.messagesOf(deviceId, chat.jid, 1, undefined, chat.clearedAt)
      const senderName = lastMessage && !lastMessage.fromMe && !lastMessage.isGroup ? lastMessage.sender.pushName : null
      return { ...chat, displayName: chat.name ?? chat.contactName ?? chat.pushName ?? senderName, lastMessage }
    }))
  }

  /**
   * Both sides of a chat, newest first: what the session received, what the account sent from its
   * phone, and what it sent through this API. Each source gives its newest `limit`, and the merge
   * keeps the newest `limit` of them, so `before` pages through all three alike.
   */
  async messages(deviceId: string, chat: string, limit: number, before?: number): Promise<ChatMessage[]> {
    const jid = parseRecipient(chat)
    return this.messagesOf(deviceId, jid, limit, before, (await this.chatStore.get(deviceId, jid))?.clearedAt ?? 0)
  }

  /**
   * messages() for a JID as stored (any chat the list shows, broadcast and channel ones included),
   * with the time the chat was deleted, when it was: its earlier messages stay hidden (API sends
   * are kept in the outbox, and a later history chunk may bring received ones back).
   */
  private async messagesOf(deviceId: string, jid: string, limit: number, before: number | undefined, clearedAt: number): Promise<ChatMessage[]> {
    const session = this.manager.get(deviceId)
    const [stored, sent] = await Promise.all([
      this.inbound.listByChat(deviceId, jid, limit, before),
      this.outbox.listByRecipient(deviceId, jid, limit, before),
    ])
    const account = accountOf(session.phoneNumber, session.pushName)
    const merged = [
      ...stored.filter((record) => record.timestamp > clearedAt).map(receivedOrDeviceSent),
      ...sent.filter((record) => record.createdAt > clearedAt).map((record) => sentThroughApi(record, account)),
    ]
    const marks = await this.chatStore.messageMarks(deviceId, merged.map((message) => message.id))
    return merged
      .filter((message) => !marks.get(message.id)?.hidden)
      .map((message) => ({ ...message, starred: marks.get(message.id)?.starred ?? false }))
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, limit)
  }

  /** Streams a received message's media; WhatsApp is asked to re-upload it when the link has expired. */
  async media(deviceId: string, messageId: string): Promise<MediaDownload> {
    const record = await this.inbound.get(deviceId, messageId)
    if (!record) throw new DomainError('not_found', `Message "${messageId}" not found in session "${deviceId}"`)
    const message = JSON.parse(record.payload) as InboundMessage
    const raw = await this.inbound.raw(deviceId, messageId)
    if (!message.media || !raw) throw invalidInput(`Message "${messageId}" has no media`)
    const mimetype = message.media.mimetype ?? 'application/octet-stream'
    const keptAs = await this.kept.records.get(deviceId, messageId)
    // A store that fails now leaves WhatsApp to answer, as if nothing had been kept.
    const keptFile = keptAs && (await this.kept.store.get(keptAs.key).catch(() => undefined))
    if (keptFile) return { stream: keptFile, mimetype, fileName: message.media.fileName }
    const connection = this.manager.requireConnection(deviceId)
    try {
      const { stream, updatedRaw } = await connection.downloadMedia(raw)
      if (updatedRaw) await this.inbound.updateRaw(deviceId, messageId, updatedRaw)
      return { stream, mimetype, fileName: message.media.fileName }
    } catch (error) {
      throw new DomainError('upstream_failed', `Could not download the media: ${(error as Error).message}`)
    }
  }
}

/** The account as the sender of its API sends; its LID is not kept with the session. */
function accountOf(phoneNumber: string | null, pushName: string | null): Sender {
  return { jid: phoneNumber ? `${phoneNumber}@s.whatsapp.net` : '', phoneNumber, lid: null, pushName }
}
