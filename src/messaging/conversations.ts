import type { Logger } from 'pino'
import { DomainError } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { AccountPresence, ChatPresence, Conversations, ReadTarget } from '../sessions/whatsapp-port.js'
import type { ContactRepository, InboundMessageRepository, InboundRecord } from '../store/ports.js'
import { type ChatKind, chatKind } from './chat-kind.js'
import type { InboundMessage } from './inbound-message.js'
import { parseChat, parsePerson } from './recipient.js'

const READ_AUTOMATICALLY: ReadonlySet<ChatKind> = new Set(['person', 'group'])

/** The most messages one read request marks (a chat's whole backlog in one call would be one huge stanza). */
export const MAX_READ_PER_REQUEST = 1000

/**
 * What an application does in a chat besides sending: mark received messages read, show typing,
 * set the account online or offline, follow a contact's presence. Needs the session connected.
 */
export class ConversationService {
  constructor(
    private readonly manager: SessionManager,
    private readonly inbound: InboundMessageRepository,
    private readonly contacts: ContactRepository,
  ) {}

  /**
   * Sends read receipts for these received messages of the chat, or for all its unread ones, and
   * records them as read. Returns how many were marked.
   */
  async markRead(deviceId: string, chatInput: string, messageIds?: readonly string[]): Promise<number> {
    const chat = parseChat(chatInput)
    const conversations = this.conversationsOf(deviceId)
    const records = messageIds === undefined
      ? await this.inbound.unread(deviceId, chat, MAX_READ_PER_REQUEST)
      : await this.receivedIn(deviceId, chat, messageIds)
    if (records.length === 0) return 0
    await conversations.markRead(chat, records.map(readTarget))
    await this.inbound.markRead(deviceId, records.map((record) => record.id), Date.now())
    return records.length
  }

  async setChatPresence(deviceId: string, chatInput: string, state: ChatPresence): Promise<void> {
    const chat = parseChat(chatInput)
    await this.conversationsOf(deviceId).setChatPresence(chat, state)
  }

  async setPresence(deviceId: string, state: AccountPresence): Promise<void> {
    await this.conversationsOf(deviceId).setPresence(state)
  }

  /** Returns the JID subscribed to. The subscription is kept and renewed after every reconnect. */
  async subscribePresence(deviceId: string, contactInput: string): Promise<string> {
    const jid = parsePerson(contactInput, 'Presence is followed per person: contact must be a phone number or a user JID, not a group')
    await this.conversationsOf(deviceId).subscribePresence(jid)
    await this.contacts.followPresence(deviceId, jid)
    return jid
  }

  /**
   * WhatsApp forgets presence subscriptions when a connection ends: each time a session connects
   * (on whichever node runs it), its followed contacts are subscribed to again.
   */
  renewPresenceSubscriptions(bus: EventBus, logger: Logger): () => void {
    return bus.subscribe('session.status', ({ deviceId, state }) => {
      const connection = state === 'connected' ? this.manager.liveConnection(deviceId) : null
      if (!connection) return
      void (async () => {
        for (const jid of await this.contacts.presenceFollowed(deviceId)) await connection.conversations.subscribePresence(jid)
      })().catch((error: unknown) => logger.warn({ err: error, deviceId }, 'could not renew presence subscriptions'))
    })
  }

  /**
   * For sessions with autoRead on: each received message is marked read as it is stored (and
   * evented), on the node running the session. A failure is logged; the message stays unread.
   */
  readAutomatically(bus: EventBus, logger: Logger): () => void {
    return bus.subscribe('message.received', ({ deviceId, message }) => {
      // People and groups only: reading a status update or a channel post says "seen" to its author.
      if (!READ_AUTOMATICALLY.has(chatKind(message.chat))) return
      if (!this.manager.settings(deviceId)?.autoRead) return
      const connection = this.manager.liveConnection(deviceId)
      if (!connection) return
      void (async () => {
        await connection.conversations.markRead(message.chat, [readTargetOf(message)])
        await this.inbound.markRead(deviceId, [message.id], Date.now())
      })().catch((error: unknown) => logger.warn({ err: error, deviceId, messageId: message.id }, 'could not mark a received message read'))
    })
  }

  private conversationsOf(deviceId: string): Conversations {
    return this.manager.requireConnection(deviceId).conversations
  }

  /** The stored received messages with these ids, all of this chat, or a 404 naming those that are not. */
  private async receivedIn(deviceId: string, chat: string, ids: readonly string[]): Promise<InboundRecord[]> {
    const unique = [...new Set(ids)]
    const received = (await this.inbound.getMany(deviceId, unique)).filter((record) => record.chat === chat && !record.fromMe)
    const found = new Map(received.map((record) => [record.id, record]))
    const missing = unique.filter((id) => !found.has(id))
    if (missing.length > 0) {
      throw new DomainError('not_found', `No received message of ${chat} with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`)
    }
    return unique.map((id) => found.get(id)!)
  }
}

/** A group's receipt names the member who sent the message, by the address WhatsApp used for them. */
function readTargetOf(message: InboundMessage): ReadTarget {
  return { id: message.id, sender: message.isGroup ? (message.sender.lid ?? message.sender.jid) : null }
}

const readTarget = (record: InboundRecord): ReadTarget => readTargetOf(JSON.parse(record.payload) as InboundMessage)
