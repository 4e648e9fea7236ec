import type { Logger } from 'pino'
import type { EventBus } from '../events/event-bus.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { ConnectionClosedError, type EngineMessageStatus } from '../sessions/whatsapp-port.js'
import type { MessageRecord, MessageRepository, SessionRepository } from '../store/ports.js'
import { decodeMessage, encodeMessage } from './message-codec.js'
import { canTransition, isSettled, MESSAGE_STATUSES, type MessageStatus } from './message-status.js'
import type { OutgoingMessage } from './outgoing-content.js'
import type { SendPacer } from './send-pacer.js'

export interface OutboxOptions {
  messages: MessageRepository
  sessions: SessionRepository
  manager: SessionManager
  bus: EventBus
  pacer: SendPacer
  /** Messages per minute per session unless the session sets its own; 0 is unlimited. */
  defaultRatePerMinute: number
  /** How long a written message may wait for the server's ack before it is failed. */
  ackTimeoutMs: number
  logger: Logger
  newMessageId: () => string
  /**
   * Whether a phone-number recipient has WhatsApp. Without this check a message to a number that
   * has none is acknowledged by the server and then reaches no device, silently.
   */
  recipientExists: (deviceId: string, jid: string) => Promise<boolean>
}

export interface AcceptedMessage {
  record: MessageRecord
  /** False when an earlier request with the same idempotency key already created it. */
  created: boolean
}

const ACK_SWEEP_INTERVAL_MS = 1000

/** For each status, the statuses a message may come from (message-status.ts decides). */
const ALLOWED_FROM = Object.fromEntries(
  MESSAGE_STATUSES.map((to) => [to, MESSAGE_STATUSES.filter((from) => canTransition(from, to))]),
) as Record<MessageStatus, MessageStatus[]>

/**
 * The durable outbox: every message is stored before it is attempted, sent in order per session
 * when the session is connected, and followed through acks and receipts to a final status.
 * A message caught mid-send by a crash or a dropped connection is sent again under the same
 * WhatsApp id, which recipients de-duplicate.
 */
export class Outbox {
  private readonly draining = new Set<string>()
  private readonly drainAgain = new Set<string>()
  private readonly pacingTimers = new Map<string, NodeJS.Timeout>()
  /** Written messages waiting for the server ack: id -> deadline. */
  private readonly awaitingAck = new Map<string, number>()
  private readonly waiters = new Map<string, Set<(record: MessageRecord) => void>>()
  private readonly sweeper: NodeJS.Timeout
  private readonly unsubscribe: Array<() => void>

  constructor(private readonly options: OutboxOptions) {
    const { bus } = options
    this.unsubscribe = [
      bus.subscribe('session.status', ({ deviceId, state }) => {
        if (state === 'connected') this.kick(deviceId)
        else this.requeueInterrupted(deviceId)
      }),
      bus.subscribe('engine.message-status', ({ messageId, status, error }) => this.applyEngineStatus(messageId, status, error)),
    ]
    this.sweeper = setInterval(() => this.failUnacknowledged(), ACK_SWEEP_INTERVAL_MS)
    this.sweeper.unref()
  }

  /** After a restart: messages that were mid-send go back to the queue, then every queue is worked on. */
  resume(): void {
    const requeued = this.options.messages.requeueSending()
    if (requeued.length > 0) this.options.logger.info({ count: requeued.length }, 'requeued messages interrupted by a restart')
    for (const deviceId of this.options.messages.devicesWithQueued()) this.kick(deviceId)
  }

  accept(deviceId: string, recipient: string, message: OutgoingMessage, idempotencyKey: string | null): AcceptedMessage {
    const { json, media } = encodeMessage(message)
    const accepted = this.options.messages.insertOrGetExisting({
      id: this.options.newMessageId(),
      deviceId,
      recipient,
      type: message.content.type,
      content: json,
      media,
      status: 'queued',
      idempotencyKey,
    })
    if (accepted.created) {
      this.publish(accepted.record)
      this.kick(deviceId)
    }
    return accepted
  }

  get(id: string): MessageRecord | undefined {
    return this.options.messages.get(id)
  }

  /** Resolves with the message once it has a final answer (sent or later, or failed), or as it is after timeoutMs. */
  waitUntilSettled(id: string, timeoutMs: number): Promise<MessageRecord | undefined> {
    const current = this.options.messages.get(id)
    if (!current || isSettled(current.status as MessageStatus)) return Promise.resolve(current)
    return new Promise((resolve) => {
      const waiters = this.waiters.get(id) ?? new Set()
      this.waiters.set(id, waiters)
      const done = (record: MessageRecord | undefined): void => {
        clearTimeout(timer)
        waiters.delete(onSettled)
        if (waiters.size === 0) this.waiters.delete(id)
        resolve(record)
      }
      const onSettled = (record: MessageRecord): void => done(record)
      const timer = setTimeout(() => done(this.options.messages.get(id)), timeoutMs)
      waiters.add(onSettled)
    })
  }

  close(): void {
    clearInterval(this.sweeper)
    for (const timer of this.pacingTimers.values()) clearTimeout(timer)
    this.pacingTimers.clear()
    for (const unsubscribe of this.unsubscribe) unsubscribe()
  }

  /** Works through a session's queue unless that is already under way. */
  kick(deviceId: string): void {
    if (this.draining.has(deviceId)) {
      this.drainAgain.add(deviceId)
      return
    }
    this.draining.add(deviceId)
    void this.drain(deviceId)
      .catch((error: unknown) => this.options.logger.error({ err: error, deviceId }, 'outbox drain failed'))
      .finally(() => {
        this.draining.delete(deviceId)
        if (this.drainAgain.delete(deviceId)) this.kick(deviceId)
      })
  }

  private async drain(deviceId: string): Promise<void> {
    const { messages, manager, pacer } = this.options
    for (;;) {
      if (this.pacingTimers.has(deviceId)) return
      const connection = manager.liveConnection(deviceId)
      if (!connection) return
      const [next] = messages.nextQueued(deviceId, 1)
      if (!next) return
      const wait = pacer.take(deviceId, this.rateFor(deviceId))
      if (wait > 0) {
        this.pacingTimers.set(deviceId, setTimeout(() => {
          this.pacingTimers.delete(deviceId)
          this.kick(deviceId)
        }, wait))
        return
      }
      if (!this.transition(next.id, 'sending', null)) continue
      let outgoing: OutgoingMessage
      try {
        outgoing = decodeMessage(next.content, messages.media(next.id))
      } catch (error) {
        this.transition(next.id, 'failed', (error as Error).message)
        continue
      }
      try {
        if (next.recipient.endsWith('@s.whatsapp.net') && !(await this.options.recipientExists(deviceId, next.recipient))) {
          this.transition(next.id, 'failed', `${next.recipient.split('@')[0]} is not on WhatsApp`)
          continue
        }
        const written = await connection.send(next.recipient, outgoing, next.id)
        messages.markWritten(next.id, written.encoded)
        this.awaitingAck.set(next.id, Date.now() + this.options.ackTimeoutMs)
      } catch (error) {
        if (error instanceof ConnectionClosedError || !manager.liveConnection(deviceId)) {
          this.transition(next.id, 'queued', null)
          return
        }
        this.transition(next.id, 'failed', `WhatsApp could not send the message: ${(error as Error).message}`)
      }
    }
  }

  private rateFor(deviceId: string): number {
    return this.options.sessions.get(deviceId)?.sendRatePerMinute ?? this.options.defaultRatePerMinute
  }

  private applyEngineStatus(messageId: string, status: EngineMessageStatus, error: string | null): void {
    if (status === 'sent' || status === 'failed') this.awaitingAck.delete(messageId)
    const reason = status === 'failed' ? `WhatsApp rejected the message${error ? ` (error ${error})` : ''}` : null
    this.transition(messageId, status, reason)
  }

  private requeueInterrupted(deviceId: string): void {
    for (const id of this.options.messages.requeueSending(deviceId)) {
      this.awaitingAck.delete(id)
      const record = this.options.messages.get(id)
      if (record) this.publish(record)
    }
  }

  private failUnacknowledged(): void {
    const now = Date.now()
    for (const [id, deadline] of this.awaitingAck) {
      if (deadline > now) continue
      this.awaitingAck.delete(id)
      this.transition(id, 'failed', `WhatsApp did not acknowledge the message within ${this.options.ackTimeoutMs} ms`)
    }
  }

  /** Applies a status change when it is allowed; returns whether it happened. */
  private transition(id: string, status: MessageStatus, error: string | null): boolean {
    const updated = this.options.messages.transition(id, status, status === 'failed' ? error : null, ALLOWED_FROM[status])
    if (!updated) return false
    this.publish(updated)
    if (isSettled(status)) for (const waiter of this.waiters.get(id) ?? []) waiter(updated)
    return true
  }

  private publish(record: MessageRecord): void {
    this.options.bus.publish('message.status', {
      deviceId: record.deviceId,
      messageId: record.id,
      type: record.type,
      status: record.status as MessageStatus,
      error: record.error,
    })
  }
}
