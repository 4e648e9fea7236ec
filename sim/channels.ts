import { randomBytes, randomInt } from 'node:crypto'
import { getBinaryNodeChild, proto, type BinaryNode } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { Logger } from 'pino'
import type { LiveConnections } from './live-connections.js'
import { newMessageId } from './inbound-delivery.js'
import { textOf } from './inbox.js'

export const CHANNEL_SERVER = 'newsletter'

/** The w:mex (GraphQL) queries WhatsApp Web sends about channels, by query id, and the data path each answers under. */
export const CHANNEL_QUERIES = {
  create: ['8823471724422422', 'xwa2_newsletter_create'],
  metadata: ['6563316087068696', 'xwa2_newsletter'],
  follow: ['24404358912487870', 'xwa2_newsletter_join_v2'],
  unfollow: ['9767147403369991', 'xwa2_newsletter_leave_v2'],
  mute: ['29766401636284406', 'xwa2_newsletter_mute_v2'],
  unmute: ['9864994326891137', 'xwa2_newsletter_unmute_v2'],
  subscribed: ['6388546374527196', 'xwa2_newsletter_subscribed'],
} as const

export interface Channel {
  jid: string
  name: string
  description: string
  /** phone number of the account that created it */
  owner: string
  /** epoch seconds */
  createdAt: number
  invite: string
  verified: boolean
  /** follower phone number -> muted */
  followers: Map<string, boolean>
  /** what the owner posted, oldest first */
  posts: Array<{ id: string; serverId: number; message: proto.IMessage; text?: string; at: number }>
}

interface MexError {
  message: string
  extensions: { error_code: number }
}

const mexError = (code: number, message: string): { errors: MexError[] } => ({ errors: [{ message, extensions: { error_code: code } }] })

/**
 * WhatsApp channels (newsletters) as the server keeps them: created, looked up by JID or invite,
 * followed, muted and posted to through w:mex GraphQL queries and plaintext <message>s, the way
 * WhatsApp Web's client speaks to them. A channel's posts reach its followers' linked devices.
 */
export class ChannelDesk {
  private readonly byJid = new Map<string, Channel>()
  private nextServerId = 100

  constructor(
    private readonly live: LiveConnections<Connection>,
    private readonly logger: Logger
  ) {}

  /** A channel someone else runs, for tests: it exists before any linked device hears of it. */
  create(owner: string, name: string, description = '', opts: { verified?: boolean } = {}): Channel {
    const channel: Channel = {
      jid: `120363${randomInt(10 ** 11, 10 ** 12 - 1)}@${CHANNEL_SERVER}`,
      name,
      description,
      owner,
      createdAt: Math.floor(Date.now() / 1000),
      invite: randomBytes(16).toString('base64url').slice(0, 22),
      verified: opts.verified ?? false,
      followers: new Map(),
      posts: []
    }
    this.byJid.set(channel.jid, channel)
    return channel
  }

  get(jid: string): Channel | undefined {
    return this.byJid.get(jid)
  }

  /** Answers one `<iq xmlns=w:mex>`: a GraphQL query whose JSON variables ride in `<query query_id>`. */
  answerMex(conn: Connection, iq: BinaryNode): void {
    const query = getBinaryNodeChild(iq, 'query')
    const id = query?.attrs.query_id
    const entry = Object.entries(CHANNEL_QUERIES).find(([, [queryId]]) => queryId === id)
    if (!entry || !(query?.content instanceof Uint8Array)) {
      this.logger.debug({ queryId: id }, 'answering unknown w:mex query with empty result')
      return conn.reply(iq)
    }
    const [name, [, path]] = entry
    let variables: Record<string, any>
    try {
      variables = (JSON.parse(Buffer.from(query.content).toString('utf8')) as { variables: Record<string, any> }).variables ?? {}
    } catch {
      return this.answer(conn, iq, mexError(400, 'malformed query'))
    }
    const data = this.run(name as keyof typeof CHANNEL_QUERIES, conn.phoneNumber!, variables)
    this.answer(conn, iq, 'errors' in data ? data : { data: { [path]: data.result } })
  }

  /**
   * A device posted to a channel: only its owner may. Followers' linked devices get the post as a
   * plaintext message from the channel; the result says whether the server took it.
   */
  post(conn: Connection, message: BinaryNode): { serverId: number; message: proto.IMessage } | { error: number } {
    const channel = this.byJid.get(message.attrs.to ?? '')
    if (!channel) return { error: 404 }
    if (channel.owner !== conn.phoneNumber) return { error: 401 }
    const plaintext = getBinaryNodeChild(message, 'plaintext')
    if (!(plaintext?.content instanceof Uint8Array)) return { error: 400 }
    const decoded = proto.Message.decode(plaintext.content)
    return { serverId: this.publish(channel, decoded, message.attrs.id ?? newMessageId()), message: decoded }
  }

  /** The channel's owner posts (from the phone, for tests); followers' linked devices receive it. */
  postFromOwner(jid: string, message: proto.IMessage): { id: string; serverId: number } {
    const channel = this.byJid.get(jid)
    if (!channel) throw new Error(`no channel ${jid}`)
    const id = newMessageId()
    return { id, serverId: this.publish(channel, message, id) }
  }

  private publish(channel: Channel, message: proto.IMessage, id: string): number {
    const serverId = this.nextServerId++
    const text = textOf(message)
    channel.posts.push({ id, serverId, message, ...(text !== undefined ? { text } : {}), at: Date.now() })
    const stanza: BinaryNode = {
      tag: 'message',
      attrs: { from: channel.jid, id, server_id: String(serverId), t: String(Math.floor(Date.now() / 1000)), type: text !== undefined ? 'text' : 'media' },
      content: [{ tag: 'plaintext', attrs: {}, content: proto.Message.encode(message).finish() }]
    }
    for (const follower of channel.followers.keys()) {
      for (const conn of this.live.sockets(follower)) if (conn.active && conn.isOpen) conn.send(stanza)
    }
    return serverId
  }

  private run(name: keyof typeof CHANNEL_QUERIES, phone: string, variables: Record<string, any>): { result: unknown } | { errors: MexError[] } {
    if (name === 'create') {
      const input = variables.input ?? {}
      if (typeof input.name !== 'string' || input.name.trim() === '') return mexError(400, 'name is required')
      const channel = this.create(phone, input.name, typeof input.description === 'string' ? input.description : '')
      return { result: this.describe(channel, phone) }
    }
    if (name === 'subscribed') {
      const followed = [...this.byJid.values()].filter(channel => channel.owner === phone || channel.followers.has(phone))
      return { result: followed.map(channel => this.describe(channel, phone)) }
    }
    const channel = name === 'metadata' ? this.lookUp(variables.input) : this.byJid.get(variables.newsletter_id)
    if (!channel) return mexError(404, 'newsletter not found')
    switch (name) {
      case 'metadata':
        return { result: this.describe(channel, phone) }
      case 'follow':
        if (!channel.followers.has(phone) && channel.owner !== phone) channel.followers.set(phone, false)
        return { result: { id: channel.jid } }
      case 'unfollow':
        channel.followers.delete(phone)
        return { result: { id: channel.jid } }
      case 'mute':
      case 'unmute':
        if (!channel.followers.has(phone)) return mexError(403, 'not a follower')
        channel.followers.set(phone, name === 'mute')
        return { result: { id: channel.jid } }
    }
  }

  private lookUp(input: { type?: string; key?: string } | undefined): Channel | undefined {
    if (input?.type === 'JID') return this.byJid.get(input.key ?? '')
    if (input?.type === 'INVITE') return [...this.byJid.values()].find(channel => channel.invite === input.key)
    return undefined
  }

  /** A channel as WhatsApp's GraphQL describes it to one viewer. */
  private describe(channel: Channel, viewer: string): Record<string, unknown> {
    const role = channel.owner === viewer ? 'OWNER' : channel.followers.has(viewer) ? 'SUBSCRIBER' : 'GUEST'
    return {
      id: channel.jid,
      state: { type: 'ACTIVE' },
      thread_metadata: {
        creation_time: String(channel.createdAt),
        name: { text: channel.name, id: channel.jid, update_time: String(channel.createdAt) },
        description: { text: channel.description, id: channel.jid, update_time: String(channel.createdAt) },
        invite: channel.invite,
        handle: null,
        picture: null,
        preview: null,
        subscribers_count: String(channel.followers.size),
        verification: channel.verified ? 'VERIFIED' : 'UNVERIFIED'
      },
      viewer_metadata: { mute: channel.followers.get(viewer) ? 'ON' : 'OFF', role }
    }
  }

  private answer(conn: Connection, iq: BinaryNode, body: unknown): void {
    conn.reply(iq, [{ tag: 'result', attrs: {}, content: Buffer.from(JSON.stringify(body), 'utf8') }])
  }
}
