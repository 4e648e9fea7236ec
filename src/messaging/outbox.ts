import type { Logger } from 'pino'
import { DomainError } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { ConnectionClosedError, type EngineMessageStatus, type WhatsAppConnection } from '../sessions/whatsapp-port.js'
import type { MessageRecord, MessageRepository } from '../store/ports.js'
import type { SessionCatalog } from '../store/session-catalog.js'
import { describeStorageFailure } from '../store/storage-failure.js'
import { decodeMessage, encodeMessage } from './message-codec.js'
import { ALLOWED_FROM, isSettled, type MessageStatus } from './message-status.js'
import type { OutgoingMessage } from './outgoing-content.js'
import type { SendPacer } from './send-pacer.js'
import type { SentContents } from './sent-contents.js'
import { showTypingBefore } from './typing.js'

export interface OutboxOptions {
  messages: MessageRepository
  /** Where a retry receipt finds a message to re-send, its record written or not. */
  sentContents: SentContents
  sessions: SessionCatalog
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
  /** A message was queued: with several nodes, the one running the session must hear of it. */
  onQueued?: (deviceId: string) => void
  /** A status the outbox could not apply: it may be about a message the account sent from another device. */
  onOtherStatus?: (deviceId: string, messageId: string, status: EngineMessageStatus) => Promise<void>
}

export interface AcceptedMessage {
  record: MessageRecord
  /** False when an earlier request with the same idempotency key already created it. */
  created: boolean
  /** With settleWithinMs: the message once it has a final answer, or as it is when the time is up. */
  settled?: Promise<MessageRecord | undefined>
}

/** A synchronous request following one message to its final status. */
interface Waiter {
  offer: (record: MessageRecord) => void
  fail: (error: unknown) => void
}

const ACK_SWEEP_INTERVAL_MS = 1000
/**
 * How long the bytes of a message on the wire wait to be stored in the same statement as WhatsApp's
 * ack (one write instead of two), before they are stored alone. An ack comes within milliseconds.
 */
const WRITE_RECORD_WAIT_MS = 250

/** A message's bytes, on the wire and not yet stored. */
interface UnrecordedWrite {
  deviceId: string
  encoded: Uint8Array
  writtenAt: number
  /** Settles with the write that stores them: SentContents serves them from memory until then. */
  recorded: (write: Promise<unknown>) => void
}
/** Queued messages read per query, and the most a session's in-memory queue holds (beyond it, the database is read). */
const QUEUE_BATCH = 32

/**
 * The durable outbox: every message is stored before it is attempted, sent in order per session
 * when the session is connected, and followed through acks and receipts to a final status.
 * A message caught mid-send by a crash or a dropped connection is sent again under the same
 * WhatsApp id, which recipients de-duplicate.
 */
export class Outbox {
  private readonly draining = new Set<string>()
  private readonly drainAgain = new Set<string>()
  /** Per session, its whole queue (oldest first) when this node knows it; otherwise the database is read. */
  private readonly knownQueues = new Map<string, MessageRecord[]>()
  private readonly pacingTimers = new Map<string, NodeJS.Timeout>()
  /** Written messages waiting for the server ack: id -> deadline. */
  private readonly awaitingAck = new Map<string, number>()
  /**
   * Messages on the wire whose `sending` event has not gone out. It is published once their bytes
   * are stored, but WhatsApp's ack may be recorded and published first: the later status then
   * announces `sending` before itself, so subscribers always see the statuses in order.
   */
  private readonly sendingUnannounced = new Set<string>()
  /** By message id, oldest first: stored with the message's next status, or alone after WRITE_RECORD_WAIT_MS. */
  private readonly unrecordedWrites = new Map<string, UnrecordedWrite>()
  private unrecordedTimer: NodeJS.Timeout | undefined
  private readonly waiters = new Map<string, Set<Waiter>>()
  private readonly sweeper: NodeJS.Timeout
  private readonly unsubscribe: Array<() => void>

  constructor(private readonly options: OutboxOptions) {
    const { bus } = options
    this.unsubscribe = [
      bus.subscribe('session.status', ({ deviceId, state }) => {
        if (state === 'connected') this.kick(deviceId)
        else {
          this.knownQueues.delete(deviceId)
          // Stored first, in the same order of writes, so the requeue finds these messages mid-send.
          void this.recordWritesOf(deviceId)
          this.settle(this.requeueInterrupted(deviceId), { deviceId })
        }
      }),
      bus.subscribe('engine.message-status', ({ deviceId, messageId, status, error }) =>
        this.settle(this.applyEngineStatus(deviceId, messageId, status, error), { messageId })),
    ]
    this.sweeper = setInterval(() => this.failUnacknowledged(), ACK_SWEEP_INTERVAL_MS)
    this.sweeper.unref()
  }

  /** After a restart: messages that were mid-send go back to the queue, then every queue is worked on. */
  async resume(): Promise<void> {
    const requeued = await this.options.messages.requeueSending()
    if (requeued.length > 0) this.options.logger.info({ count: requeued.length }, 'requeued messages interrupted by a restart')
    await this.kickQueued(() => true)
  }

  /** Works on every queue that holds messages and passes `runsHere` (with several nodes, the sessions this node runs). */
  async kickQueued(runsHere: (deviceId: string) => boolean): Promise<void> {
    for (const deviceId of await this.options.messages.devicesWithQueued()) if (runsHere(deviceId)) this.kick(deviceId)
  }

  /**
   * Stores a message in the queue and has it sent. With `settleWithinMs`, `settled` resolves once the
   * message has a final answer (sent or later, or failed), or as it is when that time is up.
   */
  async accept(
    deviceId: string,
    recipient: string,
    message: OutgoingMessage,
    idempotencyKey: string | null,
    settleWithinMs?: number,
  ): Promise<AcceptedMessage> {
    const { json, media } = encodeMessage(message)
    const id = this.options.newMessageId()
    // Watching starts before the message exists, so no status can land unseen and nothing needs reading back.
    const watch = settleWithinMs === undefined ? undefined : this.watch(id, settleWithinMs)
    let accepted: { record: MessageRecord; created: boolean }
    try {
      accepted = await this.options.messages.insertOrGetExisting({
        id, deviceId, recipient, type: message.content.type, content: json, media, status: 'queued', idempotencyKey,
      })
    } catch (error) {
      watch?.cancel()
      throw error
    }
    if (!accepted.created) {
      // The first request with this idempotency key made the message: follow that one instead.
      watch?.cancel()
      return { ...accepted, ...(settleWithinMs === undefined ? {} : { settled: this.waitUntilSettled(accepted.record.id, settleWithinMs) }) }
    }
    this.publish(accepted.record)
    const known = this.knownQueues.get(deviceId)
    if (known && known.length < QUEUE_BATCH) known.push(accepted.record)
    else this.knownQueues.delete(deviceId)
    this.work(deviceId)
    this.options.onQueued?.(deviceId)
    return { ...accepted, ...(watch ? { settled: watch.settled } : {}) }
  }

  get(id: string): Promise<MessageRecord | undefined> {
    return this.options.messages.get(id)
  }

  /** Resolves with the message once it has a final answer (sent or later, or failed), or as it is after timeoutMs. */
  private waitUntilSettled(id: string, timeoutMs: number): Promise<MessageRecord | undefined> {
    // Listening starts before the read, so a status that lands in between is not missed.
    const watch = this.watch(id, timeoutMs)
    this.options.messages.get(id).then((current) => {
      if (!current || isSettled(current.status as MessageStatus)) watch.offer(current)
    }, watch.fail)
    return watch.settled
  }

  /** Listens for the message's final status from now on; after timeoutMs it answers with the message as stored. */
  private watch(id: string, timeoutMs: number): {
    settled: Promise<MessageRecord | undefined>
    offer: (record: MessageRecord | undefined) => void
    fail: (error: unknown) => void
    cancel: () => void
  } {
    const waiters = this.waiters.get(id) ?? new Set()
    this.waiters.set(id, waiters)
    let finished = false
    let resolve!: (record: MessageRecord | undefined) => void
    let reject!: (error: unknown) => void
    const settled = new Promise<MessageRecord | undefined>((res, rej) => {
      resolve = res
      reject = rej
    })
    const finish = (outcome: () => void): void => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      waiters.delete(waiter)
      if (waiters.size === 0) this.waiters.delete(id)
      outcome()
    }
    const offer = (record: MessageRecord | undefined): void => finish(() => resolve(record))
    const fail = (error: unknown): void => finish(() => reject(error))
    const timer = setTimeout(() => this.options.messages.get(id).then(offer, fail), timeoutMs)
    const waiter: Waiter = { offer, fail }
    waiters.add(waiter)
    return { settled, offer, fail, cancel: () => finish(() => resolve(undefined)) }
  }

  close(): void {
    clearInterval(this.sweeper)
    clearTimeout(this.unrecordedTimer)
    for (const [id, write] of this.unrecordedWrites) void this.recordWrite(id, write)
    for (const timer of this.pacingTimers.values()) clearTimeout(timer)
    this.pacingTimers.clear()
    for (const unsubscribe of this.unsubscribe) unsubscribe()
  }

  /**
   * Works through a session's queue, reading it from the database: for whoever knows that messages
   * may be queued there that this node did not accept (a restart, a reconnect, another node, a pause).
   */
  kick(deviceId: string): void {
    this.knownQueues.delete(deviceId)
    this.work(deviceId)
  }

  /** Works through a session's queue unless that is already under way. */
  private work(deviceId: string): void {
    if (this.draining.has(deviceId)) {
      this.drainAgain.add(deviceId)
      return
    }
    this.draining.add(deviceId)
    void this.drain(deviceId)
      .catch((error: unknown) => {
        // What is queued is read from the database again next time.
        this.knownQueues.delete(deviceId)
        this.options.logger.error({ err: error, deviceId }, 'outbox drain failed')
      })
      .finally(() => {
        this.draining.delete(deviceId)
        if (this.drainAgain.delete(deviceId)) this.work(deviceId)
      })
  }

  private async drain(deviceId: string): Promise<void> {
    const { manager, pacer } = this.options
    // The rows of the last read when they were not the whole queue (a full batch).
    let batch: MessageRecord[] = []
    for (;;) {
      const known = this.knownQueues.get(deviceId)
      const queue = known ?? batch
      const next = queue[0]
      if (!next) {
        if (known) return
        const read = await this.readQueue(deviceId)
        batch = read.whole ? [] : read.rows
        continue
      }
      if (this.pacingTimers.has(deviceId)) return
      const connection = manager.liveConnection(deviceId)
      if (!connection) return
      const wait = pacer.take(deviceId, this.rateFor(deviceId))
      if (wait > 0) {
        this.pacingTimers.set(deviceId, setTimeout(() => {
          this.pacingTimers.delete(deviceId)
          this.kick(deviceId)
        }, wait))
        return
      }
      queue.shift()
      if (!(await this.sendOne(deviceId, connection, next))) return
    }
  }

  /**
   * Reads the oldest queued messages of a session. When they are fewer than a batch and nothing was
   * queued while reading, they are the whole queue: it is kept in memory (knownQueues), and messages
   * this node accepts from then on join it without another read.
   */
  private async readQueue(deviceId: string): Promise<{ rows: MessageRecord[]; whole: boolean }> {
    this.drainAgain.delete(deviceId)
    // A message on the wire reads as queued until its bytes are stored (holdUnrecorded): stored first.
    await this.recordWritesOf(deviceId)
    const rows = await this.options.messages.nextQueued(deviceId, QUEUE_BATCH)
    const whole = rows.length < QUEUE_BATCH && !this.drainAgain.has(deviceId)
    if (whole) this.knownQueues.set(deviceId, rows)
    return { rows, whole }
  }

  /** Sends one queued message; false when the connection went away (the message stays queued). */
  private async sendOne(deviceId: string, connection: WhatsAppConnection, next: MessageRecord): Promise<boolean> {
    const { messages, manager } = this.options
    let outgoing: OutgoingMessage
    try {
      outgoing = await decodeMessage(next.content, () => messages.media(next.id))
    } catch (error) {
      await this.transition(next.id, 'failed', (error as Error).message)
      return true
    }
    let written
    try {
      if (next.recipient.endsWith('@s.whatsapp.net') && !(await this.options.recipientExists(deviceId, next.recipient))) {
        await this.transition(next.id, 'failed', `${next.recipient.split('@')[0]} is not on WhatsApp`)
        return true
      }
      await showTypingBefore(connection, next.recipient, outgoing, this.options.logger)
      written = await connection.send(next.recipient, outgoing, next.id)
    } catch (error) {
      if (error instanceof ConnectionClosedError || !manager.liveConnection(deviceId)) {
        // Still queued: it goes out again, under the same id, once the session is back (read from the database).
        this.knownQueues.delete(deviceId)
        return false
      }
      await this.transition(next.id, 'failed', `WhatsApp could not send the message: ${(error as Error).message}`)
      return true
    }
    // Watched before the write is recorded: the ack can arrive while the database works.
    this.awaitingAck.set(next.id, Date.now() + this.options.ackTimeoutMs)
    this.sendingUnannounced.add(next.id)
    this.holdUnrecorded(deviceId, next.id, written.encoded)
    return true
  }

  /**
   * Keeps a message's bytes until its next status stores them with it, or WRITE_RECORD_WAIT_MS
   * passes. Until they are stored the message reads as queued, which a crash turns into a resend
   * under the same id; a retry receipt meanwhile finds them in SentContents.
   */
  private holdUnrecorded(deviceId: string, id: string, encoded: Uint8Array): void {
    let recorded!: (write: Promise<unknown>) => void
    const stored = new Promise<unknown>((resolve) => (recorded = resolve))
    // A failed write is reported where it is made; here SentContents only learns to keep the bytes.
    this.options.sentContents.whileRecording(deviceId, id, encoded, stored).catch(() => undefined)
    // Deleted first, so a message sent again goes to the end of the oldest-first order.
    this.unrecordedWrites.delete(id)
    this.unrecordedWrites.set(id, { deviceId, encoded, writtenAt: Date.now(), recorded })
    this.waitToRecord()
  }

  private waitToRecord(): void {
    this.unrecordedTimer ??= setTimeout(() => this.recordWaitedWrites(), WRITE_RECORD_WAIT_MS).unref()
  }

  private recordWaitedWrites(): void {
    this.unrecordedTimer = undefined
    const due = Date.now() - WRITE_RECORD_WAIT_MS
    for (const [id, write] of this.unrecordedWrites) {
      if (write.writtenAt > due) break
      void this.recordWrite(id, write)
    }
    if (this.unrecordedWrites.size > 0) this.waitToRecord()
  }

  /** Stores the bytes of a session's messages on the wire alone; settles once all are stored or failed. */
  private recordWritesOf(deviceId: string): Promise<unknown> {
    const writes = [...this.unrecordedWrites].filter(([, write]) => write.deviceId === deviceId)
    return Promise.allSettled(writes.map(([id, write]) => this.recordWrite(id, write)))
  }

  /** Stores a message's bytes alone (with SQLite in the next group commit); settles once they are, failures logged. */
  private recordWrite(id: string, write: UnrecordedWrite): Promise<void> {
    this.unrecordedWrites.delete(id)
    const stored = this.options.messages.markWritten(id, write.encoded)
    write.recorded(stored)
    const announced = this.recording(id, stored).then((updated) => {
      if (updated?.status === 'sending' && this.sendingUnannounced.delete(id)) this.publish(updated)
    })
    this.settle(announced, { messageId: id })
    return announced
  }

  private rateFor(deviceId: string): number {
    return this.options.sessions.get(deviceId)?.sendRatePerMinute ?? this.options.defaultRatePerMinute
  }

  private async applyEngineStatus(deviceId: string, messageId: string, status: EngineMessageStatus, error: string | null): Promise<void> {
    if (status === 'sent' || status === 'failed') this.awaitingAck.delete(messageId)
    const reason = status === 'failed' ? `WhatsApp rejected the message${error ? ` (error ${error})` : ''}` : null
    if (!(await this.transition(messageId, status, reason))) await this.options.onOtherStatus?.(deviceId, messageId, status)
  }

  /**
   * Another node settled a message (several nodes): a synchronous request waiting here for it
   * reads the outcome now instead of at its timeout.
   */
  settledElsewhere(messageId: string): void {
    const waiters = this.waiters.get(messageId)
    if (!waiters) return
    this.settle(
      this.options.messages.get(messageId).then((record) => {
        if (!record || !isSettled(record.status as MessageStatus)) return
        for (const waiter of [...waiters]) waiter.offer(record)
      }),
      { messageId },
    )
  }

  /** Messages of the session left mid-send (by a lost connection, a crash, or the node that ran it before) go back in the queue. */
  async requeueInterrupted(deviceId: string): Promise<void> {
    for (const id of await this.options.messages.requeueSending(deviceId)) {
      this.awaitingAck.delete(id)
      this.sendingUnannounced.delete(id)
      const record = await this.options.messages.get(id)
      if (record) this.publish(record)
    }
  }

  private failUnacknowledged(): void {
    const now = Date.now()
    for (const [id, deadline] of this.awaitingAck) {
      if (deadline > now) continue
      this.awaitingAck.delete(id)
      this.settle(this.transition(id, 'failed', `WhatsApp did not acknowledge the message within ${this.options.ackTimeoutMs} ms`), { messageId: id })
    }
  }

  /** Logs a status update that could not be recorded; it must not take the process down. */
  private settle(work: Promise<unknown>, context: Record<string, string>): void {
    work.catch((error: unknown) => this.options.logger.error({ err: error, ...context }, 'could not record a message status'))
  }

  /**
   * A write about one message. When it fails (a full disk, a database that went away), a request
   * waiting for that message hears why at once, instead of at its timeout.
   */
  private async recording<T>(id: string, write: Promise<T>): Promise<T> {
    try {
      return await write
    } catch (cause) {
      const storage = describeStorageFailure(cause)
      const error = storage
        ? new DomainError(storage.kind, `${storage.message}: message ${id} is stored, but what became of it could not be recorded`, { ...storage.details, messageId: id })
        : cause
      for (const waiter of [...(this.waiters.get(id) ?? [])]) waiter.fail(error)
      throw cause
    }
  }

  /** Applies a status change when it is allowed; returns whether it happened. */
  private async transition(id: string, status: MessageStatus, error: string | null): Promise<boolean> {
    const unrecorded = this.unrecordedWrites.get(id)
    this.unrecordedWrites.delete(id)
    const stored = this.options.messages.transition(id, status, status === 'failed' ? error : null, ALLOWED_FROM[status], unrecorded?.encoded)
    const updated = await this.recording(id, stored).catch((cause: unknown) => {
      unrecorded?.recorded(stored)
      throw cause
    })
    if (!updated) {
      // A status that may not apply stores nothing: the bytes go alone, as they would have without it.
      if (unrecorded) void this.recordWrite(id, unrecorded)
      return false
    }
    unrecorded?.recorded(stored)
    if (this.sendingUnannounced.delete(id)) this.publish({ ...updated, status: 'sending', error: null })
    this.publish(updated)
    if (isSettled(status)) for (const waiter of [...(this.waiters.get(id) ?? [])]) waiter.offer(updated)
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
