import type {
  ChatChange, ChatListing, ChatState, ContactRecord, DeliveryRecord, MessageMark, DeliveryStatus, DesiredState, InboundRecord, MessageRecord, SessionBehaviour,
  KeptMediaRecord, LabelRecord, ScopedKeyRecord, SessionRecord, WebhookRecord,
} from './ports.js'

/**
 * Row shapes and their mapping to records. Both backends use the same column names, so these are
 * shared; PostgreSQL's BIGINT columns are parsed to numbers when its pool is created.
 */

export interface SessionRow {
  device_id: string
  desired_state: DesiredState
  send_rate_per_minute: number | null
  reject_calls: number | boolean
  reject_call_message: string | null
  proxy_url: string | null
  /** JSON text in SQLite, parsed JSONB in PostgreSQL. */
  behaviour: string | SessionBehaviour
  api_key_hash: string | null
  api_key_prefix: string | null
  phone_number: string | null
  push_name: string | null
  created_at: number
  updated_at: number
}

export const toSessionRecord = (row: SessionRow): SessionRecord => ({
  deviceId: row.device_id,
  desiredState: row.desired_state,
  sendRatePerMinute: row.send_rate_per_minute,
  rejectCalls: Boolean(row.reject_calls),
  rejectCallMessage: row.reject_call_message,
  proxyUrl: row.proxy_url,
  behaviour: typeof row.behaviour === 'string' ? (JSON.parse(row.behaviour) as SessionBehaviour) : row.behaviour,
  apiKeyHash: row.api_key_hash,
  apiKeyPrefix: row.api_key_prefix,
  phoneNumber: row.phone_number,
  pushName: row.push_name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export interface MessageRow {
  id: string
  device_id: string
  recipient: string
  type: string
  content: string
  status: string
  error: string | null
  idempotency_key: string | null
  created_at: number
  updated_at: number
}

export const MESSAGE_COLUMNS = 'id, device_id, recipient, type, content, status, error, idempotency_key, created_at, updated_at'

export const toMessageRecord = (row: MessageRow): MessageRecord => ({
  id: row.id,
  deviceId: row.device_id,
  recipient: row.recipient,
  type: row.type,
  content: row.content,
  status: row.status,
  error: row.error,
  idempotencyKey: row.idempotency_key,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export interface InboundRow {
  device_id: string
  id: string
  chat: string
  type: string
  payload: string
  timestamp: number
  read_at: number | null
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  from_me: number | boolean
  status: string | null
}

export const INBOUND_COLUMNS = 'device_id, id, chat, type, payload, timestamp, read_at, from_me, status'

export const toInboundRecord = (row: InboundRow): InboundRecord => ({
  deviceId: row.device_id,
  id: row.id,
  chat: row.chat,
  type: row.type,
  payload: row.payload,
  timestamp: row.timestamp,
  readAt: row.read_at,
  fromMe: Boolean(row.from_me),
  status: row.status,
})

export interface ChatRow {
  jid: string
  name: string | null
  /** 0/1 in SQLite, a boolean in PostgreSQL (as marked_unread). */
  archived: number | boolean
  pinned_at: number
  muted_until: number
  marked_unread: number | boolean
  cleared_at: number
}

export const CHAT_COLUMNS = 'jid, name, archived, pinned_at, muted_until, marked_unread, cleared_at'

export const toChatState = (row: ChatRow): ChatState & { jid: string } => ({
  jid: row.jid,
  name: row.name,
  archived: Boolean(row.archived),
  pinnedAt: row.pinned_at,
  mutedUntil: row.muted_until,
  markedUnread: Boolean(row.marked_unread),
  clearedAt: row.cleared_at,
})

export interface ChatListingRow extends ChatRow {
  last_activity: number
  unread: number
  contact_name: string | null
  push_name: string | null
}

export const toChatListing = (row: ChatListingRow): ChatListing => ({
  ...toChatState(row),
  lastActivity: row.last_activity,
  unread: row.unread,
  contactName: row.contact_name,
  pushName: row.push_name,
})

export interface ChatChangeParams {
  name: string | null
  archived: number | null
  pinnedAt: number | null
  mutedUntil: number | null
  markedUnread: number | null
  lastActivity: number | null
  clearedAt: number | null
}

/** A boolean parameter of an upsert: null leaves the stored value, else 0/1 for both backends. */
export const flag = (value: boolean | undefined): number | null => (value === undefined ? null : Number(value))

/** A change as the upsert's parameters: null where it leaves a field alone, booleans as 0/1. */
export function chatChangeParams(change: ChatChange): ChatChangeParams {
  return {
    name: change.name ?? null,
    archived: flag(change.archived),
    pinnedAt: change.pinnedAt ?? null,
    mutedUntil: change.mutedUntil ?? null,
    markedUnread: flag(change.markedUnread),
    lastActivity: change.lastActivity ?? null,
    clearedAt: change.clearedAt ?? null,
  }
}

export interface MarkRow {
  message_id: string
  starred: number | boolean
  hidden: number | boolean
}

export const toMarks = (rows: MarkRow[]): Map<string, MessageMark> =>
  new Map(rows.map((row) => [row.message_id, { starred: Boolean(row.starred), hidden: Boolean(row.hidden) }]))

export interface ContactRow {
  jid: string
  name: string | null
  push_name: string | null
  phone_number: string | null
  lid: string | null
}

export const CONTACT_COLUMNS = 'jid, name, push_name, phone_number, lid'

export const toContactRecord = (row: ContactRow): ContactRecord => ({
  jid: row.jid,
  name: row.name,
  pushName: row.push_name,
  phoneNumber: row.phone_number,
  lid: row.lid,
})

export interface WebhookRow {
  id: string
  device_id: string
  url: string
  secret: string
  events: string
  created_at: number
}

export const toWebhookRecord = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  deviceId: row.device_id,
  url: row.url,
  secret: row.secret,
  events: JSON.parse(row.events) as string[],
  createdAt: row.created_at,
})

export interface DeliveryRow {
  seq: number
  webhook_id: string
  device_id: string
  event_id: string
  event_type: string
  body: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: number
  last_error: string | null
  created_at: number
  updated_at: number
}

export const DELIVERY_COLUMNS =
  'seq, webhook_id, device_id, event_id, event_type, body, status, attempts, next_attempt_at, last_error, created_at, updated_at'

export const toDeliveryRecord = (row: DeliveryRow): DeliveryRecord => ({
  seq: row.seq,
  webhookId: row.webhook_id,
  deviceId: row.device_id,
  eventId: row.event_id,
  eventType: row.event_type,
  body: row.body,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  lastError: row.last_error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export interface ScopedKeyRow {
  id: string
  device_id: string
  name: string
  /** Comma-separated. */
  scopes: string
  key_hash: string
  key_prefix: string
  created_at: number
  last_used_at: number | null
}

export const toScopedKeyRecord = (row: ScopedKeyRow): ScopedKeyRecord => ({
  id: row.id,
  deviceId: row.device_id,
  name: row.name,
  scopes: row.scopes.split(','),
  keyHash: row.key_hash,
  keyPrefix: row.key_prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
})

export const scopedKeyValues = (record: ScopedKeyRecord): unknown[] => [
  record.id, record.deviceId, record.name, record.scopes.join(','), record.keyHash, record.keyPrefix, record.createdAt, record.lastUsedAt,
]

export interface LabelRow {
  id: string
  name: string
  color: number
  predefined_id: string | null
  chat_count: number | string
}

export const toLabelRecord = (row: LabelRow): LabelRecord => ({
  id: row.id,
  name: row.name,
  color: row.color,
  predefinedId: row.predefined_id,
  chatCount: Number(row.chat_count),
})

/** The labels of a session with their chat counts, ordered as WhatsApp numbers them (ids are small numbers as text). */
export const LABEL_LISTING = `SELECT l.id, l.name, l.color, l.predefined_id,
  (SELECT COUNT(*) FROM chat_labels c WHERE c.device_id = l.device_id AND c.label_id = l.id) AS chat_count
  FROM labels l`
export const LABEL_ORDER = 'ORDER BY LENGTH(l.id), l.id'

export interface KeptMediaRow {
  device_id: string
  message_id: string
  store_key: string
  sha256: string
  size: number | string
  kept_at: number
}

export const toKeptMediaRecord = (row: KeptMediaRow): KeptMediaRecord => ({
  deviceId: row.device_id,
  messageId: row.message_id,
  key: row.store_key,
  sha256: row.sha256,
  size: Number(row.size),
  keptAt: row.kept_at,
})
