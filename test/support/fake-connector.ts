import { Readable } from 'node:stream'
import type { InboundMessage } from '../../src/messaging/inbound-message.js'
import type { OutgoingMessage } from '../../src/messaging/outgoing-content.js'
import type {
  Calls,
  ChatActions,
  ChatEvent,
  ConnectionCallbacks,
  Conversations,
  Disconnect,
  EngineMessageStatus,
  HistoryBatch,
  IncomingCall,
  LinkedAccount,
  NumberCheck,
  PresenceUpdate,
  WhatsAppConnection,
  WhatsAppConnector,
  WrittenMessage,
} from '../../src/sessions/whatsapp-port.js'
import type { GroupInfo, GroupSummary, Groups } from '../../src/sessions/groups-port.js'
import type { People } from '../../src/sessions/people-port.js'
import type { EngineLabel, Labels } from '../../src/sessions/labels-port.js'
import type { Channels } from '../../src/sessions/channels-port.js'
import type { ConnectionSettings } from '../../src/sessions/session-settings.js'

export interface FakeSend {
  jid: string
  message: OutgoingMessage
  messageId: string
}

function fakeGroup(jid: string): GroupInfo {
  return { jid, subject: 'Fake group', description: null, owner: null, createdAt: null, announceOnly: false, locked: false, ephemeralSeconds: 0, joinApproval: false, size: 0, participants: [] }
}

/** A connection the test drives by hand: it emits what the test tells it to. */
export class FakeConnection implements WhatsAppConnection {
  closed = false
  loggedOut = false
  readonly sent: FakeSend[] = []
  /** What groups() answers. */
  groupList: GroupSummary[] = []
  /** Phone-number JIDs without WhatsApp; every other number has it. */
  readonly notOnWhatsApp = new Set<string>()
  /** Every checkNumbers query, to see what the cache saved. */
  readonly numberQueries: string[][] = []
  /** Every conversation call (read receipts, typing, presence), in order, as [method, ...arguments]. */
  readonly conversationCalls: unknown[][] = []
  readonly conversations: Conversations = {
    markRead: async (...args) => void this.conversationCalls.push(['markRead', ...args]),
    setChatPresence: async (...args) => void this.conversationCalls.push(['setChatPresence', ...args]),
    setPresence: async (...args) => void this.conversationCalls.push(['setPresence', ...args]),
    subscribePresence: async (...args) => void this.conversationCalls.push(['subscribePresence', ...args]),
  }

  /** Every chat action (archive, pin, ...), in order, as [method, ...arguments]. */
  readonly chatCalls: unknown[][] = []
  readonly chats: ChatActions = {
    archive: async (...args) => void this.chatCalls.push(['archive', ...args]),
    pin: async (...args) => void this.chatCalls.push(['pin', ...args]),
    mute: async (...args) => void this.chatCalls.push(['mute', ...args]),
    markUnread: async (...args) => void this.chatCalls.push(['markUnread', ...args]),
    delete: async (...args) => void this.chatCalls.push(['delete', ...args]),
    star: async (...args) => void this.chatCalls.push(['star', ...args]),
    deleteForMe: async (...args) => void this.chatCalls.push(['deleteForMe', ...args]),
  }

  /** Every people call (block, profile changes, ...), in order, as [method, ...arguments]. */
  readonly peopleCalls: unknown[][] = []
  readonly people: People = {
    lookup: async (jid) => ({ exists: true, phoneJid: jid.endsWith('@lid') ? null : jid, lid: null }),
    about: async () => null,
    pictureUrl: async () => null,
    isBusiness: async () => false,
    phoneJidOf: async () => null,
    blocklist: async () => [],
    block: async (...args) => void this.peopleCalls.push(['block', ...args]),
    unblock: async (...args) => void this.peopleCalls.push(['unblock', ...args]),
    ownProfile: async () => ({ name: 'Ann', about: null, pictureUrl: null, phoneNumber: '15550001111', lid: null }),
    setName: async (name) => {
      this.peopleCalls.push(['setName', name])
      this.callbacks.onRenamed(name)
    },
    setAbout: async (...args) => void this.peopleCalls.push(['setAbout', ...args]),
    setPicture: async (...args) => void this.peopleCalls.push(['setPicture', ...args]),
    removePicture: async () => void this.peopleCalls.push(['removePicture']),
    privacy: async () => ({ lastSeen: 'all' }),
    setPrivacy: async (...args) => void this.peopleCalls.push(['setPrivacy', ...args]),
  }

  /** Calls ringing (emitCall) and those rejected since. */
  readonly ringing = new Set<string>()
  readonly rejectedCalls: string[] = []
  readonly calls: Calls = {
    reject: async (callId) => {
      if (!this.ringing.delete(callId)) return false
      this.rejectedCalls.push(callId)
      return true
    },
  }

  /** Every label call, in order, as [method, ...arguments]; real labels are tested against the simulator (test/e2e/business.test.ts). */
  readonly labelCalls: unknown[][] = []
  /** What the account's phone holds: a resync replays these as label events. */
  phoneLabels: EngineLabel[] = []
  readonly labels: Labels = {
    save: async (...args) => void this.labelCalls.push(['save', ...args]),
    delete: async (...args) => void this.labelCalls.push(['delete', ...args]),
    setChatLabel: async (...args) => void this.labelCalls.push(['setChatLabel', ...args]),
    resync: async () => {
      for (const label of this.phoneLabels) this.callbacks.onLabelEvent({ kind: 'label-saved', label })
    },
    isBusiness: () => true,
  }

  /** Every channel call that changes something, as [method, ...arguments]; real channels are tested against the simulator (test/e2e/business.test.ts). */
  readonly channelCalls: unknown[][] = []
  readonly channels: Channels = {
    followed: async () => [],
    lookup: async () => null,
    create: async (name, description) => {
      this.channelCalls.push(['create', name, description])
      return { jid: '120363000000000009@newsletter', name, description, inviteCode: null, subscribers: 0, verified: false, pictureUrl: null, createdAt: null, role: 'owner', muted: false }
    },
    follow: async (...args) => void this.channelCalls.push(['follow', ...args]),
    unfollow: async (...args) => void this.channelCalls.push(['unfollow', ...args]),
    mute: async (...args) => void this.channelCalls.push(['mute', ...args]),
    unmute: async (...args) => void this.channelCalls.push(['unmute', ...args]),
  }

  /** Every group call that changes something (create, update, participants, ...), as [method, ...arguments]. */
  readonly groupCalls: unknown[][] = []
  /** Answers like WhatsApp's for any group; what groups really do is tested against the simulator (test/e2e/groups.test.ts). */
  readonly groups: Groups = {
    list: async () => this.groupList,
    metadata: async (jid) => fakeGroup(jid),
    create: async (...args) => {
      this.groupCalls.push(['create', ...args])
      return fakeGroup('120363000000000001@g.us')
    },
    update: async (...args) => void this.groupCalls.push(['update', ...args]),
    changeParticipants: async (...args) => {
      this.groupCalls.push(['changeParticipants', ...args])
      return args[2].map((jid) => ({ jid, code: 200, addRequest: null }))
    },
    sendInvite: async (...args) => void this.groupCalls.push(['sendInvite', ...args]),
    inviteCode: async () => 'FAKEINVITECODE0001',
    revokeInvite: async (...args) => {
      this.groupCalls.push(['revokeInvite', ...args])
      return 'FAKEINVITECODE0002'
    },
    inviteInfo: async () => fakeGroup('120363000000000002@g.us'),
    join: async (...args) => {
      this.groupCalls.push(['join', ...args])
      return '120363000000000002@g.us'
    },
    leave: async (...args) => void this.groupCalls.push(['leave', ...args]),
    joinRequests: async () => [],
    answerJoinRequests: async (...args) => {
      this.groupCalls.push(['answerJoinRequests', ...args])
      return args[1].map((jid) => ({ jid, code: 404, addRequest: null }))
    },
  }

  constructor(
    readonly deviceId: string,
    private readonly callbacks: ConnectionCallbacks,
    private readonly autoAck: boolean,
  ) {}

  /** The texts of the text messages written so far. */
  texts(): string[] {
    return this.sent.flatMap(({ message }) => (message.content.type === 'text' ? [message.content.text] : []))
  }

  emitStatus(messageId: string, status: EngineMessageStatus, error: string | null = null): void {
    this.callbacks.onMessageStatus(messageId, status, error)
  }

  /** A received message; raw (given with media only, as the engine does) is what downloadMedia will stream back. Settles when WhatsApp would get its receipt. */
  emitReceived(message: InboundMessage, raw: Uint8Array = Buffer.from(`media of ${message.id}`)): Promise<void> {
    return this.callbacks.onMessageReceived(message, message.media ? raw : null)
  }

  async downloadMedia(raw: Uint8Array): Promise<{ stream: NodeJS.ReadableStream }> {
    return { stream: Readable.from([Buffer.from(raw)]) }
  }

  emitPresence(update: PresenceUpdate): void {
    this.callbacks.onPresence(update)
  }

  emitHistory(batch: HistoryBatch): void {
    this.callbacks.onHistory(batch)
  }

  emitChatEvents(events: ChatEvent[]): void {
    this.callbacks.onChatEvents(events)
  }

  emitCall(call: IncomingCall): void {
    this.ringing.add(call.callId)
    this.callbacks.onCall(call)
  }

  emitQr(code = 'qr-code', expiresAt = Date.now() + 60_000): void {
    this.callbacks.onQr(code, expiresAt)
  }

  emitOpen(account: LinkedAccount = { jid: '15550001111:7@s.whatsapp.net', phoneNumber: '15550001111', pushName: 'Ann' }): void {
    this.callbacks.onOpen(account)
  }

  emitClose(code: number | undefined, overrides: Partial<Disconnect> = {}): void {
    this.closed = true
    this.callbacks.onClose({ code, reason: `closed with ${code}`, qrExpired: false, ...overrides })
  }

  /** Like Baileys, a socket reports its own close too, with no code. */
  private closeQuietly(): void {
    if (this.closed) return
    this.closed = true
    this.callbacks.onClose({ code: undefined, reason: 'Connection closed', qrExpired: false })
  }

  async send(jid: string, message: OutgoingMessage, messageId: string): Promise<WrittenMessage> {
    this.sent.push({ jid, message, messageId })
    if (this.autoAck) setImmediate(() => this.emitStatus(messageId, 'sent'))
    return { encoded: Buffer.from(messageId) }
  }

  async checkNumbers(jids: string[]): Promise<NumberCheck[]> {
    this.numberQueries.push(jids)
    return jids.map((jid) => ({ jid, exists: !this.notOnWhatsApp.has(jid) }))
  }

  /** Pairing codes handed out, by phone number. */
  readonly pairingCodes = new Map<string, string>()

  async requestPairingCode(phoneDigits: string): Promise<string> {
    const code = `CODE${phoneDigits.slice(-4)}`
    this.pairingCodes.set(phoneDigits, code)
    return code
  }

  close(): void {
    this.closeQuietly()
  }

  async logout(): Promise<void> {
    this.loggedOut = true
    this.closeQuietly()
  }
}

export class FakeConnector implements WhatsAppConnector {
  readonly connections: FakeConnection[] = []
  readonly forgotten: string[] = []
  /** Makes the next connect fail as when credentials cannot be read. */
  failNextConnect: Error | undefined
  private nextId = 0

  /** Acknowledge every written message as WhatsApp's server would. */
  /** Per session, what its latest socket was opened with. */
  readonly lastSettings = new Map<string, ConnectionSettings>()

  constructor(private readonly autoAck = true) {}

  newMessageId(): string {
    this.nextId += 1
    return `FAKE${String(this.nextId).padStart(6, '0')}`
  }

  async connect(deviceId: string, settings: ConnectionSettings, callbacks: ConnectionCallbacks): Promise<FakeConnection> {
    this.lastSettings.set(deviceId, settings)
    const failure = this.failNextConnect
    this.failNextConnect = undefined
    if (failure) throw failure
    const connection = new FakeConnection(deviceId, callbacks, this.autoAck)
    this.connections.push(connection)
    return connection
  }

  async flush(): Promise<void> {}

  async forget(deviceId: string): Promise<void> {
    this.forgotten.push(deviceId)
  }

  /** Connections not closed, i.e. sockets that would be live. */
  open(deviceId: string): FakeConnection[] {
    return this.connections.filter((connection) => connection.deviceId === deviceId && !connection.closed)
  }

  latest(deviceId: string): FakeConnection {
    const found = this.connections.filter((connection) => connection.deviceId === deviceId).at(-1)
    if (!found) throw new Error(`no connection for ${deviceId}`)
    return found
  }
}
