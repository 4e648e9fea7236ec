import { randomBytes } from 'node:crypto'
import { proto, type BinaryNode } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import { PN_SERVER, type Accounts } from './accounts.js'
import type { Connection } from './connection.js'
import type { LiveConnections } from './live-connections.js'
import type { PhonePeers } from './phone-peers.js'

export interface PendingMessage {
  id: string
  fromPhone: string
  message: proto.IMessage
  encrypted: boolean
  t: number
}

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

  constructor(
    private readonly accounts: Accounts,
    private readonly peers: PhonePeers,
    private readonly live: LiveConnections<Connection>,
    private readonly logger: Logger
  ) {}

  async deliver(toPhone: string, fromPhone: string, message: proto.IMessage, encrypted: boolean): Promise<{ id: string }> {
    const pending: PendingMessage = { id: newMessageId(), fromPhone, message, encrypted, t: Math.floor(Date.now() / 1000) }
    const targets = this.live.sockets(toPhone).filter(conn => conn.active && conn.isOpen)
    if (targets.length === 0) this.requeue(toPhone, [pending])
    for (const conn of targets) {
      conn.unacked.set(pending.id, pending)
      conn.send(await this.stanza(conn, pending, false))
    }
    return { id: pending.id }
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
        conn.unacked.set(pending.id, pending)
        conn.send(await this.stanza(conn, pending, true))
      } catch (err) {
        this.logger.warn({ err, id: pending.id }, 'could not deliver offline message')
      }
    }
    return queue.length
  }

  private async stanza(conn: Connection, pending: PendingMessage, offline: boolean): Promise<BinaryNode> {
    const sender = this.accounts.get(pending.fromPhone)
    let payload: BinaryNode
    if (pending.encrypted) {
      const keys = conn.linked?.keys
      if (!keys) throw new Error(`${conn.phoneNumber} has not uploaded pre-keys yet`)
      const { type, ciphertext } = await this.peers.get(pending.fromPhone).encrypt(conn.lidJid, keys, pending.message)
      payload = { tag: 'enc', attrs: { v: '2', type }, content: ciphertext }
    } else {
      payload = { tag: 'plaintext', attrs: {}, content: proto.Message.encode(pending.message).finish() }
    }
    return {
      tag: 'message',
      attrs: {
        from: `${pending.fromPhone}@${PN_SERVER}`,
        sender_lid: `${sender.lid}@lid`,
        id: pending.id,
        t: String(pending.t),
        type: messageType(pending.message),
        ...(offline ? { offline: '1' } : {})
      },
      content: [payload]
    }
  }
}
