import type { DeliveryRecord, DeliveryStatus, InboundRecord, MessageRecord, SessionRecord, WebhookRecord, DesiredState } from './ports.js'

/**
 * Row shapes and their mapping to records. Both backends use the same column names, so these are
 * shared; PostgreSQL's BIGINT columns are parsed to numbers when its pool is created.
 */

export interface SessionRow {
  device_id: string
  desired_state: DesiredState
  send_rate_per_minute: number | null
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
