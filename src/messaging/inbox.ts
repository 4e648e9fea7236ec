import { DomainError, invalidInput } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { ChatSummary, InboundMessageRepository } from '../store/ports.js'
import type { InboundMessage } from './inbound-message.js'
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
    private readonly manager: SessionManager,
  ) {}

  chats(deviceId: string, limit: number): Promise<ChatSummary[]> {
    this.manager.get(deviceId)
    return this.inbound.chats(deviceId, limit)
  }

  /**
   * A chat's received messages, with when the session marked each read (epoch ms, null while
   * unread), and those the account sent from its phone, with their status.
   */
  async messages(deviceId: string, chat: string, limit: number, before?: number): Promise<Array<InboundMessage & { readAt: number | null; status: string | null }>> {
    this.manager.get(deviceId)
    const jid = parseRecipient(chat)
    const records = await this.inbound.listByChat(deviceId, jid, limit, before)
    return records.map((record) => ({ ...(JSON.parse(record.payload) as InboundMessage), readAt: record.readAt, status: record.status }))
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
