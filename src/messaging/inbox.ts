import { DomainError, invalidInput } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { ChatSummary, InboundMessageRepository, MessageRepository } from '../store/ports.js'
import { type ChatMessage, receivedOrDeviceSent, sentThroughApi } from './chat-message.js'
import type { InboundMessage, Sender } from './inbound-message.js'
import { parseRecipient } from './recipient.js'

export interface MediaDownload {
  stream: NodeJS.ReadableStream
  mimetype: string
  fileName: string | null
}

/** Reads back what sessions received: chats, messages per chat, and media. */
export class Inbox {
  constructor(
    private readonly inbound: InboundMessageRepository,
    private readonly outbox: MessageRepository,
    private readonly manager: SessionManager,
  ) {}

  chats(deviceId: string, limit: number): Promise<ChatSummary[]> {
    this.manager.get(deviceId)
    return this.inbound.chats(deviceId, limit)
  }

  /**
   * Both sides of a chat, newest first: what the session received, what the account sent from its
   * phone, and what it sent through this API. Each source gives its newest `limit`, and the merge
   * keeps the newest `limit` of them, so `before` pages through all three alike.
   */
  async messages(deviceId: string, chat: string, limit: number, before?: number): Promise<ChatMessage[]> {
    const session = this.manager.get(deviceId)
    const jid = parseRecipient(chat)
    const [stored, sent] = await Promise.all([
      this.inbound.listByChat(deviceId, jid, limit, before),
      this.outbox.listByRecipient(deviceId, jid, limit, before),
    ])
    const account = accountOf(session.phoneNumber, session.pushName)
    return [...stored.map(receivedOrDeviceSent), ...sent.map((record) => sentThroughApi(record, account))]
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
    const connection = this.manager.requireConnection(deviceId)
    try {
      const { stream, updatedRaw } = await connection.downloadMedia(raw)
      if (updatedRaw) await this.inbound.updateRaw(deviceId, messageId, updatedRaw)
      return { stream, mimetype: message.media.mimetype ?? 'application/octet-stream', fileName: message.media.fileName }
    } catch (error) {
      throw new DomainError('upstream_failed', `Could not download the media: ${(error as Error).message}`)
    }
  }
}

/** The account as the sender of its API sends; its LID is not kept with the session. */
function accountOf(phoneNumber: string | null, pushName: string | null): Sender {
  return { jid: phoneNumber ? `${phoneNumber}@s.whatsapp.net` : '', phoneNumber, lid: null, pushName }
}
