import { EventEmitter } from 'node:events'
import type { ChatUpdate } from '../messaging/chat-update.js'
import type { InboundMessage } from '../messaging/inbound-message.js'
import type { MessageStatus } from '../messaging/message-status.js'
import type { LabelChange } from '../labels/label-service.js'
import type { GroupEvent } from '../sessions/groups-port.js'
import type { LabelEvent } from '../sessions/labels-port.js'
import type { ConnectionState } from '../sessions/session-runtime.js'
import type { ChatEvent, EngineMessageStatus, HistoryBatch, IncomingCall, PresenceUpdate } from '../sessions/whatsapp-port.js'

/** A message stored and its event queued for webhooks and transports (by the event feed, in the same transaction). */
export interface StoredMessageEvent {
  deviceId: string
  message: InboundMessage
}

/** Every event the domain publishes, by name. Webhooks and the live stream subscribe here. */
export interface DomainEvents {
  'session.status': { deviceId: string; state: ConnectionState; lastError: string | null }
  'session.qr': { deviceId: string; qr: string; expiresAt: number }
  'session.deleted': { deviceId: string }
  /** A connection closed; reaction is what the reconnect policy decided. */
  'session.disconnected': { deviceId: string; code: number | undefined; reaction: string }
  /** How events queued for a destination (a webhook's id, or a broker transport) fared in one attempt. */
  'delivery.attempted': { destination: string; result: 'delivered' | 'retry' | 'failed'; events: number }
  'message.status': { deviceId: string; messageId: string; type: string; status: MessageStatus; error: string | null }
  /** A message someone sent the account, once stored. */
  'message.received': StoredMessageEvent
  /** A contact's status update (story), once stored. */
  'status.received': StoredMessageEvent
  /** A message the account sent from another of its devices (the phone), once stored. */
  'message.sent': StoredMessageEvent
  /** A contact's presence or typing, as WhatsApp reported it. */
  'presence.update': { deviceId: string } & PresenceUpdate
  /** The phone's history, once stored: what each chunk held. */
  'history.synced': { deviceId: string; kind: HistoryBatch['kind']; chats: number; contacts: number; messages: number; progress: number | null }
  /** A chat's settings changed, through this API or on another device of the account. */
  'chat.updated': { deviceId: string } & ChatUpdate
  /** Someone is calling the account. */
  'call.received': { deviceId: string } & IncomingCall
  /** A group changed, or the account joined one. */
  'group.changed': { deviceId: string; event: GroupEvent }
  /** A label changed, or went on or off a chat, through this API or on another device of the account. */
  'label.updated': { deviceId: string; origin: 'api' | 'device' } & LabelChange
  /** Internal: a label change made on another device, before it is stored. */
  'engine.label-event': { deviceId: string; event: LabelEvent }
  /** Internal: a chunk of the phone's history, before it is stored. */
  'engine.history': { deviceId: string; batch: HistoryBatch }
  /** Internal: chat changes made on another device, before they are stored. */
  'engine.chat-events': { deviceId: string; events: ChatEvent[] }
  /**
   * Internal: a message the engine received, before it is stored. WhatsApp's delivery receipt for it
   * waits for the work a listener hands to waitUntil; a rejection has WhatsApp deliver it again.
   */
  'engine.message-received': { deviceId: string; message: InboundMessage; raw: Uint8Array | null; waitUntil: (work: Promise<void>) => void }
  /** Internal: what the WhatsApp engine reported about a sent message, before the outbox applies it. */
  'engine.message-status': { deviceId: string; messageId: string; status: EngineMessageStatus; error: string | null }
}

export type DomainEventName = keyof DomainEvents

/** Events whose listeners may hand work to waitUntil, for the publisher to wait on. */
type WaitableEventName = { [E in DomainEventName]: DomainEvents[E] extends { waitUntil: unknown } ? E : never }[DomainEventName]

/** A typed, synchronous in-process event bus. Listeners must not throw; errors are reported, not propagated. */
export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false })

  constructor(private readonly onListenerError: (error: unknown, event: DomainEventName) => void) {
    this.emitter.setMaxListeners(0)
  }

  publish<E extends DomainEventName>(event: E, payload: DomainEvents[E]): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        ;(listener as (payload: DomainEvents[E]) => void)(payload)
      } catch (error) {
        this.onListenerError(error, event)
      }
    }
  }

  /** Publishes, then settles once all the work listeners handed to waitUntil has; rejects if any of it did. */
  async publishAndWait<E extends WaitableEventName>(event: E, payload: Omit<DomainEvents[E], 'waitUntil'>): Promise<void> {
    const work: Array<Promise<void>> = []
    this.publish(event, { ...payload, waitUntil: (promise: Promise<void>) => void work.push(promise) } as DomainEvents[E])
    await Promise.all(work)
  }

  subscribe<E extends DomainEventName>(event: E, listener: (payload: DomainEvents[E]) => void): () => void {
    this.emitter.on(event, listener)
    return () => this.emitter.off(event, listener)
  }
}
