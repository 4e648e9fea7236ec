import { jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER, type Accounts } from './accounts.js'
import { chatStateOf, receiptIds, type ClientSignals } from './client-signals.js'
import type { Connection } from './connection.js'
import type { LiveConnections } from './live-connections.js'

export interface ContactPresence {
  online: boolean
  /** When the contact was last online (epoch ms); omitted: they hide it */
  lastSeen?: number
}

/**
 * Presence between contacts and linked accounts: who follows whose presence (after the client's
 * <presence type=subscribe>), each contact's state as tests set it, and typing in a chat.
 */
export class PresenceDesk {
  private readonly states = new Map<string, ContactPresence>()
  /** contact phone -> accounts that subscribed to it */
  private readonly followers = new Map<string, Set<string>>()

  constructor(
    private readonly accounts: Accounts,
    private readonly live: LiveConnections<Connection>,
    private readonly signals: ClientSignals
  ) {}

  /** A client's <presence>: its own availability, or a subscription (answered with the contact's state at once). */
  fromClient(conn: Connection, node: BinaryNode): void {
    const from = conn.phoneNumber!
    const { type, to, name } = node.attrs
    if (type === 'subscribe' && to) {
      this.signals.record({ kind: 'subscribe', from, to })
      const contact = this.phoneOf(to)
      if (!contact) return
      let followers = this.followers.get(contact)
      if (!followers) this.followers.set(contact, (followers = new Set()))
      followers.add(from)
      conn.send(this.presenceNode(contact))
      return
    }
    if (type === 'available' || type === 'unavailable') this.signals.record({ kind: 'presence', from, state: type, name: name ?? null })
  }

  /** A client's <chatstate> (typing in a chat) or read <receipt>, recorded for the tests. */
  chatStateFromClient(conn: Connection, node: BinaryNode): void {
    const state = chatStateOf(node)
    if (state && node.attrs.to) this.signals.record({ kind: 'chatstate', from: conn.phoneNumber!, to: node.attrs.to, state })
  }

  readFromClient(conn: Connection, receipt: BinaryNode): void {
    const type = receipt.attrs.type === 'read' ? 'read' : 'read-self'
    this.signals.record({
      kind: 'read',
      from: conn.phoneNumber!,
      to: receipt.attrs.to ?? '',
      participant: receipt.attrs.participant ?? null,
      ids: receiptIds(receipt),
      type
    })
  }

  /** The contact's presence changes: every account following it hears at once. */
  set(contact: string, presence: ContactPresence): void {
    this.states.set(contact, presence)
    for (const follower of this.followers.get(contact) ?? []) {
      for (const conn of this.live.sockets(follower)) conn.send(this.presenceNode(contact))
    }
  }

  /** The contact types, records or stops in its chat with the account (no subscription needed, as on WhatsApp). */
  chatState(toPhone: string, fromPhone: string, state: 'composing' | 'recording' | 'paused'): void {
    const child: BinaryNode = state === 'recording' ? { tag: 'composing', attrs: { media: 'audio' } } : { tag: state, attrs: {} }
    for (const conn of this.live.sockets(toPhone)) {
      conn.send({ tag: 'chatstate', attrs: { from: `${fromPhone}@${PN_SERVER}` }, content: [child] })
    }
  }

  private presenceNode(contact: string): BinaryNode {
    const state = this.states.get(contact) ?? { online: false }
    const attrs: Record<string, string> = { from: `${contact}@${PN_SERVER}`, type: state.online ? 'available' : 'unavailable' }
    if (!state.online && state.lastSeen !== undefined) attrs.last = String(Math.floor(state.lastSeen / 1000))
    return { tag: 'presence', attrs }
  }

  /** The phone number behind a user JID, by phone number or LID. */
  private phoneOf(jid: string): string | undefined {
    const decoded = jidDecode(jid)
    return decoded && (decoded.server === PN_SERVER || decoded.server === LID_SERVER) ? this.accounts.byUser(decoded.user, decoded.server)?.phoneNumber : undefined
  }
}
