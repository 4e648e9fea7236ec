/** Every event type the server emits (the README's event table describes each one's data). */
export const EVENT_TYPES = [
  'message.received', 'message.sent', 'message.status', 'session.status', 'session.qr', 'presence.update', 'history.synced', 'chat.updated', 'call.received',
  'group.joined', 'group.updated', 'group.participants', 'label.updated', 'status.received',
] as const

export type EventType = (typeof EVENT_TYPES)[number]

/** One event, as webhooks, the stream and the brokers carry it. */
export interface EventEnvelope<Data = Record<string, unknown>> {
  /** Unique and stable: a redelivery carries the same id. */
  id: string
  type: EventType
  deviceId: string
  /** ISO 8601 */
  timestamp: string
  /** The session's own metadata setting, where it has one. */
  metadata?: Record<string, unknown>
  data: Data
}
