/** Storage interfaces the domain depends on; SQLite implements them now, PostgreSQL later. */

export type DesiredState = 'running' | 'stopped'

export interface SessionRecord {
  deviceId: string
  desiredState: DesiredState
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
