import { randomUUID } from 'node:crypto'

export const PUBLIC_EVENT_TYPES = [
  'message.received', 'message.sent', 'message.status', 'session.status', 'session.qr', 'presence.update', 'history.synced', 'chat.updated', 'call.received',
  'group.joined', 'group.updated', 'group.participants', 'label.updated', 'status.received',
] as const

/** Types delivered only where asked for by name: a webhook or stream that lists no types does not get them. */
export const OPT_IN_EVENT_TYPES: ReadonlySet<PublicEventType> = new Set(['status.received'])

/** Whether a receiver that listed these types (none: every type but the opt-in ones) wants an event of this type. */
export function wantsEventType(listed: readonly string[] | ReadonlySet<string> | undefined, type: PublicEventType): boolean {
  if (listed === undefined || ('size' in listed ? listed.size : listed.length) === 0) return !OPT_IN_EVENT_TYPES.has(type)
  return 'has' in listed ? listed.has(type) : listed.includes(type)
}
export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number]

/** What webhooks and the live stream carry. The id is unique and stays the same across redeliveries. */
export interface EventEnvelope {
  id: string
  type: PublicEventType
  deviceId: string
  timestamp: string
  /** The session's own metadata setting, where it has one. */
  metadata?: Record<string, unknown>
  data: Record<string, unknown>
}

export function envelope(
  type: PublicEventType, deviceId: string, data: Record<string, unknown>, metadata?: Record<string, unknown>, now = new Date(),
): EventEnvelope {
  return { id: `evt_${randomUUID().replace(/-/g, '')}`, type, deviceId, timestamp: now.toISOString(), ...(metadata ? { metadata } : {}), data }
}

export function isPublicEventType(value: string): value is PublicEventType {
  return (PUBLIC_EVENT_TYPES as readonly string[]).includes(value)
}
