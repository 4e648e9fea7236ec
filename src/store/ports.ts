/** Storage interfaces the domain depends on; SQLite implements them now, PostgreSQL later. */

export type DesiredState = 'running' | 'stopped'

export interface SessionRecord {
  deviceId: string
  desiredState: DesiredState
  /** Per-session pacing; null means the global default. */
  sendRatePerMinute: number | null
  apiKeyHash: string | null
  apiKeyPrefix: string | null
  phoneNumber: string | null
  pushName: string | null
  createdAt: number
  updatedAt: number
}

export interface SessionRepository {
  /** Inserts a new session; returns false when the id is taken. */
  create(deviceId: string, desiredState: DesiredState): boolean
  get(deviceId: string): SessionRecord | undefined
  list(): SessionRecord[]
  setDesiredState(deviceId: string, desiredState: DesiredState): void
  setApiKey(deviceId: string, hash: string, prefix: string): void
  setAccount(deviceId: string, phoneNumber: string | null, pushName: string | null): void
  setSendRate(deviceId: string, perMinute: number | null): void
  /** Deletes the session and, by cascade, its auth state. */
  delete(deviceId: string): boolean
}

/** One row of auth state as the WhatsApp adapter serialized it. */
export interface AuthKeyWrite {
  type: string
  id: string
  /** Serialized value, or null to delete the key. */
  value: string | null
}

export interface AuthStateRepository {
  readCreds(deviceId: string): string | undefined
  writeCreds(deviceId: string, creds: string): void
  readKeys(deviceId: string, type: string, ids: readonly string[]): Map<string, string>
  /** Applies every write in one transaction: all or nothing. */
  writeKeys(deviceId: string, writes: readonly AuthKeyWrite[]): void
  /** Removes creds and every key of the session. */
  clear(deviceId: string): void
}

export interface SettingsRepository {
  get(name: string): string | undefined
  set(name: string, value: string): void
}

export interface MessageRecord {
  id: string
  deviceId: string
  recipient: string
  type: string
  /** The serialized outgoing message, media bytes excluded. */
  content: string
  status: string
  error: string | null
  idempotencyKey: string | null
  createdAt: number
  updatedAt: number
}

export interface NewMessage {
  id: string
  deviceId: string
  recipient: string
  type: string
  content: string
  media: Buffer | null
  status: string
  idempotencyKey: string | null
}

export interface MessageRepository {
  /** Inserts the message, or returns the existing one with the same (deviceId, idempotencyKey). */
  insertOrGetExisting(message: NewMessage): { record: MessageRecord; created: boolean }
  get(id: string): MessageRecord | undefined
  /** The media bytes stored with a queued message. */
  media(id: string): Buffer | undefined
  /** The oldest queued messages of a session, in the order they were accepted. */
  nextQueued(deviceId: string, limit: number): MessageRecord[]
  /**
   * Moves a message to `status` if its current status is one of `allowedFrom`, in one statement;
   * returns the updated message, or undefined when it does not exist or may not move.
   */
  transition(id: string, status: string, error: string | null, allowedFrom: readonly string[]): MessageRecord | undefined
  /** Records what was sent on the wire and drops the media bytes kept for sending. */
  markWritten(id: string, waMessage: Uint8Array): void
  waMessage(deviceId: string, id: string): Uint8Array | undefined
  /** Puts messages caught mid-send back in the queue (after a crash or a lost connection). */
  requeueSending(deviceId?: string): string[]
  /** Device ids that have queued messages. */
  devicesWithQueued(): string[]
}

export interface InboundRecord {
  deviceId: string
  id: string
  chat: string
  type: string
  /** The message as JSON (messaging/inbound-message.ts). */
  payload: string
  timestamp: number
}

export interface ChatSummary {
  chat: string
  messages: number
  lastTimestamp: number
}

export interface InboundMessageRepository {
  /** Stores the message unless this session already has one with its id; returns whether it was new. */
  insert(record: InboundRecord, raw: Uint8Array | null): boolean
  get(deviceId: string, id: string): InboundRecord | undefined
  raw(deviceId: string, id: string): Uint8Array | undefined
  /** Replaces the engine's encoding, e.g. after the media was uploaded again under a new path. */
  updateRaw(deviceId: string, id: string, raw: Uint8Array): void
  /** Newest first, older than `before` (epoch ms) when given. */
  listByChat(deviceId: string, chat: string, limit: number, before?: number): InboundRecord[]
  chats(deviceId: string, limit: number): ChatSummary[]
  deleteOlderThan(createdBefore: number): number
}

export interface WebhookRecord {
  id: string
  deviceId: string
  url: string
  secret: string
  /** Event types it receives; empty means all. */
  events: string[]
  createdAt: number
}

export interface WebhookRepository {
  create(record: WebhookRecord): void
  listForDevice(deviceId: string): WebhookRecord[]
  get(id: string): WebhookRecord | undefined
  delete(id: string): boolean
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface DeliveryRecord {
  seq: number
  webhookId: string
  deviceId: string
  eventId: string
  eventType: string
  body: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  createdAt: number
  updatedAt: number
}

export interface NewDelivery {
  webhookId: string
  deviceId: string
  eventId: string
  eventType: string
  body: string
}

export interface DeliveryRepository {
  enqueue(deliveries: readonly NewDelivery[]): void
  /** The oldest pending delivery of each lane (webhook and session) that is due, skipping busy lanes. */
  dueLaneHeads(now: number, limit: number, busyLanes: ReadonlySet<string>): DeliveryRecord[]
  markDelivered(seq: number): void
  scheduleRetry(seq: number, nextAttemptAt: number, error: string): void
  markFailed(seq: number, error: string): void
  /** Puts a failed delivery back in its lane, due now. */
  redeliver(seq: number): DeliveryRecord | undefined
  get(seq: number): DeliveryRecord | undefined
  list(status: DeliveryStatus, limit: number, deviceId?: string): DeliveryRecord[]
  /** The earliest next attempt among pending deliveries, to know when to look again. */
  nextDueAt(): number | undefined
  deleteForWebhook(webhookId: string): void
  deleteDeliveredBefore(updatedBefore: number): number
}

export interface DashboardSessionRecord {
  tokenHash: string
  csrfToken: string
  expiresAt: number
}

export interface DashboardSessionRepository {
  create(record: DashboardSessionRecord): void
  /** The session if it exists and has not expired. */
  find(tokenHash: string, now: number): DashboardSessionRecord | undefined
  delete(tokenHash: string): void
  deleteExpired(now: number): number
}
