import { randomBytes } from 'node:crypto'
import { proto, type BinaryNode } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import { LID_SERVER, PN_SERVER, type Accounts, type DeviceKeys } from './accounts.js'
import type { Connection } from './connection.js'
import { retryReceiptKeys } from './key-bundles.js'
import type { LiveConnections } from './live-connections.js'
import type { PhonePeers } from './phone-peers.js'

export interface PendingMessage {
  id: string
  fromPhone: string
  /** group jid when fromPhone wrote to a group */
  group?: string
  message: proto.IMessage
  encrypted: boolean
  t: number
}

/** Messages a phone remembers having sent, for re-sending on a retry receipt; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000

export function newMessageId(): string {
  return '3EB0' + randomBytes(8).toString('hex').toUpperCase()
}

function messageType(message: proto.IMessage): string {
  if (message.reactionMessage) return 'reaction'
  if (message.imageMessage || message.videoMessage || message.audioMessage || message.documentMessage || message.stickerMessage) {
    return 'media'
  }
  return 'text'
}

/**
 * Messages from simulated contacts to linked clients. A client that is not connected and active
 * gets them on its next login, before <ib><offline/>, marked offline as WhatsApp does; one that
 * disconnects before acking a message gets it again the same way.
 */
export class InboundDelivery {
  private readonly offline = new Map<string, PendingMessage[]>()
  /** What was written to each account's devices, by `${toPhone}:${id}`. */
  private readonly written = new Map<string, PendingMessage>()
  private resentCount = 0

  constructor(
    private readonly accounts: Accounts,
    private readonly peers: PhonePeers,
    private readonly live: LiveConnections<Connection>,
    private readonly logger: Logger
  ) {}

  async deliver(toPhone: string, fromPhone: string, message: proto.IMessage, encrypted: boolean): Promise<{ id: string }> {
    const pending: PendingMessage = { id: newMessageId(), fromPhone, message, encrypted, t: Math.floor(Date.now() / 1000) }
    await this.send(toPhone, pending)
    return { id: pending.id }
  }

  /** One message from `fromPhone` to a group, delivered to each of `members` (linked accounts). */
  async deliverToGroup(group: string, members: string[], fromPhone: string, message: proto.IMessage, encrypted: boolean): Promise<{ id: string }> {
    const pending: PendingMessage = { id: newMessageId(), fromPhone, group, message, encrypted, t: Math.floor(Date.now() / 1000) }
    for (const toPhone of members) await this.send(toPhone, pending)
    return { id: pending.id }
  }

  private async send(toPhone: string, pending: PendingMessage): Promise<void> {
    const targets = this.live.sockets(toPhone).filter(conn => conn.active && conn.isOpen)
    if (targets.length === 0) this.requeue(toPhone, [pending])
    for (const conn of targets) await this.write(conn, pending)
  }

  private async write(conn: Connection, pending: PendingMessage, { offline = false, retryKeys }: { offline?: boolean; retryKeys?: DeviceKeys } = {}): Promise<void> {
    const key = `${conn.phoneNumber}:${pending.id}`
    this.written.delete(key)
    this.written.set(key, pending)
    if (this.written.size > MAX_REMEMBERED) this.written.delete(this.written.keys().next().value!)
    conn.unacked.set(pending.id, pending)
    conn.send(await this.stanza(conn, pending, offline, retryKeys))
  }

  /**
   * A client could not decrypt a contact's message and asked for it again (`<receipt type=retry>`):
   * the contact's phone re-sends it under the same id, on a new session when the receipt carries
   * the client's keys (Baileys adds them from its second request on), as WhatsApp phones do. A
   * client whose stored Signal session fell behind (a write lost with its database) reads it then.
   */
  async resend(conn: Connection, receipt: BinaryNode): Promise<void> {
    const pending = this.written.get(`${conn.phoneNumber}:${receipt.attrs.id}`)
    if (!pending?.encrypted || pending.group) return
    this.resentCount++
    await this.write(conn, pending, { retryKeys: retryReceiptKeys(receipt) })
  }

  /** Messages re-sent because a client asked for them again. */
  get resent(): number {
    return this.resentCount
  }

  /** Messages kept for the account's next login. */
  queuedFor(phoneNumber: string): number {
    return this.offline.get(phoneNumber)?.length ?? 0
  }

  /** Keeps messages for the account's next login. */
  requeue(toPhone: string, messages: PendingMessage[]): void {
    if (messages.length === 0) return
    const queue = this.offline.get(toPhone) ?? []
    queue.push(...messages)
    this.offline.set(toPhone, queue)
  }

  /** Sends everything queued for the connection's account; returns how many. */
  async flushOffline(conn: Connection): Promise<number> {
    const queue = this.offline.get(conn.phoneNumber!) ?? []
    this.offline.delete(conn.phoneNumber!)
    for (const pending of queue) {
      try {
        await this.write(conn, pending, { offline: true })
      } catch (err) {
        this.logger.warn({ err, id: pending.id }, 'could not deliver offline message')
      }
    }
    return queue.length
  }

  private async stanza(conn: Connection, pending: PendingMessage, offline: boolean, retryKeys?: DeviceKeys): Promise<BinaryNode> {
    const senderPn = `${pending.fromPhone}@${PN_SERVER}`
    const senderLid = `${this.accounts.get(pending.fromPhone).lid}@${LID_SERVER}`
    // groups are LID-addressed: the author is the participant, its phone number rides along
    const addressing: Record<string, string> = pending.group
      ? { from: pending.group, participant: senderLid, participant_pn: senderPn, addressing_mode: 'lid' }
      : { from: senderPn, sender_lid: senderLid }
    return {
      tag: 'message',
      attrs: {
        ...addressing,
        id: pending.id,
        t: String(pending.t),
        type: messageType(pending.message),
        ...(offline ? { offline: '1' } : {})
      },
      content: await this.payload(conn, pending, senderLid, retryKeys)
    }
  }

  private async payload(conn: Connection, pending: PendingMessage, senderLid: string, retryKeys?: DeviceKeys): Promise<BinaryNode[]> {
    if (!pending.encrypted) return [{ tag: 'plaintext', attrs: {}, content: proto.Message.encode(pending.message).finish() }]
    const keys = retryKeys ?? conn.linked?.keys
    if (!keys) throw new Error(`${conn.phoneNumber} has not uploaded pre-keys yet`)
    const peer = this.peers.get(pending.fromPhone)
    if (!pending.group) {
      const { type, ciphertext } = await peer.encrypt(conn.lidJid, keys, pending.message, { newSession: retryKeys !== undefined })
      return [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }]
    }
    // The sender key rides in a 1:1 copy before the skmsg. A real sender sends it once per
    // device; sending it every time is still valid and survives redelivery after a reconnect.
    const { ciphertext, skdm } = await peer.encryptGroup(pending.group, senderLid, pending.message)
    const distribution = { senderKeyDistributionMessage: { groupId: pending.group, axolotlSenderKeyDistributionMessage: skdm } }
    const copy = await peer.encrypt(conn.lidJid, keys, distribution)
    return [
      { tag: 'enc', attrs: { v: '2', type: copy.type }, content: copy.ciphertext },
      { tag: 'enc', attrs: { v: '2', type: 'skmsg' }, content: ciphertext }
    ]
  }
}
