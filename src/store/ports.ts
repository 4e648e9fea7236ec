/**
 * Storage interfaces the domain depends on, implemented for SQLite (embedded default) and
 * PostgreSQL (DATABASE_URL, several nodes). Every method is async so that both fit; callers must
 * not assume two calls run in the order they were made unless they await the first.
 */

export type DesiredState = 'running' | 'stopped'

export interface SessionRecord {
  deviceId: string
  desiredState: DesiredState
  /** Per-session pacing; null means the global default. */
  sendRatePerMinute: number | null
  /** Reject every incoming call, then (where set) text the caller this. */
  rejectCalls: boolean
  rejectCallMessage: string | null
  /** The proxy its WhatsApp socket and media go through (credentials included); null for WHATSAPP_PROXY or none. */
  proxyUrl: string | null
  /** The rest of its settings, each absent until set. */
  behaviour: SessionBehaviour
  apiKeyHash: string | null
  apiKeyPrefix: string | null
  phoneNumber: string | null
  pushName: string | null
  createdAt: number
  updatedAt: number
}

/** Which kinds of received messages a session neither stores nor events. */
export interface IgnoredKinds {
  groups: boolean
  status: boolean
  channels: boolean
  broadcast: boolean
}

/** Per-session switches kept as one document: a field left out means its default. */
export interface SessionBehaviour {
  markOnline?: boolean
  autoRead?: boolean
  ignore?: IgnoredKinds
  /** The operator's own JSON object, echoed in every event of the session. */
  metadata?: Record<string, unknown>
  deviceName?: string
}

/** A change to some of a session's behaviour: null puts a field back to its default. */
export type SessionBehaviourChange = { [K in keyof SessionBehaviour]?: SessionBehaviour[K] | null }

export interface SessionRepository {
  /** Inserts a new session; returns false when the id is taken. */
  create(deviceId: string, desiredState: DesiredState): Promise<boolean>
  get(deviceId: string): Promise<SessionRecord | undefined>
  /** The session whose own key has this SHA-256 hash. */
  findByApiKeyHash(hash: string): Promise<SessionRecord | undefined>
  list(): Promise<SessionRecord[]>
  setDesiredState(deviceId: string, desiredState: DesiredState): Promise<void>
  setApiKey(deviceId: string, hash: string, prefix: string): Promise<void>
  setAccount(deviceId: string, phoneNumber: string | null, pushName: string | null): Promise<void>
  setSendRate(deviceId: string, perMinute: number | null): Promise<void>
  /** Changes what is given and keeps the rest, in one statement (two settings requests at once both land). */
  setCallRejection(deviceId: string, change: { reject?: boolean; message?: string | null }): Promise<void>
  setProxy(deviceId: string, proxyUrl: string | null): Promise<void>
  /** Changes the given fields and keeps the others, atomically (two settings requests at once both land). */
  setBehaviour(deviceId: string, change: SessionBehaviourChange): Promise<void>
  /**
   * Deletes the session with everything it holds. SQLite empties its history tables a chunk at a
   * time first (each statement holds the event loop); the row, and by cascade its auth state, go last.
   */
  delete(deviceId: string): Promise<boolean>
}

/** A named key of one session, allowed only what its scopes say. Only its hash is kept. */
export interface ScopedKeyRecord {
  id: string
  deviceId: string
  name: string
  scopes: string[]
  keyHash: string
  keyPrefix: string
  createdAt: number
  lastUsedAt: number | null
}

export interface ScopedKeyRepository {
  insert(record: ScopedKeyRecord): Promise<void>
  /** A session's keys, oldest first. */
  list(deviceId: string): Promise<ScopedKeyRecord[]>
  findByHash(keyHash: string): Promise<ScopedKeyRecord | undefined>
  /** False when the session has no key with this id. */
  delete(deviceId: string, id: string): Promise<boolean>
  touch(id: string, at: number): Promise<void>
}

/** A WhatsApp Business label of one session, as last seen on any of the account's devices. */
export interface LabelRecord {
  id: string
  name: string
  color: number
  predefinedId: string | null
  /** How many chats carry it. */
  chatCount: number
}

export interface LabelRepository {
  /** The session's labels by id (numerically), each with its chat count. */
  list(deviceId: string): Promise<LabelRecord[]>
  get(deviceId: string, id: string): Promise<LabelRecord | undefined>
  /** Creates or replaces a label (its chats stay). */
  save(deviceId: string, label: Omit<LabelRecord, 'chatCount'>): Promise<void>
  /** Removes a label and takes it off every chat; false when there was none. */
  delete(deviceId: string, id: string): Promise<boolean>
  setChatLabel(deviceId: string, chat: string, labelId: string, labeled: boolean): Promise<void>
  /** The ids of the labels on one chat. */
  labelsOf(deviceId: string, chat: string): Promise<string[]>
  /** The chats carrying one label, oldest label first. */
  chatsWith(deviceId: string, labelId: string): Promise<string[]>
  /** The account (phone number) whose labels were last fetched whole, if any were. */
  syncedAccount(deviceId: string): Promise<string | undefined>
  /** Forgets every label and chat label of the session (before they are fetched again). */
  clear(deviceId: string): Promise<void>
  markSynced(deviceId: string, account: string): Promise<void>
}

/** A received message's media, downloaded and kept (MEDIA_AUTO_DOWNLOAD). */
export interface KeptMediaRecord {
  deviceId: string
  messageId: string
  /** Where the media store holds it. */
  key: string
  /** Hex SHA-256 of the file. */
  sha256: string
  size: number
  keptAt: number
}

export interface KeptMediaRepository {
  record(record: KeptMediaRecord): Promise<void>
  get(deviceId: string, messageId: string): Promise<KeptMediaRecord | undefined>
  /** What was kept before this time (past retention), oldest first. */
  olderThan(keptBefore: number, limit: number): Promise<KeptMediaRecord[]>
  /** Forgets these (once their files are gone). */
  forget(kept: ReadonlyArray<Pick<KeptMediaRecord, 'deviceId' | 'messageId'>>): Promise<void>
}

/** One row of auth state as the WhatsApp adapter serialized it. */
export interface AuthKeyWrite {
  type: string
  id: string
  /** Serialized value, or null to delete the key. */
  value: string | null
}

export interface AuthStateRepository {
  readCreds(deviceId: string): Promise<string | undefined>
  writeCreds(deviceId: string, creds: string): Promise<void>
  readKeys(deviceId: string, type: string, ids: readonly string[]): Promise<Map<string, string>>
  /** Applies every write in one transaction: all or nothing. */
  writeKeys(deviceId: string, writes: readonly AuthKeyWrite[]): Promise<void>
  /** Removes creds and every key of the session. */
  clear(deviceId: string): Promise<void>
}

export interface SettingsRepository {
  get(name: string): Promise<string | undefined>
  /** Stores the value unless the setting exists; returns the value stored either way (the first writer wins). */
  setIfAbsent(name: string, value: string): Promise<string>
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
  insertOrGetExisting(message: NewMessage): Promise<{ record: MessageRecord; created: boolean }>
  get(id: string): Promise<MessageRecord | undefined>
  /** The media bytes stored with a queued message. */
  media(id: string): Promise<Buffer | undefined>
  /** The oldest queued messages of a session, in the order they were accepted. */
  nextQueued(deviceId: string, limit: number): Promise<MessageRecord[]>
  /**
   * Moves a message to `status` if its current status is one of `allowedFrom`, in one statement;
   * returns the updated message, or undefined when it does not exist or may not move. With
   * `waMessage`, the same statement also records what was sent on the wire, as markWritten does.
   */
  transition(id: string, status: string, error: string | null, allowedFrom: readonly string[], waMessage?: Uint8Array): Promise<MessageRecord | undefined>
  /**
   * Records what was sent on the wire, drops the media bytes kept for sending, and moves a queued
   * message to sending (an ack or a failure that came first is kept). Returns the message as it is now.
   */
  markWritten(id: string, waMessage: Uint8Array): Promise<MessageRecord | undefined>
  waMessage(deviceId: string, id: string): Promise<Uint8Array | undefined>
  /** Puts messages caught mid-send back in the queue (after a crash or a lost connection). */
  requeueSending(deviceId?: string): Promise<string[]>
  /** Device ids that have queued messages. */
  devicesWithQueued(): Promise<string[]>
  /** What the session sent to this recipient, newest first, created before `before` (epoch ms) when given. */
  listByRecipient(deviceId: string, recipient: string, limit: number, before?: number): Promise<MessageRecord[]>
}

export interface InboundRecord {
  deviceId: string
  id: string
  chat: string
  type: string
  /** The message as JSON (messaging/inbound-message.ts). */
  payload: string
  timestamp: number
  /** When the session marked it read (epoch ms), null while unread. */
  readAt: number | null
  /** Sent by the account from another of its devices; never unread. */
  fromMe: boolean
  /** For fromMe messages, how far they got (sent, delivered, read, played); null for received ones. */
  status: string | null
}

/** A message from the phone's history: stored as it was there (read or not, its status). */
export interface HistoryRecord {
  record: InboundRecord
  raw: Uint8Array | null
}

export interface InboundMessageRepository {
  /**
   * Stores a received message and queues its event's deliveries, in one transaction, unless this
   * session already has a message with its id; returns whether it did (false: a duplicate, nothing
   * written). A message stored by an earlier version whose event was never queued (a crash between
   * the two; WhatsApp, which got no receipt, delivers it again) counts as new. A fromMe message
   * starts as 'sent'.
   */
  insert(record: Omit<InboundRecord, 'readAt' | 'fromMe' | 'status'> & { fromMe?: boolean }, raw: Uint8Array | null, deliveries?: readonly NewDelivery[]): Promise<boolean>
  /** Stores history messages in one transaction, skipping ids already stored; returns how many were new. */
  insertHistory(deviceId: string, messages: readonly HistoryRecord[]): Promise<number>
  get(deviceId: string, id: string): Promise<InboundRecord | undefined>
  /** Those of these ids this session received, in no particular order. */
  getMany(deviceId: string, ids: readonly string[]): Promise<InboundRecord[]>
  /** The chat's received messages (not fromMe) not marked read yet, oldest first. */
  unread(deviceId: string, chat: string, limit: number): Promise<InboundRecord[]>
  /** Moves a fromMe message's status forward from one of `allowedFrom`; undefined when it did not apply. */
  advanceStatus(deviceId: string, id: string, status: string, allowedFrom: readonly string[]): Promise<InboundRecord | undefined>
  /** Marks these messages read at `at` (those already read keep their time). */
  markRead(deviceId: string, ids: readonly string[], at: number): Promise<void>
  raw(deviceId: string, id: string): Promise<Uint8Array | undefined>
  /** Replaces the engine's encoding, e.g. after the media was uploaded again under a new path. */
  updateRaw(deviceId: string, id: string, raw: Uint8Array): Promise<void>
  /** Newest first, older than `before` (epoch ms) when given. */
  listByChat(deviceId: string, chat: string, limit: number, before?: number): Promise<InboundRecord[]>
  deleteOlderThan(createdBefore: number): Promise<number>
}

/** Muted for good (WhatsApp's own value). */
export const MUTED_FOREVER = -1

/** What the account's chat list holds about a chat beyond its messages (history sync, chat actions). */
export interface ChatState {
  name: string | null
  archived: boolean
  /** When it was pinned (epoch ms); 0 when it is not. */
  pinnedAt: number
  /** Muted until (epoch ms), MUTED_FOREVER, or 0 when not muted. */
  mutedUntil: number
  /** Marked unread by hand (WhatsApp's "mark as unread"). */
  markedUnread: boolean
  /** The chat was deleted at this time (epoch ms): earlier messages are gone; 0 when never. */
  clearedAt: number
}

/** Fields to change; those left out keep their value. lastActivity and clearedAt only move forward. */
export type ChatChange = Partial<ChatState> & { lastActivity?: number }

export interface ChatListing extends ChatState {
  jid: string
  /** The newest message or chat activity (epoch ms). */
  lastActivity: number
  /** Received messages not marked read. */
  unread: number
  /** From the contact, when the chat has no name of its own. */
  contactName: string | null
  pushName: string | null
}

export interface ChatRepository {
  /** Merges each change into its chat, creating chats not seen before, in one transaction. */
  update(deviceId: string, changes: ReadonlyArray<{ jid: string; change: ChatChange }>): Promise<void>
  /**
   * Chats from the phone's history: new ones with all their settings; known ones only take the
   * name and activity, since their settings may have changed after the phone's snapshot.
   */
  recordHistory(deviceId: string, chats: ReadonlyArray<{ jid: string; change: ChatChange }>): Promise<void>
  get(deviceId: string, jid: string): Promise<(ChatState & { jid: string }) | undefined>
  /**
   * Chats with any message (received, sent from a device or through the API) or known state, the
   * pinned first, then the most recently active; deleted chats return with their next message.
   */
  list(deviceId: string, limit: number): Promise<ChatListing[]>
  /** Deletes a chat: its stored received messages go, API-sent ones before `at` are hidden. */
  clear(deviceId: string, jid: string, at: number): Promise<void>
  /** Stars or hides (deleted for this account) a message, whichever side wrote it; fields left out keep their value. */
  markMessage(deviceId: string, messageId: string, mark: Partial<MessageMark>): Promise<void>
  /** The marks of those of these messages that have any. */
  messageMarks(deviceId: string, messageIds: readonly string[]): Promise<Map<string, MessageMark>>
}

export interface MessageMark {
  starred: boolean
  /** Deleted for this account ("delete for me"): no longer listed. */
  hidden: boolean
}

export interface ContactRecord {
  jid: string
  /** The name in the account's address book. */
  name: string | null
  /** The name the contact gave themselves. */
  pushName: string | null
  phoneNumber: string | null
  lid: string | null
}

export interface ContactRepository {
  /** Merges what is known (null fields keep what was stored), in one transaction. */
  upsert(deviceId: string, contacts: readonly ContactRecord[]): Promise<void>
  /** Ordered by name, then JID, from `offset`. */
  list(deviceId: string, limit: number, offset: number): Promise<ContactRecord[]>
  get(deviceId: string, jid: string): Promise<ContactRecord | undefined>
  /** The contact stored with this LID (its own JID or the phone-number JID it goes with). */
  findByLid(deviceId: string, lid: string): Promise<ContactRecord | undefined>
  /** Remembers that the session follows this contact's presence (renewed after each reconnect). */
  followPresence(deviceId: string, jid: string): Promise<void>
  /** The contacts whose presence the session follows. */
  presenceFollowed(deviceId: string): Promise<string[]>
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
  create(record: WebhookRecord): Promise<void>
  listForDevice(deviceId: string): Promise<WebhookRecord[]>
  get(id: string): Promise<WebhookRecord | undefined>
  delete(id: string): Promise<boolean>
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

/** The key of a delivery lane: deliveries to one webhook about one session go out in order. */
export const laneKey = (webhookId: string, deviceId: string): string => `${webhookId}\u0000${deviceId}`

export interface DeliveryRepository {
  enqueue(deliveries: readonly NewDelivery[]): Promise<void>
  /** The oldest pending delivery of each lane (webhook and session) that is due, skipping busy lanes. */
  dueLaneHeads(now: number, limit: number, busyLanes: ReadonlySet<string>): Promise<DeliveryRecord[]>
  /**
   * One lane's head, as dueLaneHeads would hand it out (and, with several nodes, claim it): the
   * lane's oldest pending delivery if it is due; undefined if the lane is empty, its head not due
   * yet, or held by another node's claim. Lets a busy lane go on without looking at every lane.
   */
  claimLaneHead(webhookId: string, deviceId: string, now: number): Promise<DeliveryRecord | undefined>
  /** The pending deliveries queued right behind a lane head, oldest first (a broker takes them in one batch). */
  pendingBehind(head: DeliveryRecord, limit: number): Promise<DeliveryRecord[]>
  markDelivered(seqs: readonly number[]): Promise<void>
  /** Pending deliveries per destination (webhook id or transport). */
  pendingCounts(): Promise<Record<string, number>>
  scheduleRetry(seq: number, nextAttemptAt: number, error: string): Promise<void>
  /** Moves a pending delivery's next attempt later without counting an attempt. */
  postpone(seq: number, nextAttemptAt: number): Promise<void>
  markFailed(seq: number, error: string): Promise<void>
  /** Puts a failed delivery back in its lane, due now. */
  redeliver(seq: number): Promise<DeliveryRecord | undefined>
  get(seq: number): Promise<DeliveryRecord | undefined>
  list(status: DeliveryStatus, limit: number, deviceId?: string): Promise<DeliveryRecord[]>
  /**
   * When dueLaneHeads may next have something for this process: the earliest due time of a lane
   * head, over lanes not busy here (their end wakes the caller anyway) and, with several nodes,
   * not before another node's claim on the lane runs out. Deliveries queued behind a head do not count.
   */
  nextDueAt(now: number, busyLanes: ReadonlySet<string>): Promise<number | undefined>
  deleteForWebhook(webhookId: string): Promise<void>
  deleteDeliveredBefore(updatedBefore: number): Promise<number>
}

export interface DashboardSessionRecord {
  tokenHash: string
  csrfToken: string
  expiresAt: number
}

export interface DashboardSessionRepository {
  create(record: DashboardSessionRecord): Promise<void>
  /** The session if it exists and has not expired. */
  find(tokenHash: string, now: number): Promise<DashboardSessionRecord | undefined>
  delete(tokenHash: string): Promise<void>
  deleteExpired(now: number): Promise<number>
}

/** Every repository of one database, opened and closed together. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  sessions: SessionRepository
  scopedKeys: ScopedKeyRepository
  labels: LabelRepository
  keptMedia: KeptMediaRepository
  authStates: AuthStateRepository
  settings: SettingsRepository
  messages: MessageRepository
  inbound: InboundMessageRepository
  chats: ChatRepository
  contacts: ContactRepository
  webhooks: WebhookRepository
  deliveries: DeliveryRepository
  dashboardLogins: DashboardSessionRepository
  /** A trivial query, for readiness checks. */
  isReachable(): Promise<boolean>
  close(): Promise<void>
}
