import type { Logger } from 'pino'
import type { Accounts } from './accounts.js'
import type { AppStateDesk } from './app-state.js'
import type { CallDesk } from './calls.js'
import type { ChannelDesk } from './channels.js'
import type { ServerIdentity } from './certificates.js'
import type { CodePairings } from './code-pairings.js'
import type { Connection } from './connection.js'
import type { DecryptRetries } from './decrypt-retries.js'
import type { Faults } from './faults.js'
import type { GroupDesk } from './group-desk.js'
import type { Groups } from './groups.js'
import type { Inbox } from './inbox.js'
import type { InboundDelivery } from './inbound-delivery.js'
import type { LiveConnections } from './live-connections.js'
import type { MediaHost } from './media-host.js'
import type { PhoneMedia } from './phone-media.js'
import type { PhonePeers } from './phone-peers.js'
import type { PresenceDesk } from './presence.js'
import type { ProfileDesk } from './profiles.js'
import type { PrivacyTokens } from './privacy-tokens.js'
import type { ReceiptDelivery } from './receipt-delivery.js'

export interface SimOptions {
  /** refs per <pair-device>; the client shows one QR per ref, then ends with 408 */
  qrRefCount: number
  /** how long each ref stays scannable: first, then every later one (WhatsApp: 60 s, 20 s) */
  qrTtlMs: [first: number, later: number]
  /** log in devices the sim has never seen (sim restarted, benchmarks) instead of refusing them */
  acceptUnknownDevices: boolean
  /** ack client messages without decrypting or recording them (benchmarks) */
  ackOnly: boolean
  /** hosts given out in media_conn answers (default: the sim's own media host) */
  mediaHosts: string[]
  /** the phone sends new devices their history sync */
  historySync: boolean
}

/** Shared state every connection and handler works against. */
export interface SimContext {
  identity: ServerIdentity
  accounts: Accounts
  peers: PhonePeers
  faults: Faults
  live: LiveConnections<Connection>
  inbox: Inbox
  /** retry receipts the phones sent for messages they could not decrypt */
  retries: DecryptRetries
  privacyTokens: PrivacyTokens
  /** presence subscriptions, contacts' presence and typing; records what clients signal */
  presence: PresenceDesk
  /** calls rung on linked devices and their rejects */
  calls: CallDesk
  /** "about" texts, pictures, privacy settings, blocklists and business profiles per account */
  profiles: ProfileDesk
  /** app-state sync keys and patches (chat archive, pin, mute, ...) per account */
  appState: AppStateDesk
  /** messages the accounts' phones sent (copied to their devices): id -> sender and recipient, for receipts */
  phoneSent: Map<string, { from: string; to: string }>
  groups: Groups
  /** channels (newsletters): w:mex queries, follows and posts */
  channels: ChannelDesk
  /** w:g2 queries and the w:gp2 notifications that follow them */
  groupDesk: GroupDesk
  media: MediaHost
  /** media contacts sent, which the recipient's phone can re-upload */
  phoneMedia: PhoneMedia
  inbound: InboundDelivery
  /** receipts from the contacts' phones to linked devices, kept for a device while it is offline */
  receipts: ReceiptDelivery<Connection>
  /** ref -> the unpaired connection that showed it */
  pairings: Map<string, Connection>
  /** phone number -> the unpaired connection that asked to pair with it by code */
  codePairings: CodePairings<Connection>
  options: SimOptions
  autoReceipts: 'none' | 'delivered' | 'read'
  logger: Logger
}
