import { askingWhatsApp, DomainError, invalidInput } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { ChatActions, ChatEvent, MessageRef } from '../sessions/whatsapp-port.js'
import { type ChatRepository, type InboundMessageRepository, type MessageRepository, MUTED_FOREVER } from '../store/ports.js'
import type { ChatLedger } from './chat-ledger.js'
import type { InboundMessage } from './inbound-message.js'
import { parseChat } from './recipient.js'

/** The longest mute WhatsApp offers short of "always" is a week; a year is allowed. */
export const MAX_MUTE_SECONDS = 366 * 24 * 3600

/** Statuses of API sends WhatsApp has seen: only those can be a chat's newest message for it. */
const ON_WHATSAPP = new Set(['sent', 'delivered', 'read', 'played'])

/**
 * Chat settings shared with every device of the account (archive, pin, mute, mark unread, delete,
 * star, delete for me): sent to WhatsApp as app-state patches, then stored and announced.
 */
export class ChatActionService {
  constructor(
    private readonly manager: SessionManager,
    private readonly chats: ChatRepository,
    private readonly inbound: InboundMessageRepository,
    private readonly outbox: MessageRepository,
    private readonly ledger: ChatLedger,
  ) {}

  archive(deviceId: string, chatInput: string, archived: boolean): Promise<void> {
    return this.change(deviceId, chatInput, async (actions, jid) => {
      await actions.archive(jid, archived, await this.newest(deviceId, jid))
      return { kind: 'chat', jid, change: { archived } }
    })
  }

  pin(deviceId: string, chatInput: string, pinned: boolean): Promise<void> {
    return this.change(deviceId, chatInput, async (actions, jid) => {
      await actions.pin(jid, pinned)
      return { kind: 'chat', jid, change: { pinnedAt: pinned ? Date.now() : 0 } }
    })
  }

  /** Mutes for `seconds`, or for good when undefined; null unmutes. */
  mute(deviceId: string, chatInput: string, seconds: number | undefined | null): Promise<void> {
    return this.change(deviceId, chatInput, async (actions, jid) => {
      const until = seconds === null ? null : seconds === undefined ? MUTED_FOREVER : Date.now() + seconds * 1000
      await actions.mute(jid, until)
      return { kind: 'chat', jid, change: { mutedUntil: until ?? 0 } }
    })
  }

  markUnread(deviceId: string, chatInput: string): Promise<void> {
    return this.change(deviceId, chatInput, async (actions, jid) => {
      await actions.markUnread(jid, true, await this.newest(deviceId, jid))
      return { kind: 'chat', jid, change: { markedUnread: true } }
    })
  }

  /** Reading a whole chat that was marked unread clears the mark, here and on the account's other devices. */
  async clearMarkedUnread(deviceId: string, chatInput: string): Promise<void> {
    const jid = parseChat(chatInput)
    if (!(await this.chats.get(deviceId, jid))?.markedUnread) return
    await this.change(deviceId, jid, async (actions) => {
      await actions.markUnread(jid, false, await this.newest(deviceId, jid))
      return { kind: 'chat', jid, change: { markedUnread: false } }
    })
  }

  delete(deviceId: string, chatInput: string): Promise<void> {
    return this.change(deviceId, chatInput, async (actions, jid) => {
      await actions.delete(jid, await this.newest(deviceId, jid))
      return { kind: 'chat-deleted', jid }
    })
  }

  star(deviceId: string, chatInput: string, messageId: string, starred: boolean): Promise<void> {
    return this.change(deviceId, chatInput, async (actions, jid) => {
      await actions.star(jid, await this.message(deviceId, jid, messageId), starred)
      return { kind: 'message-starred', jid, messageId, starred }
    })
  }

  deleteForMe(deviceId: string, chatInput: string, messageId: string): Promise<void> {
    return this.change(deviceId, chatInput, async (actions, jid) => {
      await actions.deleteForMe(jid, await this.message(deviceId, jid, messageId))
      return { kind: 'message-deleted', jid, messageId }
    })
  }

  private async change(deviceId: string, chatInput: string, apply: (actions: ChatActions, jid: string) => Promise<ChatEvent>): Promise<void> {
    const jid = parseChat(chatInput)
    const event = await apply(askingWhatsApp(this.manager.requireConnection(deviceId).chats), jid)
    await this.ledger.record(deviceId, event, 'api')
  }

  /** The chat's newest message WhatsApp knows, received or sent, for the checks WhatsApp makes. */
  private async newest(deviceId: string, jid: string): Promise<MessageRef | null> {
    const [received] = await this.inbound.listByChat(deviceId, jid, 1)
    const sent = (await this.outbox.listByRecipient(deviceId, jid, 5)).find((record) => ON_WHATSAPP.has(record.status))
    const candidates: MessageRef[] = []
    if (received) candidates.push(refOf(JSON.parse(received.payload) as InboundMessage))
    if (sent) candidates.push({ id: sent.id, fromMe: true, participant: null, timestamp: sent.createdAt })
    return candidates.sort((a, b) => b.timestamp - a.timestamp)[0] ?? null
  }

  /** A stored message of this chat, either side, or a 404. */
  private async message(deviceId: string, jid: string, messageId: string): Promise<MessageRef> {
    if (messageId.length === 0 || messageId.length > 128) throw invalidInput('messageId must be 1 to 128 characters')
    const received = await this.inbound.get(deviceId, messageId)
    if (received?.chat === jid) return refOf(JSON.parse(received.payload) as InboundMessage)
    const sent = await this.outbox.get(messageId)
    if (sent?.deviceId === deviceId && sent.recipient === jid) return { id: sent.id, fromMe: true, participant: null, timestamp: sent.createdAt }
    throw new DomainError('not_found', `Message "${messageId}" not found in chat "${jid}" of session "${deviceId}"`)
  }
}

function refOf(message: InboundMessage): MessageRef {
  return {
    id: message.id,
    fromMe: message.fromMe ?? false,
    participant: message.isGroup && !message.fromMe ? (message.sender.lid ?? message.sender.jid) : null,
    timestamp: message.timestamp,
  }
}
