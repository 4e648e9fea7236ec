import { randomBytes } from 'node:crypto'
import { getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys'
import { PN_SERVER } from './accounts.js'
import type { Connection } from './connection.js'
import type { LiveConnections } from './live-connections.js'

/** A call a linked device rejected. */
export interface RejectedCall {
  callId: string
  /** the account whose device rejected it */
  by: string
  /** the caller, as the reject named it */
  creator: string
}

/** Calls to linked accounts: offers rung on every live device, and what the devices answered. */
export class CallDesk {
  readonly rejected: RejectedCall[] = []

  constructor(private readonly live: LiveConnections<Connection>) {}

  /** A contact calls an account: every live device of it gets the offer; returns the call id. */
  offer(toPhone: string, fromPhone: string, video: boolean): string {
    const callId = randomBytes(16).toString('hex').toUpperCase()
    const creator = `${fromPhone}@${PN_SERVER}`
    const media: BinaryNode[] = [{ tag: 'audio', attrs: { enc: 'opus', rate: '16000' } }, ...(video ? [{ tag: 'video', attrs: { enc: 'vp8' } }] : [])]
    for (const conn of this.live.sockets(toPhone)) {
      conn.send({
        tag: 'call',
        attrs: { from: creator, id: randomBytes(8).toString('hex'), t: String(Math.floor(Date.now() / 1000)) },
        content: [{ tag: 'offer', attrs: { 'call-id': callId, 'call-creator': creator }, content: media }]
      })
    }
    return callId
  }

  /** A `<call>` from a device: a reject is recorded and acked (Baileys waits for the ack). */
  fromClient(conn: Connection, node: BinaryNode): void {
    const reject = getBinaryNodeChild(node, 'reject')
    if (reject && conn.phoneNumber) {
      this.rejected.push({ callId: reject.attrs['call-id'] ?? '', by: conn.phoneNumber, creator: reject.attrs['call-creator'] ?? '' })
    }
    conn.send({ tag: 'ack', attrs: { id: node.attrs.id ?? '', class: 'call', from: PN_SERVER } })
  }
}
