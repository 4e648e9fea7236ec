import { randomBytes } from 'node:crypto'
import { decodeBinaryNode, encodeBinaryNode, getBinaryNodeChild, proto, type BinaryNode } from '@whiskeysockets/baileys'
import { WebSocket } from 'ws'
import { PN_SERVER, type Account, type DeviceKeys, type LinkedDevice } from './accounts.js'
import { handleClientMessage } from './client-messages.js'
import { handleClientReceipt } from './client-receipts.js'
import type { SimContext } from './context.js'
import { encodeFrame, FrameDecoder } from './frames.js'
import { sendInitialHistory } from './history-sync.js'
import { answerIq } from './iq-handlers.js'
import { isLinkCodeReg, PhoneLinkCode, readCompanionHello, type CompanionHello } from './link-code.js'
import type { PendingMessage } from './inbound-delivery.js'
import { MAX_QUEUED_RECEIPTS, type ReceiptSocket } from './receipt-delivery.js'
import { NoiseResponder, type NoiseTransport } from './noise.js'
import { buildDeviceIdentityHmac, buildPairSuccess, companionFor, type Companion, type QrData } from './pairing.js'
import { PreKeyPool } from './prekey-pool.js'

type Stage = 'hello' | 'finish' | 'ready' | 'closed'

const PAIR_SIGN_TIMEOUT_MS = 10_000
/** Nack codes for a client that failed, not the message: UnhandledError (500) and DBOperationFailed (552). */
const TRANSIENT_NACKS: ReadonlySet<string> = new Set(['500', '552'])

/** The <stream:error> Baileys maps to each disconnect code (see getErrorCodeFromStreamError). */
function streamErrorFor(code: number): BinaryNode {
  if (code === 440) return { tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] }
  if (code === 401) {
    return { tag: 'stream:error', attrs: { code: '401' }, content: [{ tag: 'conflict', attrs: { type: 'device_removed' } }] }
  }
  return { tag: 'stream:error', attrs: { code: String(code) } }
}

function readUIntBE(bytes: Uint8Array | null | undefined): number {
  return bytes?.length ? Buffer.from(bytes).readUIntBE(0, bytes.length) : 0
}

/** One client websocket: Noise handshake, login or pairing, then stanza dispatch. */
export class Connection implements ReceiptSocket {
  phoneNumber?: string
  device?: number
  account?: Account
  linked?: LinkedDevice
  /** the client sent <passive><active/>: it may now receive messages */
  active = false
  /** inbound messages written to this socket that the client has not acked or receipted yet */
  readonly unacked = new Map<string, PendingMessage>()
  /** receipts written to this socket that the client has not acked yet, oldest first */
  private readonly unackedReceipts: BinaryNode[] = []

  private stage: Stage = 'hello'
  private readonly frames = new FrameDecoder()
  private readonly noise: NoiseResponder
  private transport?: NoiseTransport
  private clientStaticKey: Buffer = Buffer.alloc(0)
  private registration?: proto.ClientPayload.IDevicePairingRegistrationData
  private refs: string[] = []
  private refsIssuedAt = 0
  private handling: Promise<void> = Promise.resolve()
  /** stanzas held back by the delay fault; dropped when the socket closes, as they could not be written anyway */
  private readonly delayed = new Set<NodeJS.Timeout>()
  private readonly pendingIqs = new Map<string, (node: BinaryNode | Error) => void>()
  private iqCounter = 0
  /** set once the client asked to pair by code */
  private linkCode?: { hello: CompanionHello; ref: string; finished?: (reg: BinaryNode) => void }

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: SimContext
  ) {
    this.noise = new NoiseResponder(ctx.identity)
    ws.on('message', (data: Buffer) => this.onData(data))
    ws.on('close', () => this.onClose())
    ws.on('error', err => ctx.logger.debug({ err }, 'client socket error'))
    ctx.live.opened(this)
  }

  get isOpen(): boolean {
    return this.stage !== 'closed' && this.ws.readyState === WebSocket.OPEN
  }

  get loggedIn(): boolean {
    return this.phoneNumber !== undefined
  }

  /** JID of this client device in LID form, the address Signal sessions with it use. */
  get lidJid(): string {
    return `${this.account!.lid}:${this.device}@lid`
  }

  /** Sends a stanza after the configured artificial delay. */
  send(node: BinaryNode): void {
    const delay = this.ctx.faults.delayMs
    if (delay <= 0) return this.write(node)
    const timer = setTimeout(() => {
      this.delayed.delete(timer)
      this.write(node)
    }, delay)
    this.delayed.add(timer)
  }

  /**
   * Writes a receipt from a contact's phone (see ReceiptDelivery) and keeps it until the client
   * acks it: if the socket closes first, even after the write, it goes back to be redelivered.
   * False, and nothing written, when the socket cannot take it (not logged in and active, or closing).
   */
  sendReceipt(receipt: BinaryNode, offline: boolean): boolean {
    if (!this.loggedIn || !this.active || !this.isOpen) return false
    this.unackedReceipts.push(receipt)
    // a client that never acks must not grow this without bound: the oldest then count as delivered
    if (this.unackedReceipts.length > MAX_QUEUED_RECEIPTS) this.unackedReceipts.shift()
    this.send(offline ? { ...receipt, attrs: { ...receipt.attrs, offline: '1' } } : receipt)
    return true
  }

  /** The client acked a receipt (Baileys does once it handled it): it need not be redelivered. */
  private receiptAcked(ack: BinaryNode): void {
    const { id, to, type, participant } = ack.attrs
    const index = this.unackedReceipts.findIndex(
      r => r.attrs.id === id && r.attrs.from === to && r.attrs.type === type && r.attrs.participant === participant
    )
    if (index >= 0) this.unackedReceipts.splice(index, 1)
  }

  /** Sends an iq result for `request`, optionally with children. */
  reply(request: BinaryNode, content?: BinaryNode[]): void {
    this.send({
      tag: 'iq',
      attrs: { from: PN_SERVER, type: 'result', id: request.attrs.id ?? '' },
      ...(content ? { content } : {})
    })
  }

  /** Sends an iq error for `request`, which Baileys' query() turns into a rejected Boom. */
  replyError(request: BinaryNode, code: number, text: string): void {
    this.send({
      tag: 'iq',
      attrs: { from: request.attrs.to ?? PN_SERVER, type: 'error', id: request.attrs.id ?? '' },
      content: [{ tag: 'error', attrs: { code: String(code), text } }]
    })
  }

  /** Server-initiated iq; resolves with the client's result. */
  request(node: BinaryNode, timeoutMs: number): Promise<BinaryNode> {
    const id = node.attrs.id ?? `sim-${++this.iqCounter}`
    node.attrs.id = id
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`no answer to iq ${id}`)), timeoutMs)
      const settle = (answer: BinaryNode | Error) => {
        clearTimeout(timer)
        this.pendingIqs.delete(id)
        if (answer instanceof Error) reject(answer)
        else resolve(answer)
      }
      this.pendingIqs.set(id, settle)
      this.send(node)
    })
  }

  /** Ends the stream the way WhatsApp does: a <stream:error>, then close. */
  kick(code: number): void {
    this.write(streamErrorFor(code))
    this.ws.close()
  }

  /** Abrupt close, no stream error. */
  drop(): void {
    this.ws.terminate()
  }

  /** Whether `ref` is one of this connection's QR refs and still within its lifetime. */
  refIsLive(ref: string): boolean {
    const expiresAt = this.refExpiresAt(ref)
    return expiresAt !== undefined && Date.now() <= expiresAt
  }

  /** The ref the client is showing now: the first one not yet expired. */
  currentRef(): { ref: string; expiresAt: number } | undefined {
    const now = Date.now()
    for (const ref of this.refs) {
      const expiresAt = this.refExpiresAt(ref)!
      if (expiresAt >= now) return { ref, expiresAt }
    }
    return undefined
  }

  private refExpiresAt(ref: string): number | undefined {
    const index = this.refs.indexOf(ref)
    if (index < 0) return undefined
    const [first, later] = this.ctx.options.qrTtlMs
    return this.refsIssuedAt + first + index * later
  }

  /** The phone scanned one of our QR codes: link this client to `account`, then ask for a restart. */
  completePairing(qr: QrData, account: Account): Promise<Companion> {
    return this.link(qr.identityKey, qr.advSecret, account)
  }

  /**
   * The user typed the code this client showed into the phone of `account`: run the phone's side
   * of the code exchange, then link as after a QR scan.
   */
  async completeCodePairing(code: string, account: Account): Promise<Companion> {
    const pending = this.linkCode
    if (!pending || !this.registration || !this.isOpen) throw new Error('connection is not waiting to be paired by code')
    const phone = new PhoneLinkCode(code, pending.ref)
    const finished = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('client did not finish the code exchange')), PAIR_SIGN_TIMEOUT_MS)
      pending.finished = reg => {
        clearTimeout(timer)
        resolve(reg)
      }
    })
    this.send(await phone.notification(pending.hello))
    const { identityKey, advSecret } = phone.finish(await finished)
    return this.link(identityKey, advSecret, account)
  }

  /** Sends pair-success signed for the client's identity key, records the device, then asks for a restart. */
  private async link(identityKey: Uint8Array, advSecret: Uint8Array, account: Account): Promise<Companion> {
    if (!this.registration || !this.isOpen) throw new Error('connection is not waiting to be paired')
    const device = account.nextDevice
    const companion = companionFor(account, device)
    const identity = buildDeviceIdentityHmac(companion, identityKey, advSecret)
    const answer = await this.request(buildPairSuccess(`sim-${++this.iqCounter}`, companion, identity), PAIR_SIGN_TIMEOUT_MS)
    if (!getBinaryNodeChild(answer, 'pair-device-sign')) throw new Error('client rejected pair-success')
    const props = proto.DeviceProps.decode(this.registration.deviceProps ?? new Uint8Array())
    this.ctx.accounts.linkDevice(account, this.clientStaticKey, this.registeredKeys(this.registration), device, props.requireFullSync ?? false, props.os || null)
    this.forgetRefs()
    this.kick(515)
    return companion
  }

  /** requestPairingCode: `companion_hello` waits for the phone; `companion_finish` completes the exchange. */
  private onLinkCodeReg(iq: BinaryNode, reg: BinaryNode): void {
    if (reg.attrs.stage === 'companion_finish') {
      this.reply(iq)
      this.linkCode?.finished?.(reg)
      return
    }
    const hello = readCompanionHello(reg)
    if (reg.attrs.stage !== 'companion_hello' || !hello) return this.replyError(iq, 400, 'bad-request')
    const ref = randomBytes(16).toString('base64')
    if (this.linkCode) this.ctx.codePairings.release(this.linkCode.hello.phoneNumber, this)
    this.linkCode = { hello, ref }
    this.ctx.codePairings.set(hello.phoneNumber, this)
    this.reply(iq, [
      { tag: 'link_code_companion_reg', attrs: {}, content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(ref) }] }
    ])
  }

  private registeredKeys(data: proto.ClientPayload.IDevicePairingRegistrationData): DeviceKeys {
    return {
      registrationId: readUIntBE(data.eRegid),
      identityKey: Buffer.from(data.eIdent ?? []),
      signedPreKey: {
        keyId: readUIntBE(data.eSkeyId),
        publicKey: Buffer.from(data.eSkeyVal ?? []),
        signature: Buffer.from(data.eSkeySig ?? [])
      },
      preKeys: new PreKeyPool()
    }
  }

  private write(node: BinaryNode): void {
    if (!this.transport || this.ws.readyState !== WebSocket.OPEN) return
    this.ws.send(encodeFrame(this.transport.encrypt(encodeBinaryNode(node))))
  }

  private onData(data: Buffer): void {
    try {
      for (const frame of this.frames.push(data)) this.onFrame(frame)
    } catch (err) {
      this.ctx.logger.warn({ err }, 'bad frame from client, dropping connection')
      this.ws.terminate()
    }
  }

  private onFrame(frame: Buffer): void {
    switch (this.stage) {
      case 'hello':
        if (this.ctx.faults.silenced.has('handshake')) return
        if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(this.noise.respondToHello(frame)))
        this.stage = 'finish'
        return
      case 'finish': {
        const finish = this.noise.finish(frame)
        this.transport = finish.transport
        this.clientStaticKey = finish.clientStaticKey
        this.stage = 'ready'
        const payload = proto.ClientPayload.decode(finish.payload)
        this.enqueue(async () => this.authenticate(payload))
        return
      }
      case 'ready': {
        const plaintext = this.transport!.decrypt(frame)
        this.enqueue(async () => this.handleNode(await decodeBinaryNode(plaintext)))
        return
      }
      case 'closed':
        return
    }
  }

  /** Stanzas are handled strictly in arrival order, as Signal state depends on it. */
  private enqueue(task: () => Promise<void>): void {
    this.handling = this.handling.then(task).catch(err => this.ctx.logger.error({ err }, 'error handling client stanza'))
  }

  private authenticate(payload: proto.ClientPayload): void {
    if (payload.devicePairingData) this.startPairing(payload.devicePairingData)
    else this.login(String(payload.username ?? ''), payload.device ?? 0)
  }

  private startPairing(data: proto.ClientPayload.IDevicePairingRegistrationData): void {
    this.registration = data
    this.refsIssuedAt = Date.now()
    this.refs = Array.from({ length: this.ctx.options.qrRefCount }, () => `2@${randomBytes(24).toString('base64')}`)
    for (const ref of this.refs) this.ctx.pairings.set(ref, this)
    this.send({
      tag: 'iq',
      attrs: { from: PN_SERVER, type: 'set', id: `sim-${++this.iqCounter}`, xmlns: 'md' },
      content: [
        { tag: 'pair-device', attrs: {}, content: this.refs.map(ref => ({ tag: 'ref', attrs: {}, content: Buffer.from(ref) })) }
      ]
    })
  }

  private login(phoneNumber: string, device: number): void {
    const { accounts, options, live, logger } = this.ctx
    const known = accounts.find(phoneNumber)?.devices.get(device)
    const refused = known ? known.removed || !known.noiseKey.equals(this.clientStaticKey) : !options.acceptUnknownDevices
    if (refused) {
      logger.debug({ phoneNumber, device }, 'refusing login of unlinked device')
      this.write({ tag: 'failure', attrs: { reason: '401', location: 'sim' } })
      this.ws.close()
      return
    }
    const account = accounts.get(phoneNumber)
    this.linked = known ?? accounts.linkDevice(account, this.clientStaticKey, undefined, device)
    for (const other of live.sockets(phoneNumber)) {
      if (other.device === device) other.kick(440)
    }
    this.account = account
    this.device = device
    this.phoneNumber = phoneNumber
    live.loggedIn(this as this & { phoneNumber: string })
    const now = String(Math.floor(Date.now() / 1000))
    this.send({
      tag: 'success',
      attrs: { t: now, props: '0', lid: `${account.lid}@lid`, location: 'sim', creation: now }
    })
  }

  /**
   * Called when the client turns active: flush what arrived while it was away, then, until the
   * device confirms it, the phone's history sync. It must come after <ib><offline>: Baileys only
   * waits for history (buffering every event) once it has seen that.
   */
  async activate(): Promise<void> {
    this.active = true
    // receipts kept while the device was away go first, then its messages, as WhatsApp does
    const receipts = this.ctx.receipts.flush(this)
    const delivered = receipts + (await this.ctx.inbound.flushOffline(this))
    this.send({ tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: String(delivered) } }] })
    if (this.ctx.options.historySync && this.linked && !this.linked.historySynced) await sendInitialHistory(this, this.ctx)
  }

  private async handleNode(node: BinaryNode): Promise<void> {
    if (node.tag === 'iq' && (node.attrs.type === 'result' || node.attrs.type === 'error')) {
      this.pendingIqs.get(node.attrs.id ?? '')?.(node)
      return
    }
    const linkCodeReg = this.registration ? isLinkCodeReg(node) : undefined
    if (linkCodeReg) return this.onLinkCodeReg(node, linkCodeReg)
    if (!this.loggedIn) return
    switch (node.tag) {
      case 'iq':
        return answerIq(this, node, this.ctx)
      case 'message':
        return handleClientMessage(this, node, this.ctx)
      case 'receipt':
        return handleClientReceipt(this, node, this.ctx)
      case 'ack':
        if (node.attrs.class === 'receipt') this.receiptAcked(node)
        // A nack for the client's own failure (its database, say) is no delivery: the message
        // stays for the next login. One it could never read (a parsing error) is dropped.
        else if (!TRANSIENT_NACKS.has(node.attrs.error ?? '')) this.unacked.delete(node.attrs.id ?? '')
        return
      case 'presence':
        return this.ctx.presence.fromClient(this, node)
      case 'chatstate':
        return this.ctx.presence.chatStateFromClient(this, node)
      case 'call':
        return this.ctx.calls.fromClient(this, node)
      case 'ib':
        return
      default:
        this.ctx.logger.debug({ tag: node.tag, attrs: node.attrs }, 'unhandled stanza from client')
    }
  }

  private forgetRefs(): void {
    for (const ref of this.refs) this.ctx.pairings.delete(ref)
    this.refs = []
    if (this.linkCode) this.ctx.codePairings.release(this.linkCode.hello.phoneNumber, this)
  }

  private onClose(): void {
    this.stage = 'closed'
    for (const timer of this.delayed) clearTimeout(timer)
    this.delayed.clear()
    this.forgetRefs()
    for (const settle of this.pendingIqs.values()) settle(new Error('connection closed'))
    this.ctx.live.closed(this)
    // after the stanzas that arrived before the close: an ack among them settles what it acks
    this.enqueue(async () => {
      if (this.phoneNumber) this.ctx.inbound.requeue(this.phoneNumber, [...this.unacked.values()])
      this.unacked.clear()
      const receipts = this.unackedReceipts.splice(0)
      if (this.phoneNumber && this.linked) this.ctx.receipts.giveBack(this.phoneNumber, this.linked, receipts)
    })
  }
}
