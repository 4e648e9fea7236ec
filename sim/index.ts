import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { type AuthenticationCreds, type ChatModification, Curve, type proto } from '@whiskeysockets/baileys'
import pino, { type Logger } from 'pino'
import { WebSocketServer } from 'ws'
import { installFastX25519 } from '../src/whatsapp/fast-x25519.js'
import { installFastXEdDSA } from '../src/whatsapp/fast-xeddsa.js'
import { Accounts, isPhoneNumber } from './accounts.js'
import { AppStateDesk, serverSync, type PushedMutation } from './app-state.js'
import { CallDesk, type RejectedCall } from './calls.js'
import { type Channel, ChannelDesk } from './channels.js'
import { createServerIdentity } from './certificates.js'
import { receiptNode } from './client-messages.js'
import { CodePairings } from './code-pairings.js'
import { Connection } from './connection.js'
import { ClientSignals, type ClientSignal } from './client-signals.js'
import type { SimContext, SimOptions } from './context.js'
import { DecryptRetries } from './decrypt-retries.js'
import { Faults, type SilenceKind } from './faults.js'
import { GroupDesk, type PhoneGroupChange } from './group-desk.js'
import { STATUS_JID } from './group-messages.js'
import { Groups, type Group, type NewGroup } from './groups.js'
import type { HistoryChat } from './history-sync.js'
import { Inbox, type ReceivedMessage } from './inbox.js'
import { InboundDelivery } from './inbound-delivery.js'
import { LiveConnections, type ConnectionLogEntry } from './live-connections.js'
import { MediaHost } from './media-host.js'
import { hostedMediaMessage, type OutgoingMedia } from './media-messages.js'
import { companionFor, makeLinkedCreds, parseQr } from './pairing.js'
import { PhoneMedia } from './phone-media.js'
import { copySentMessageToDevices } from './own-phone.js'
import { PhonePeers } from './phone-peers.js'
import { PreKeyPool } from './prekey-pool.js'
import { type ContactPresence, PresenceDesk } from './presence.js'
import { type BusinessProfile, type Profile, ProfileDesk } from './profiles.js'
import { PrivacyTokens } from './privacy-tokens.js'
import { ReceiptDelivery } from './receipt-delivery.js'

export type { ReceivedMessage } from './inbox.js'
export type { ConnectionLogEntry } from './live-connections.js'
export type { ClientSignal } from './client-signals.js'
export type { Group, NewGroup } from './groups.js'
export type { PhoneGroupChange } from './group-desk.js'
export type { ContactPresence } from './presence.js'
export type { MediaFile, MediaKind, OutgoingMedia } from './media-messages.js'

export interface SimulatorOptions {
  port?: number
  host?: string
  logger?: Logger
  /** refs per QR session (default 6, like WhatsApp) */
  qrRefCount?: number
  /** scan window per ref: one number for all, or [first, later] (default [60000, 20000]) */
  qrTtlMs?: number | [number, number]
  /** log in devices the sim never linked, e.g. after a sim restart (default true) */
  acceptUnknownDevices?: boolean
  /** ack client messages without decrypting or recording them, for benchmarks (default false) */
  ackOnly?: boolean
  /** hostnames answered in media_conn (default: the sim's own HTTPS media host, see mediaCaPem) */
  mediaHosts?: string[]
  /** phone numbers onWhatsApp() reports as not registered (default: everyone exists); paired accounts always exist */
  notOnWhatsApp?: Iterable<string>
  /**
   * the phone sends each newly linked device an (empty) history sync on its first login, until the
   * device confirms it (default true); without it Baileys holds back all events for 20 s on that login
   */
  historySync?: boolean
}

export interface PairedAccount {
  phoneNumber: string
  /** the linked device's jid, e.g. 15550001111:7@s.whatsapp.net */
  jid: string
  /** the linked device's LID, e.g. 123456789012345:7@lid */
  lid: string
}

/** A QR ref a client is showing right now. The QR string itself cannot be rebuilt: its adv secret never leaves the client. */
export interface PendingQr {
  ref: string
  expiresAt: number
}

export interface AccountSummary {
  phoneNumber: string
  lid: string
  /** linked (not removed) companion device ids */
  devices: number[]
  /** their names as the phone lists them (null where the sim did not see them link), in the same order */
  deviceNames: Array<string | null>
  live: number
}

/** A one-time pre-key a provisioned device holds and the simulator hands out for it: Baileys' `pre-key` entry under `String(keyId)` */
export interface ProvisionedPreKey {
  keyId: number
  keyPair: { public: Uint8Array; private: Uint8Array }
}

export interface Simulator {
  /** ws://HOST:PORT/ws/chat, for makeWASocket({ waWebSocketUrl }) */
  url: string
  /** base64 of the 32-byte root public key WITHOUT the 0x05 prefix; clients set WA_CERT_DETAILS.PUBLIC_KEY to its bytes */
  rootPublicKeyB64: string
  /** the phone scans a QR string from connection.update and links that client to an account */
  scanQr(qr: string, opts?: { phoneNumber?: string }): Promise<PairedAccount>
  /** the phone of `phoneNumber` enters the code a client got from requestPairingCode(phoneNumber); links it like scanQr (waits up to timeoutMs, default 5 s, for the client's request) */
  pairWithCode(phoneNumber: string, code: string, opts?: { timeoutMs?: number }): Promise<PairedAccount>
  /**
   * credentials of a freshly linked device, as if QR-paired; no socket needed (tests, benchmarks).
   * With `preKeys`, the device has already uploaded that many one-time pre-keys (ids from 1), returned with their private halves for the client's key store, so its first login uploads none
   */
  provision(phoneNumber?: string, opts?: { preKeys?: number }): PairedAccount & { creds: AuthenticationCreds; preKeys: ProvisionedPreKey[] }
  /** logged-in sockets, in total or of one account */
  liveConnections(phoneNumber?: string): number
  /** the QR ref each unpaired client is showing right now */
  pendingQrs(): PendingQr[]
  /** accounts with at least one linked device */
  linkedAccounts(): AccountSummary[]
  /** calls `listener` for each message clients send from now on (after decryption); returns an unsubscribe function */
  onReceived(listener: (m: ReceivedMessage) => void): () => void
  connectionLog(): ConnectionLogEntry[]
  received(): ReceivedMessage[]
  /** Copies of already received messages (same sender, same id) that the recipient dropped, as a phone does */
  duplicatesDropped(): number
  /**
   * Retry receipts the contacts' phones sent because they could not decrypt a client's message
   * (stale Signal session): the client re-sends on a fresh session. A phone asks at most 5 times per message.
   */
  retryReceiptsSent(): number
  /** Contacts' messages re-sent because a client could not decrypt them and asked again (its retry receipt) */
  messagesResent(): number
  /** One-time pre-keys the phone of `phoneNumber` handed out to clients (key fetches, retry receipts): each is a new Signal session with it */
  preKeysGiven(phoneNumber: string): number
  /** Read receipts, typing, presence and presence subscriptions the clients of `phoneNumber` (or all) sent, oldest first */
  clientSignals(phoneNumber?: string): ClientSignal[]
  /** resolves with the first client signal, already sent or coming, that matches */
  waitForSignal(pred: (signal: ClientSignal) => boolean, timeoutMs?: number): Promise<ClientSignal>
  /** a contact comes online or goes offline (with its last-seen time): accounts that subscribed to it hear at once */
  setContactPresence(contactPhone: string, presence: ContactPresence): void
  /** a contact types, records a voice note, or stops, in its chat with a linked account */
  sendChatState(toPhone: string, fromPhone: string, state: 'composing' | 'recording' | 'paused'): void
  /** Trusted-contact privacy tokens the account's devices issued to contacts (WhatsApp Web: one per contact per 7 days). */
  privacyTokensIssued(phoneNumber: string): number
  /**
   * Receipts (retry, delivery, read) kept for the account's devices that have no live socket: each
   * device gets its own on its next login, before its offline messages. At most 1,000 per device.
   */
  queuedReceipts(phoneNumber: string): number
  /**
   * Contacts' messages to the account that no client has taken yet: written to a live socket without
   * a receipt or ack back (or nacked as the client's own failure), or kept for the next login.
   */
  undelivered(phoneNumber: string): number
  waitForMessage(pred: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>
  /** a contact (fromPhone) writes to a linked account; encrypted (default true) uses real Signal */
  sendText(toPhone: string, fromPhone: string, text: string, opts?: { encrypted?: boolean }): Promise<{ id: string }>
  sendMessage(toPhone: string, fromPhone: string, message: proto.IMessage, opts?: { encrypted?: boolean }): Promise<{ id: string }>
  /** the user of a linked account types a message on the phone to a contact: its live linked devices get a copy (deviceSentMessage) */
  sendFromPhone(phoneNumber: string, toPhone: string, message: proto.IMessage): Promise<{ id: string }>
  /** a group on the server; participants are phone numbers (paired accounts or contacts), the owner is added if missing */
  createGroup(spec: NewGroup): { jid: string }
  /** a group's live state (participants, admins, settings, invite code, join requests) */
  groupOf(groupJid: string): Group | undefined
  /** a channel (newsletter) someone else owns, for linked devices to look up, follow and hear */
  createChannel(ownerPhone: string, name: string, opts?: { description?: string; verified?: boolean }): { jid: string; invite: string }
  /** a channel as the server keeps it: followers (phone -> muted), posts */
  channelOf(jid: string): Readonly<Channel> | undefined
  /** the channel's owner posts; followers' linked devices receive it (a plaintext message from the channel) */
  postToChannel(jid: string, message: proto.IMessage): { id: string; serverId: number }
  /** a member changes the group from a phone: members' devices get the w:gp2 notification */
  groupChange(groupJid: string, byPhone: string, change: PhoneGroupChange): void
  /** someone asks to join a group (as by its invite link); admins' devices are told */
  requestToJoin(groupJid: string, phone: string): void
  /** how many times clients asked for a group's metadata */
  groupMetadataQueries(groupJid: string): number
  /** a participant writes to a group: delivered to every linked account in it but the sender; encrypted (default true) uses sender keys */
  sendGroupMessage(groupJid: string, fromPhone: string, message: proto.IMessage, opts?: { encrypted?: boolean }): Promise<{ id: string }>
  /** `fromPhone` posts a status update its audience's linked devices receive (from status@broadcast, under its status sender key) */
  postStatus(fromPhone: string, audience: string[], message: proto.IMessage): Promise<{ id: string }>
  /** what a user shows of itself: "about", picture (a JPEG), privacy settings, business profile, profile name */
  setProfile(phoneNumber: string, profile: { about?: string; picture?: Buffer | null; privacy?: Record<string, string>; business?: BusinessProfile | null; pushName?: string }): void
  /** an account's profile as the server holds it: what its devices set (about, picture, privacy, blocklist) */
  profileOf(phoneNumber: string): Readonly<Profile>
  /** a contact calls a linked account (video or voice): its live devices ring; returns the call id */
  offerCall(toPhone: string, fromPhone: string, opts?: { video?: boolean }): string
  /** calls the accounts' devices rejected, oldest first */
  rejectedCalls(): readonly RejectedCall[]
  /** the chats on the account's phone: devices it links from now on get them by history sync */
  setPhoneHistory(phoneNumber: string, chats: HistoryChat[]): void
  /**
   * the user changes a chat on the phone (archive, pin, mute, mark unread, delete, star, ...): an
   * app-state patch, announced to the account's live devices (server_sync)
   */
  phoneChatAction(phoneNumber: string, modification: ChatModification, jid: string): Promise<void>
  /** app-state changes the account's devices pushed (chat archived, pinned, ...), decoded by the phone, oldest first */
  appStatePushes(phoneNumber: string): readonly PushedMutation[]
  /** PEM of the CA behind the media host's HTTPS certificate: trust it with NODE_EXTRA_CA_CERTS, or an https.Agent / undici dispatcher */
  readonly mediaCaPem: string
  /** host:port of the HTTPS media host (uploads, downloads) */
  readonly mediaHost: string
  /** a contact sends a file: encrypted and hosted on the media host, delivered as a media message pointing at it */
  sendMedia(toPhone: string, fromPhone: string, media: OutgoingMedia, opts?: { encrypted?: boolean }): Promise<{ id: string; directPath: string }>
  /** the media host answers 410 Gone for this file from now on (direct path, url or id) */
  expireMedia(directPathOrId: string): void
  /** receipt for a message the account toPhone sent (from a linked device or its phone), from its recipient */
  sendReceipt(toPhone: string, messageId: string, type: 'delivered' | 'read' | 'played'): Promise<void>
  autoReceipts: 'none' | 'delivered' | 'read'
  /** <stream:error> to every socket of the account: 440 conflict/replaced, 401 device_removed, else code= */
  kick(phoneNumber: string, code: number): void
  /** abrupt close without a stream error */
  drop(phoneNumber?: string): void
  refuseConnections(on: boolean): void
  failNextSends(phoneNumber: string, count: number, errorCode?: number): void
  /** the recipient's phone cannot decrypt the account's next `count` 1:1 messages and asks for a retry of each */
  garbleNextSends(phoneNumber: string, count: number): void
  /** receipts from the contacts' phones to the account's devices wait (as for an offline device) until turned off, then go to its live sockets */
  holdReceipts(phoneNumber: string, on: boolean): void
  silence(kind: SilenceKind, on: boolean): void
  delayMs: number
  /** numbers that are not WhatsApp users (unless paired); mutable at any time */
  readonly notOnWhatsApp: Set<string>
  /** removes every linked device of the account: live sockets get 401, later logins a 401 failure */
  unlink(phoneNumber: string): void
  close(): Promise<void>
}

const DEFAULT_QR_TTL: [number, number] = [60_000, 20_000]
const DEFAULT_WAIT_MS = 5_000
const DEFAULT_SEND_ERROR = 479

function resolveOptions(opts: SimulatorOptions, mediaHost: string): SimOptions {
  const ttl = opts.qrTtlMs ?? DEFAULT_QR_TTL
  return {
    qrRefCount: opts.qrRefCount ?? 6,
    qrTtlMs: typeof ttl === 'number' ? [ttl, ttl] : ttl,
    acceptUnknownDevices: opts.acceptUnknownDevices ?? true,
    ackOnly: opts.ackOnly ?? false,
    mediaHosts: opts.mediaHosts ?? [mediaHost],
    historySync: opts.historySync ?? true
  }
}

function inventPhoneNumber(accounts: Accounts): string {
  for (;;) {
    const candidate = '1555' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0')
    if (!accounts.find(candidate)) return candidate
  }
}

function rejectUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  // The phones' Signal work and each device provisioned are the server's crypto too: the same byte-identical fast paths keep the simulator off the critical path at scale.
  installFastX25519()
  installFastXEdDSA()
  const logger = opts.logger ?? pino({ level: 'silent' })
  const accounts = new Accounts()
  for (const phoneNumber of opts.notOnWhatsApp ?? []) accounts.notOnWhatsApp.add(phoneNumber)
  const groups = new Groups(accounts)
  const media = new MediaHost()
  await media.listen(opts.host ?? '127.0.0.1')
  const options = resolveOptions(opts, media.hostname)
  const peers = new PhonePeers(logger, options.ackOnly)
  const live = new LiveConnections<Connection>()
  const faults = new Faults()
  const signals = new ClientSignals()
  const profiles = new ProfileDesk(accounts, media, live)
  const ctx: SimContext = {
    identity: createServerIdentity(),
    accounts,
    peers,
    faults,
    live,
    inbox: new Inbox(),
    retries: new DecryptRetries(),
    privacyTokens: new PrivacyTokens(),
    presence: new PresenceDesk(accounts, live, signals),
    phoneSent: new Map(),
    appState: new AppStateDesk((phoneNumber, { action }) => {
      // the profile name is app state (critical_block): contacts see the new one from now on
      if (action.pushNameSetting?.name) accounts.get(phoneNumber).pushName = action.pushNameSetting.name
    }),
    profiles,
    calls: new CallDesk(live),
    groups,
    groupDesk: new GroupDesk(groups, accounts, live, profiles),
    channels: new ChannelDesk(live, logger),
    media,
    phoneMedia: new PhoneMedia(),
    inbound: new InboundDelivery(accounts, peers, live, logger),
    receipts: new ReceiptDelivery(live, logger),
    pairings: new Map(),
    codePairings: new CodePairings(),
    options,
    autoReceipts: 'delivered',
    logger
  }

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  const server = createServer((_req, res) => res.writeHead(404).end())
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!req.url?.startsWith('/ws/chat')) return rejectUpgrade(socket, '404 Not Found')
    // Reset, not an HTTP error: Baileys listens for 'unexpected-response', which stops ws from
    // failing the handshake, so an HTTP refusal would leave the client connecting forever.
    if (faults.refusing) return socket.destroy()
    wss.handleUpgrade(req, socket, head, ws => new Connection(ws, ctx))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve)
  })
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address

  const sendMessage: Simulator['sendMessage'] = async (toPhone, fromPhone, message, sendOpts) => {
    if (!accounts.isLinked(toPhone)) throw new Error(`${toPhone} has no linked device`)
    if (!isPhoneNumber(fromPhone)) throw new Error(`not a phone number: ${fromPhone}`)
    return ctx.inbound.deliver(toPhone, fromPhone, message, sendOpts?.encrypted ?? true)
  }

  return {
    url: `ws://${host}:${port}/ws/chat`,
    rootPublicKeyB64: ctx.identity.rootPublicKey.toString('base64'),

    async scanQr(qr, scanOpts) {
      const parsed = parseQr(qr)
      const conn = ctx.pairings.get(parsed.ref)
      if (!conn) throw new Error('unknown QR code (never shown, already used, or its socket closed)')
      if (!conn.refIsLive(parsed.ref)) throw new Error('QR code expired')
      const phoneNumber = scanOpts?.phoneNumber ?? inventPhoneNumber(accounts)
      const companion = await conn.completePairing(parsed, accounts.get(phoneNumber))
      return { phoneNumber, jid: companion.jid, lid: companion.lid }
    },

    async pairWithCode(phoneNumber, code, pairOpts) {
      const conn = await ctx.codePairings.waitFor(phoneNumber, pairOpts?.timeoutMs ?? DEFAULT_WAIT_MS)
      if (!conn) throw new Error(`no client is waiting to pair with ${phoneNumber} by code`)
      const companion = await conn.completeCodePairing(code.replace(/[\s-]/g, '').toUpperCase(), accounts.get(phoneNumber))
      return { phoneNumber, jid: companion.jid, lid: companion.lid }
    },

    provision(phoneNumber = inventPhoneNumber(accounts), provisionOpts = {}) {
      const account = accounts.get(phoneNumber)
      const device = account.nextDevice
      const companion = companionFor(account, device)
      const creds = makeLinkedCreds(companion)
      const preKeys = Array.from({ length: provisionOpts.preKeys ?? 0 }, (_, index) => ({ keyId: index + 1, keyPair: Curve.generateKeyPair() }))
      creds.nextPreKeyId = creds.firstUnuploadedPreKeyId = preKeys.length + 1
      const preKeyPool = new PreKeyPool()
      preKeyPool.add(preKeys.map(({ keyId, keyPair }) => ({ id: keyId, publicKey: keyPair.public })))
      accounts.linkDevice(
        account,
        Buffer.from(creds.noiseKey.public),
        {
          registrationId: creds.registrationId,
          identityKey: Buffer.from(creds.signedIdentityKey.public),
          signedPreKey: {
            keyId: creds.signedPreKey.keyId,
            publicKey: Buffer.from(creds.signedPreKey.keyPair.public),
            signature: Buffer.from(creds.signedPreKey.signature)
          },
          preKeys: preKeyPool
        },
        device
      )
      return { phoneNumber, jid: companion.jid, lid: companion.lid, creds, preKeys }
    },

    liveConnections: phoneNumber => live.loggedInCount(phoneNumber),
    pendingQrs: () => [...new Set(ctx.pairings.values())].flatMap(conn => conn.currentRef() ?? []),
    linkedAccounts: () =>
      accounts.linked().map(account => ({
        phoneNumber: account.phoneNumber,
        lid: account.lid,
        devices: [...account.devices.values()].filter(d => !d.removed).map(d => d.device),
        deviceNames: [...account.devices.values()].filter(d => !d.removed).map(d => d.name),
        live: live.loggedInCount(account.phoneNumber)
      })),
    onReceived: listener => ctx.inbox.subscribe(listener),
    connectionLog: () => live.history(),
    received: () => ctx.inbox.all(),
    duplicatesDropped: () => ctx.inbox.duplicateCount(),
    retryReceiptsSent: () => ctx.retries.total,
    messagesResent: () => ctx.inbound.resent,
    preKeysGiven: phoneNumber => ctx.peers.get(phoneNumber).preKeysGiven,
    privacyTokensIssued: phoneNumber => ctx.privacyTokens.count(phoneNumber),
    clientSignals: phoneNumber => signals.list().filter(signal => phoneNumber === undefined || signal.from === phoneNumber),
    waitForSignal: (pred, timeoutMs = DEFAULT_WAIT_MS) => signals.wait(pred, timeoutMs),
    setContactPresence: (contactPhone, presence) => ctx.presence.set(contactPhone, presence),
    sendChatState: (toPhone, fromPhone, state) => ctx.presence.chatState(toPhone, fromPhone, state),
    queuedReceipts: phoneNumber =>
      [...(accounts.find(phoneNumber)?.devices.values() ?? [])].reduce((sum, device) => sum + ctx.receipts.queued(device), 0),
    undelivered: phoneNumber =>
      live.sockets(phoneNumber).reduce((sum, conn) => sum + conn.unacked.size, ctx.inbound.queuedFor(phoneNumber)),
    waitForMessage: (pred, timeoutMs = DEFAULT_WAIT_MS) => ctx.inbox.wait(pred, timeoutMs),

    sendText: (toPhone, fromPhone, text, sendOpts) => sendMessage(toPhone, fromPhone, { conversation: text }, sendOpts),
    sendMessage,
    sendFromPhone: async (phoneNumber, toPhone, message) => ({ id: await copySentMessageToDevices(ctx, phoneNumber, toPhone, message) }),

    mediaCaPem: media.caPem,
    mediaHost: media.hostname,

    async sendMedia(toPhone, fromPhone, spec, sendOpts) {
      const { message, directPath } = await hostedMediaMessage(spec, media)
      const { id } = await sendMessage(toPhone, fromPhone, message, sendOpts)
      ctx.phoneMedia.remember(id, toPhone, message)
      return { id, directPath }
    },

    expireMedia(directPathOrId) {
      if (!media.expire(directPathOrId)) throw new Error(`no hosted media ${directPathOrId}`)
    },

    createGroup: spec => ({ jid: groups.create(spec).jid }),
    groupOf: groupJid => groups.get(groupJid),
    createChannel(ownerPhone, name, channelOpts = {}) {
      const { jid, invite } = ctx.channels.create(ownerPhone, name, channelOpts.description, channelOpts)
      return { jid, invite }
    },
    channelOf: jid => ctx.channels.get(jid),
    postToChannel: (jid, message) => ctx.channels.postFromOwner(jid, message),
    groupChange: (groupJid, byPhone, change) => ctx.groupDesk.phoneChange(groupJid, byPhone, change),
    requestToJoin: (groupJid, phone) => ctx.groupDesk.requestToJoin(groupJid, phone),
    groupMetadataQueries: groupJid => ctx.groupDesk.metadataQueries.get(groupJid) ?? 0,

    offerCall: (toPhone, fromPhone, callOpts) => ctx.calls.offer(toPhone, fromPhone, callOpts?.video ?? false),
    rejectedCalls: () => ctx.calls.rejected,

    setProfile(phoneNumber, changes) {
      const profile = ctx.profiles.of(phoneNumber)
      if (changes.about !== undefined) profile.about = { text: changes.about, setAt: Date.now() }
      if (changes.picture !== undefined) ctx.profiles.setPicture(phoneNumber, changes.picture)
      if (changes.privacy) Object.assign(profile.privacy, changes.privacy)
      if (changes.business !== undefined) profile.business = changes.business
      if (changes.pushName !== undefined) accounts.get(phoneNumber).pushName = changes.pushName
    },
    profileOf: phoneNumber => ctx.profiles.of(phoneNumber),

    setPhoneHistory(phoneNumber, chats) {
      accounts.get(phoneNumber).history = chats
    },
    async phoneChatAction(phoneNumber, modification, jid) {
      const { collection, version } = await ctx.appState.phoneChange(phoneNumber, modification, jid)
      for (const conn of live.sockets(phoneNumber)) conn.send(serverSync(collection, version))
    },
    appStatePushes: phoneNumber => ctx.appState.pushedBy(phoneNumber),

    postStatus: (fromPhone, audience, message) =>
      ctx.inbound.deliverToGroup(STATUS_JID, audience.filter(phone => accounts.isLinked(phone)), fromPhone, message, true),

    async sendGroupMessage(groupJid, fromPhone, message, sendOpts) {
      const group = groups.get(groupJid)
      if (!group) throw new Error(`no group ${groupJid}`)
      if (!group.participants.includes(fromPhone)) throw new Error(`${fromPhone} is not in ${groupJid}`)
      const members = group.participants.filter(phone => phone !== fromPhone && accounts.isLinked(phone))
      return ctx.inbound.deliverToGroup(groupJid, members, fromPhone, message, sendOpts?.encrypted ?? true)
    },

    async sendReceipt(toPhone, messageId, type) {
      const sent = ctx.inbox.get(messageId) ?? ctx.phoneSent.get(messageId)
      if (!sent || sent.from !== toPhone) throw new Error(`no message ${messageId} from ${toPhone}`)
      // to every device of the sender; one that is offline gets it on its next login
      const receipt = receiptNode(sent.to, messageId, type)
      for (const device of accounts.get(toPhone).devices.values()) ctx.receipts.send(toPhone, device, receipt)
    },

    get autoReceipts() {
      return ctx.autoReceipts
    },
    set autoReceipts(mode) {
      ctx.autoReceipts = mode
    },

    kick(phoneNumber, code) {
      for (const conn of live.sockets(phoneNumber)) conn.kick(code)
    },
    drop(phoneNumber) {
      for (const conn of live.sockets(phoneNumber)) conn.drop()
    },
    refuseConnections(on) {
      faults.refusing = on
    },
    failNextSends(phoneNumber, count, errorCode = DEFAULT_SEND_ERROR) {
      faults.failNextSends(phoneNumber, count, errorCode)
    },
    garbleNextSends(phoneNumber, count) {
      faults.garbleNextSends(phoneNumber, count)
    },
    holdReceipts(phoneNumber, on) {
      ctx.receipts.hold(phoneNumber, on)
    },
    silence(kind, on) {
      if (on) faults.silenced.add(kind)
      else faults.silenced.delete(kind)
    },
    get delayMs() {
      return faults.delayMs
    },
    set delayMs(ms) {
      faults.delayMs = ms
    },

    notOnWhatsApp: accounts.notOnWhatsApp,

    unlink(phoneNumber) {
      for (const device of accounts.find(phoneNumber)?.devices.values() ?? []) {
        device.removed = true
        ctx.receipts.forget(device)
      }
      for (const conn of live.sockets(phoneNumber)) conn.kick(401)
    },

    async close() {
      for (const conn of live.sockets()) conn.drop()
      await new Promise<void>(resolve => wss.close(() => resolve()))
      await new Promise<void>(resolve => server.close(() => resolve()))
      await media.close()
    }
  }
}
