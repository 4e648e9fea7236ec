import { DomainError, invalidInput, sessionNotFound } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { MessageRecord, MessageRepository } from '../store/ports.js'
import type { MessageStatus } from './message-status.js'
import type { ForwardedMessage, StatusDelivery } from './outgoing-content.js'
import type { Outbox } from './outbox.js'
import { parseRecipient } from './recipient.js'
import { buildOutgoingMessage, type ContentResolvers, type SendContentInput } from './send-request.js'

/** How a message is accepted. */
export interface SendMode {
  /** Answer at once with the queued message instead of waiting for WhatsApp's ack. */
  queue?: boolean
  idempotencyKey?: string
}

export interface SendRequest extends SendContentInput, SendMode {
  deviceId: string
  number: string
}

export interface SendOutcome {
  record: MessageRecord
  to: string
  /** False when an earlier request with the same idempotency key created the message. */
  created: boolean
}

/** Accepts send requests: validates them, persists them in the outbox and, in synchronous mode, waits for the outcome. */
export class MessageService {
  constructor(
    private readonly manager: SessionManager,
    private readonly outbox: Outbox,
    private readonly messages: MessageRepository,
    private readonly resolvers: Omit<ContentResolvers, 'sentBySession' | 'forwardable'>,
    private readonly sendTimeoutMs: number,
    private readonly forwardable: (deviceId: string, messageId: string) => Promise<ForwardedMessage>,
  ) {}

  async send(request: SendRequest): Promise<SendOutcome> {
    const to = parseRecipient(request.number)
    if ((request.mentions?.length || request.mentionAll) && !to.endsWith('@g.us')) throw invalidInput('mentions and mentionAll are for group chats')
    return this.sendTo(request.deviceId, to, request, request)
  }

  /** Sends content to a JID already checked (a chat, or status@broadcast with `status` set). */
  async sendTo(deviceId: string, to: string, input: SendContentInput, mode: SendMode, statusDelivery?: StatusDelivery): Promise<SendOutcome> {
    // The synchronous (seed) mode sends now or not at all: a session that is down is a 409, not a queued message.
    if (mode.queue) {
      if (!this.manager.exists(deviceId)) throw sessionNotFound(deviceId)
    } else {
      this.manager.requireConnected(deviceId)
    }
    const built = await buildOutgoingMessage(input, {
      ...this.resolvers,
      sentBySession: async (id) => (await this.messages.get(id))?.deviceId === deviceId,
      forwardable: (id) => this.forwardable(deviceId, id),
    })
    const outgoing = statusDelivery ? { ...built, status: statusDelivery } : built
    // The typing shown before the message goes out does not count against the wait for WhatsApp's ack.
    const accepted = await this.outbox.accept(
      deviceId, to, outgoing, mode.idempotencyKey ?? null, mode.queue ? undefined : this.sendTimeoutMs + (outgoing.typingMs ?? 0),
    )
    const { record, created } = accepted
    if (!accepted.settled) return { record, to: record.recipient, created }

    const settled = (await accepted.settled) ?? record
    const status = settled.status as MessageStatus
    if (status === 'failed') {
      throw new DomainError('upstream_failed', settled.error ?? 'WhatsApp did not take the message', { messageId: settled.id, status })
    }
    if (status === 'queued' || status === 'sending') {
      throw new DomainError(
        'timeout',
        `WhatsApp did not confirm the message within ${this.sendTimeoutMs} ms; it stays in the outbox (GET /api/messages/${settled.id})`,
        { messageId: settled.id, status },
      )
    }
    return { record: settled, to: settled.recipient, created }
  }

  /** A message, if the caller may see it: the admin, or the key of the session that sent it. */
  async get(messageId: string): Promise<MessageRecord> {
    const record = await this.messages.get(messageId)
    if (!record) throw new DomainError('not_found', `Message "${messageId}" not found`)
    return record
  }
}
