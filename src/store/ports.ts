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
  /** Sets the status (and error) of a message; returns false when the message does not exist. */
  setStatus(id: string, status: string, error: string | null): boolean
  /** Records what was sent on the wire and drops the media bytes kept for sending. */
  markWritten(id: string, waMessage: Uint8Array): void
  waMessage(deviceId: string, id: string): Uint8Array | undefined
  /** Puts messages caught mid-send back in the queue (after a crash or a lost connection). */
  requeueSending(deviceId?: string): string[]
  /** Device ids that have queued messages. */
  devicesWithQueued(): string[]
}
