/** What the session lifecycle needs from a WhatsApp engine. The Baileys adapter implements it. */
import type { InboundMessage } from '../messaging/inbound-message.js'
import type { ConnectionSettings } from './session-settings.js'
import type { OutgoingMessage } from '../messaging/outgoing-content.js'
import type { GroupEvent, Groups } from './groups-port.js'
import type { People } from './people-port.js'
import type { LabelEvent, Labels } from './labels-port.js'
import type { Channels } from './channels-port.js'

export interface LinkedAccount {
  /** The device JID, e.g. 15551234567:7@s.whatsapp.net. */
  jid: string
  phoneNumber: string
  pushName: string | null
}

export interface Disconnect {
  /** The engine's status code (see reconnect-policy.ts), undefined when unknown. */
  code: number | undefined
  reason: string
  /** Every QR code expired without a scan. */
  qrExpired: boolean
}

/** Statuses the engine reports for a message this session sent. */
export type EngineMessageStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed'

export interface ConnectionCallbacks {
  /** A new QR code to scan, valid until expiresAt (epoch ms). */
  onQr(qr: string, expiresAt: number): void
  onOpen(account: LinkedAccount): void
  /** The account's own name, learned or changed while connected (from a message it sent on its phone, say). */
  onRenamed(pushName: string): void
  /** Called once when the connection ends for any reason other than our own close(). */
  onClose(disconnect: Disconnect): void
  /** A server ack, a receipt or an error ack for a message this session sent. */
  onMessageStatus(messageId: string, status: EngineMessageStatus, error: string | null): void
  /**
   * A message in one of the account's chats: someone else's, or one the account sent from another
   * of its devices (fromMe). raw is the engine's own encoding, kept for media downloads: given for a
   * message with media only (null otherwise: nothing reads it, and encoding it took CPU per message).
   * WhatsApp's delivery receipt waits for the promise (the message stored and its event queued); a
   * rejection asks WhatsApp to deliver the message again.
   */
  onMessageReceived(message: InboundMessage, raw: Uint8Array | null): Promise<void>
  /** A contact's presence (after subscribePresence) or typing in a chat. */
  onPresence(update: PresenceUpdate): void
  /** A chunk of the history the phone shares after linking: chats, contacts and messages. */
  onHistory(batch: HistoryBatch): void
  /** Chats or messages changed on another device of the account (archived, pinned, starred, ...). */
  onChatEvents(events: ChatEvent[]): void
  /** Someone is calling the account. */
  onCall(call: IncomingCall): void
  /** A group changed, or the account joined one (w:gp2 notifications). */
  onGroupEvent(event: GroupEvent): void
  /** A label changed on another device of the account (WhatsApp Business). */
  onLabelEvent(event: LabelEvent): void
}

export interface IncomingCall {
  callId: string
  /** The caller's JID (phone number where WhatsApp gives it). */
  from: string
  isVideo: boolean
  isGroup: boolean
  /** In a group call: the group. */
  groupJid: string | null
  /** When the call started (epoch ms). */
  at: number
}

export interface Calls {
  /** Rejects a call that is ringing; false when no such call is ringing (any more). */
  reject(callId: string): Promise<boolean>
}

/** A chat as the phone's history describes it. */
export interface HistoryChat {
  jid: string
  name: string | null
  archived: boolean
  /** When it was pinned (epoch ms); 0 when it is not. */
  pinnedAt: number
  /** Muted until (epoch ms), -1 for good, or 0. */
  mutedUntil: number
  /** How many of its newest received messages the phone shows unread. */
  unreadCount: number
  /** The newest message (epoch ms); 0 when unknown. */
  lastActivity: number
}

export interface HistoryContact {
  jid: string
  name: string | null
  pushName: string | null
  phoneNumber: string | null
  lid: string | null
}

export interface HistoryMessage {
  message: InboundMessage
  /** The engine's own encoding, for a message with media only (as onMessageReceived's). */
  raw: Uint8Array | null
  /** For what the account sent: how far it got, as the phone knew. */
  status: EngineMessageStatus | null
}

export interface HistoryBatch {
  /** WhatsApp's chunk kind: initial bootstrap, recent, full, push names, on demand, or another. */
  kind: 'initial' | 'recent' | 'full' | 'push-names' | 'on-demand' | 'other'
  chats: HistoryChat[]
  contacts: HistoryContact[]
  messages: HistoryMessage[]
  /** Percent of the whole transfer, where WhatsApp says. */
  progress: number | null
}

/** A change another device of the account made (app-state sync). */
export type ChatEvent =
  | { kind: 'chat'; jid: string; change: { archived?: boolean; pinnedAt?: number; mutedUntil?: number; markedUnread?: boolean } }
  | { kind: 'chat-deleted'; jid: string }
  | { kind: 'message-starred'; jid: string; messageId: string; starred: boolean }
  | { kind: 'message-deleted'; jid: string; messageId: string }

/** A message of a chat as chat actions name it (WhatsApp checks the newest one on archive, delete, mark unread). */
export interface MessageRef {
  id: string
  fromMe: boolean
  /** In a group: who sent it, for messages not from the account. */
  participant: string | null
  /** Epoch ms. */
  timestamp: number
}

/** Chat settings shared with every device of the account (WhatsApp app-state patches). */
export interface ChatActions {
  archive(chat: string, archived: boolean, newest: MessageRef | null): Promise<void>
  pin(chat: string, pinned: boolean): Promise<void>
  /** Until epoch ms, -1 for good, or null to unmute. */
  mute(chat: string, until: number | null): Promise<void>
  markUnread(chat: string, unread: boolean, newest: MessageRef | null): Promise<void>
  delete(chat: string, newest: MessageRef | null): Promise<void>
  star(chat: string, message: MessageRef, starred: boolean): Promise<void>
  deleteForMe(chat: string, message: MessageRef): Promise<void>
}

/** What the account shows in one chat. */
export type ChatPresence = 'typing' | 'recording' | 'paused'
/** The account's own availability. */
export type AccountPresence = 'online' | 'offline'
/** What a contact shows: available or not, or typing or recording a voice note in a chat. */
export type PresenceState = 'online' | 'offline' | 'typing' | 'recording'

export interface PresenceUpdate {
  /** The chat it concerns: the contact's own JID, or the group's. */
  chat: string
  /** Who: the contact (in a group, the member typing). */
  participant: string
  state: PresenceState
  /** When the contact was last online (epoch ms), where they share it. */
  lastSeen: number | null
}

/** A received message to mark read. */
export interface ReadTarget {
  id: string
  /** In a group: the member who sent it. */
  sender: string | null
}

/** Read receipts, typing and presence: what makes a session behave like a WhatsApp client in a chat. */
export interface Conversations {
  /** Sends read receipts for received messages of one chat. */
  markRead(chat: string, messages: ReadTarget[]): Promise<void>
  setChatPresence(chat: string, state: ChatPresence): Promise<void>
  setPresence(state: AccountPresence): Promise<void>
  /** Asks WhatsApp for this contact's presence updates (online, last seen, typing). */
  subscribePresence(jid: string): Promise<void>
}

export interface WrittenMessage {
  /** The message as encoded on the wire, kept to answer the recipients' retry requests. */
  encoded: Uint8Array
}

/** The socket closed before or while a message was written; it may be sent again after reconnecting. */
export class ConnectionClosedError extends Error {
  constructor(message = 'The WhatsApp connection closed') {
    super(message)
    this.name = 'ConnectionClosedError'
  }
}

/** WhatsApp's endpoint could not be reached at all, so no socket was opened: the network's outage, as code 408. */
export class WhatsAppUnreachableError extends Error {
  constructor(reason: string) {
    super(`WhatsApp is unreachable: ${reason}`)
    this.name = 'WhatsAppUnreachableError'
  }
}

export interface NumberCheck {
  /** The phone-number JID asked about. */
  jid: string
  exists: boolean
}

export interface WhatsAppConnection {
  readonly conversations: Conversations
  readonly chats: ChatActions
  readonly people: People
  readonly calls: Calls
  readonly groups: Groups
  readonly labels: Labels
  readonly channels: Channels
  /** Which of these phone-number JIDs have WhatsApp. */
  checkNumbers(jids: string[]): Promise<NumberCheck[]>
  /** Resolves when the message is written to the socket under the given id; acks follow via onMessageStatus. */
  send(jid: string, message: OutgoingMessage, messageId: string): Promise<WrittenMessage>
  /**
   * The media of a received message (raw as given to onMessageReceived). When WhatsApp's link has
   * expired the phone is asked to upload it again; updatedRaw then replaces the stored raw.
   */
  downloadMedia(raw: Uint8Array): Promise<{ stream: NodeJS.ReadableStream; updatedRaw?: Uint8Array }>
  /** Asks WhatsApp for a code to link this device by phone number (only before pairing). */
  requestPairingCode(phoneDigits: string): Promise<string>
  /** Ends the socket but keeps the link to the phone. */
  close(): void
  /** Unlinks this device from the phone, then ends the socket. */
  logout(): Promise<void>
}

export interface WhatsAppConnector {
  /** Loads the session's credentials and opens a socket; events follow through the callbacks. */
  connect(deviceId: string, settings: ConnectionSettings, callbacks: ConnectionCallbacks): Promise<WhatsAppConnection>
  /** A fresh id in WhatsApp's format, assigned before a message is first attempted. */
  newMessageId(): string
  /** Deletes the session's credentials and keys. */
  forget(deviceId: string): Promise<void>
  /** Resolves once the session's closed sockets have finished writing (before another node takes it over). */
  flush(deviceId: string): Promise<void>
}
