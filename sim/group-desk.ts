import { randomBytes } from 'node:crypto'
import { getAllBinaryNodeChildren, getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER, type Account, type Accounts } from './accounts.js'
import type { Connection } from './connection.js'
import { GROUP_SERVER, groupNode, isAdmin, newInviteCode, participantNode, type Group, type Groups } from './groups.js'
import type { LiveConnections } from './live-connections.js'
import type { ProfileDesk } from './profiles.js'

type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote'
const PARTICIPANT_ACTIONS = new Set<string>(['add', 'remove', 'promote', 'demote'])
const SETTINGS = new Set(['announcement', 'not_announcement', 'locked', 'unlocked'])
/** Seconds an add request (an invite sent instead of an add) stays valid: WhatsApp's three days. */
const ADD_REQUEST_TTL_S = 3 * 24 * 3600

/** A change a member made from a phone, as `sim.groupChange` takes it. */
export type PhoneGroupChange =
  | { subject: string }
  | { description: string | null }
  | { announce: boolean }
  | { locked: boolean }
  | { ephemeral: number }
  | { participants: ParticipantAction; phones: string[] }
  | { leave: true }

type Answer = { content?: BinaryNode[] } | { error: { code: number; text: string } }
const fail = (code: number, text: string): Answer => ({ error: { code, text } })
const now = () => Math.floor(Date.now() / 1000)

function text(node: BinaryNode | undefined): string {
  const content = node?.content
  if (typeof content === 'string') return content
  return content instanceof Uint8Array ? Buffer.from(content).toString('utf8') : ''
}

/**
 * The w:g2 side of WhatsApp's server: creating groups, their metadata, settings, participants,
 * invites, leaving and join requests, each answered as the server does and announced to every
 * member's live devices as a w:gp2 notification (offline devices miss them, see README).
 */
export class GroupDesk {
  /** group JID -> how many times clients asked for its metadata (w:g2 query) */
  readonly metadataQueries = new Map<string, number>()

  constructor(
    private readonly groups: Groups,
    private readonly accounts: Accounts,
    private readonly live: LiveConnections<Connection>,
    private readonly profiles: ProfileDesk
  ) {}

  /** Answers a `xmlns=w:g2` iq from a device of `phone`. */
  answer(conn: Connection, iq: BinaryNode): void {
    const answer = this.handle(conn.phoneNumber!, iq)
    if ('error' in answer) conn.replyError(iq, answer.error.code, answer.error.text)
    else conn.reply(iq, answer.content)
  }

  private handle(phone: string, iq: BinaryNode): Answer {
    const child = getAllBinaryNodeChildren(iq)[0]
    if (!child) return { content: [] }
    const to = iq.attrs.to ?? ''
    if (to === `@${GROUP_SERVER}`) return this.handleGlobal(phone, iq.attrs.type, child)
    const group = this.groups.get(to)
    if (!group) return fail(404, 'item-not-found')
    if (!group.participants.includes(phone)) return fail(403, 'forbidden')
    if (iq.attrs.type === 'get') {
      switch (child.tag) {
        case 'query':
          this.metadataQueries.set(group.jid, (this.metadataQueries.get(group.jid) ?? 0) + 1)
          return { content: [groupNode(group, this.accounts)] }
        case 'invite':
          return isAdmin(group, phone) ? { content: [{ tag: 'invite', attrs: { code: group.inviteCode } }] } : fail(401, 'not-authorized')
        case 'membership_approval_requests':
          return isAdmin(group, phone) ? { content: [this.requestsNode(group)] } : fail(401, 'not-authorized')
        default:
          return { content: [] }
      }
    }
    const mayEditInfo = !group.locked || isAdmin(group, phone)
    switch (child.tag) {
      case 'subject':
        if (!mayEditInfo) return fail(401, 'not-authorized')
        group.subject = text(child)
        this.notify(group, phone, { tag: 'subject', attrs: { subject: group.subject, s_o: this.lidJid(phone), s_t: String(now()) } })
        return { content: [] }
      case 'description':
        return mayEditInfo ? this.describe(group, phone, child) : fail(401, 'not-authorized')
      case 'ephemeral':
      case 'not_ephemeral':
        if (!mayEditInfo) return fail(401, 'not-authorized')
        group.ephemeral = child.tag === 'ephemeral' ? Number(child.attrs.expiration ?? 0) : 0
        this.notify(group, phone, child.tag === 'ephemeral' ? { tag: 'ephemeral', attrs: { expiration: String(group.ephemeral) } } : { tag: 'not_ephemeral', attrs: {} })
        return { content: [] }
      case 'membership_approval_mode': {
        if (!isAdmin(group, phone)) return fail(401, 'not-authorized')
        group.joinApproval = getBinaryNodeChild(child, 'group_join')?.attrs.state === 'on'
        this.notify(group, phone, { tag: 'membership_approval_mode', attrs: {}, content: [{ tag: 'group_join', attrs: { state: group.joinApproval ? 'on' : 'off' } }] })
        return { content: [] }
      }
      case 'invite':
        if (!isAdmin(group, phone)) return fail(401, 'not-authorized')
        group.inviteCode = newInviteCode()
        return { content: [{ tag: 'invite', attrs: { code: group.inviteCode } }] }
      case 'membership_requests_action':
        return this.answerRequests(group, phone, child)
      default:
        if (SETTINGS.has(child.tag)) {
          if (!isAdmin(group, phone)) return fail(401, 'not-authorized')
          if (child.tag.endsWith('announcement')) group.announce = child.tag === 'announcement'
          else group.locked = child.tag === 'locked'
          this.notify(group, phone, { tag: child.tag, attrs: {} })
          return { content: [] }
        }
        if (PARTICIPANT_ACTIONS.has(child.tag)) return this.changeParticipants(group, phone, child.tag as ParticipantAction, child)
        return { content: [] }
    }
  }

  /** iqs to `@g.us`: the groups an account is in, create, leave, invite previews and joins. */
  private handleGlobal(phone: string, type: string | undefined, child: BinaryNode): Answer {
    switch (child.tag) {
      case 'participating': {
        const nodes = this.groups.ofMember(phone).map(g => groupNode(g, this.accounts))
        return { content: [{ tag: 'groups', attrs: {}, content: nodes }] }
      }
      case 'create':
        return this.create(phone, child)
      case 'leave': {
        for (const node of getBinaryNodeChildren(child, 'group')) {
          const group = this.groups.get(node.attrs.id ?? '')
          if (group?.participants.includes(phone)) this.leave(group, phone)
        }
        return { content: [] }
      }
      case 'invite': {
        const group = this.groups.byInviteCode(child.attrs.code ?? '')
        if (!group) return fail(406, 'not-acceptable')
        if (type === 'get') return { content: [groupNode(group, this.accounts, false)] }
        return this.join(group, phone)
      }
      default:
        return { content: [] }
    }
  }

  private create(phone: string, child: BinaryNode): Answer {
    const wanted = getBinaryNodeChildren(child, 'participant').map(p => this.accountOf(p.attrs.jid))
    const addable = wanted.filter((a): a is Account => a !== undefined && this.accounts.isOnWhatsApp(a) && this.profiles.of(a.phoneNumber).privacy.groupadd !== 'none')
    const group = this.groups.create({ subject: child.attrs.subject ?? '', participants: addable.map(a => a.phoneNumber), owner: phone })
    this.notify(group, phone, { tag: 'create', attrs: {}, content: [groupNode(group, this.accounts)] })
    return { content: [groupNode(group, this.accounts)] }
  }

  private describe(group: Group, phone: string, child: BinaryNode): Answer {
    if (child.attrs.prev !== undefined && child.attrs.prev !== group.descriptionId) return fail(409, 'conflict')
    const deleted = child.attrs.delete === 'true'
    if (deleted) {
      delete group.description
      delete group.descriptionId
    } else {
      group.description = text(getBinaryNodeChild(child, 'body'))
      group.descriptionId = child.attrs.id ?? randomBytes(8).toString('hex')
    }
    this.notify(group, phone, {
      tag: 'description',
      attrs: deleted ? { delete: 'true' } : { id: group.descriptionId! },
      ...(deleted ? {} : { content: [{ tag: 'body', attrs: {}, content: Buffer.from(group.description!) }] })
    })
    return { content: [] }
  }

  /** One result per participant: error 409 already in, 404 not on WhatsApp or not a member, 403 (with an invite) privacy. */
  private changeParticipants(group: Group, phone: string, action: ParticipantAction, child: BinaryNode): Answer {
    if (!isAdmin(group, phone)) return fail(401, 'not-authorized')
    const results: BinaryNode[] = []
    const changed: string[] = []
    for (const node of getBinaryNodeChildren(child, 'participant')) {
      const jid = node.attrs.jid ?? ''
      const error = this.applyOne(group, action, this.accountOf(jid))
      if (typeof error === 'string') changed.push(error)
      results.push({ tag: 'participant', attrs: { jid, ...(typeof error === 'object' ? { error: error.code } : {}) }, ...(typeof error === 'object' && error.content ? { content: error.content } : {}) })
    }
    if (changed.length > 0) this.notifyParticipants(group, phone, action, changed)
    return { content: [{ tag: action, attrs: {}, content: results }] }
  }

  /** The changed phone number, or why not. */
  private applyOne(group: Group, action: ParticipantAction, account: Account | undefined): string | { code: string; content?: BinaryNode[] } {
    if (!account || !this.accounts.isOnWhatsApp(account)) return { code: '404' }
    const target = account.phoneNumber
    const member = group.participants.includes(target)
    switch (action) {
      case 'add':
        if (member) return { code: '409' }
        if (this.profiles.of(target).privacy.groupadd === 'none') {
          const expiration = String(now() + ADD_REQUEST_TTL_S)
          return { code: '403', content: [{ tag: 'add_request', attrs: { code: newInviteCode(), expiration } }] }
        }
        group.participants.push(target)
        return target
      case 'remove':
        if (!member) return { code: '404' }
        if (target === group.owner) return { code: '406' }
        group.participants = group.participants.filter(p => p !== target)
        group.admins.delete(target)
        return target
      case 'promote':
      case 'demote':
        if (!member) return { code: '404' }
        if (target === group.owner) return { code: '406' }
        if (action === 'promote') group.admins.add(target)
        else group.admins.delete(target)
        return target
    }
  }

  private join(group: Group, phone: string): Answer {
    if (group.participants.includes(phone)) return fail(304, 'not-modified')
    if (group.joinApproval) {
      group.requests.set(phone, now())
      this.notify(group, phone, { tag: 'created_membership_requests', attrs: { request_method: 'invite_link' }, content: [participantNode(phone, this.accounts)] }, { adminsOnly: true })
      return { content: [{ tag: 'membership_approval_request', attrs: { jid: group.jid } }] }
    }
    group.participants.push(phone)
    this.notifyParticipants(group, phone, 'add', [phone])
    return { content: [{ tag: 'group', attrs: { jid: group.jid } }] }
  }

  private leave(group: Group, phone: string): void {
    group.participants = group.participants.filter(p => p !== phone)
    group.admins.delete(phone)
    this.notifyParticipants(group, phone, 'remove', [phone], [phone])
  }

  private requestsNode(group: Group): BinaryNode {
    return {
      tag: 'membership_approval_requests',
      attrs: {},
      content: [...group.requests].map(([phone, t]) => ({
        tag: 'membership_approval_request',
        attrs: { jid: this.lidJid(phone), phone_number: `${phone}@${PN_SERVER}`, request_method: 'invite_link', request_time: String(t) }
      }))
    }
  }

  private answerRequests(group: Group, phone: string, child: BinaryNode): Answer {
    if (!isAdmin(group, phone)) return fail(401, 'not-authorized')
    const decision = getAllBinaryNodeChildren(child)[0]
    if (!decision || (decision.tag !== 'approve' && decision.tag !== 'reject')) return fail(400, 'bad-request')
    const approved: string[] = []
    const results = getBinaryNodeChildren(decision, 'participant').map((node): BinaryNode => {
      const jid = node.attrs.jid ?? ''
      const requester = this.accountOf(jid)?.phoneNumber
      if (!requester || !group.requests.has(requester)) return { tag: 'participant', attrs: { jid, error: '404' } }
      group.requests.delete(requester)
      if (decision.tag === 'approve') {
        group.participants.push(requester)
        approved.push(requester)
      }
      return { tag: 'participant', attrs: { jid } }
    })
    if (approved.length > 0) this.notifyParticipants(group, phone, 'add', approved)
    return { content: [{ tag: 'membership_requests_action', attrs: {}, content: [{ tag: decision.tag, attrs: {}, content: results }] }] }
  }

  /** A group picture set or removed (w:profile:picture with a group target), announced to the members. */
  answerPicture(conn: Connection, iq: BinaryNode): void {
    const phone = conn.phoneNumber!
    const group = this.groups.get(iq.attrs.target ?? '')
    if (!group) return conn.replyError(iq, 404, 'item-not-found')
    if (!group.participants.includes(phone)) return conn.replyError(iq, 403, 'forbidden')
    if (iq.attrs.type !== 'set') return this.profiles.answerPictureOf(conn, iq, group.jid)
    if (group.locked && !isAdmin(group, phone)) return conn.replyError(iq, 401, 'not-authorized')
    const picture = getBinaryNodeChild(iq, 'picture')
    const jpeg = picture?.content instanceof Uint8Array ? Buffer.from(picture.content) : null
    if (jpeg && !(jpeg[0] === 0xff && jpeg[1] === 0xd8)) return conn.replyError(iq, 400, 'bad-request')
    this.profiles.setPicture(group.jid, jpeg)
    const id = this.profiles.of(group.jid).picture?.id
    conn.reply(iq, id ? [{ tag: 'picture', attrs: { id } }] : undefined)
    const author = this.lidJid(phone)
    const change: BinaryNode = id ? { tag: 'set', attrs: { id, author, jid: group.jid } } : { tag: 'delete', attrs: { author, jid: group.jid } }
    for (const member of group.participants) {
      for (const device of this.live.sockets(member)) {
        device.send({ tag: 'notification', attrs: { from: group.jid, type: 'picture', id: randomBytes(8).toString('hex').toUpperCase(), t: String(now()) }, content: [change] })
      }
    }
  }

  /** A member changes the group from a phone (not one of the linked clients): the same notifications follow. */
  phoneChange(groupJid: string, byPhone: string, change: PhoneGroupChange): void {
    const group = this.groups.get(groupJid)
    if (!group) throw new Error(`no group ${groupJid}`)
    if ('leave' in change) return this.leave(group, byPhone)
    if ('participants' in change) {
      const node: BinaryNode = { tag: change.participants, attrs: {}, content: change.phones.map(p => ({ tag: 'participant', attrs: { jid: `${p}@${PN_SERVER}` } })) }
      const answer = this.changeParticipants(group, byPhone, change.participants, node)
      if ('error' in answer) throw new Error(answer.error.text)
      return
    }
    const iqChild: BinaryNode =
      'subject' in change
        ? { tag: 'subject', attrs: {}, content: Buffer.from(change.subject) }
        : 'description' in change
          ? change.description === null
            ? { tag: 'description', attrs: { delete: 'true' } }
            : { tag: 'description', attrs: { id: randomBytes(8).toString('hex') }, content: [{ tag: 'body', attrs: {}, content: Buffer.from(change.description) }] }
          : 'announce' in change
            ? { tag: change.announce ? 'announcement' : 'not_announcement', attrs: {} }
            : 'locked' in change
              ? { tag: change.locked ? 'locked' : 'unlocked', attrs: {} }
              : change.ephemeral > 0
                ? { tag: 'ephemeral', attrs: { expiration: String(change.ephemeral) } }
                : { tag: 'not_ephemeral', attrs: {} }
    const answer = this.handle(byPhone, { tag: 'iq', attrs: { to: groupJid, type: 'set', xmlns: 'w:g2' }, content: [iqChild] })
    if ('error' in answer) throw new Error(answer.error.text)
  }

  /** Someone asks to join a group that needs approval (as by its link). */
  requestToJoin(groupJid: string, phone: string): void {
    const group = this.groups.get(groupJid)
    if (!group) throw new Error(`no group ${groupJid}`)
    this.join(group, phone)
  }

  private notifyParticipants(group: Group, by: string, action: ParticipantAction, phones: string[], alsoTo: string[] = []): void {
    const nodes = phones.map(p => participantNode(p, this.accounts))
    this.notify(group, by, { tag: action, attrs: {}, content: nodes }, { alsoTo: action === 'remove' ? [...alsoTo, ...phones] : alsoTo })
  }

  /** A w:gp2 notification of `child`, by `by`, to the live devices of the members (and of those who just left). */
  private notify(group: Group, by: string, child: BinaryNode, options: { alsoTo?: string[]; adminsOnly?: boolean } = {}): void {
    const recipients = new Set([...group.participants.filter(p => !options.adminsOnly || isAdmin(group, p)), ...(options.alsoTo ?? [])])
    const account = this.accounts.get(by)
    const node: BinaryNode = {
      tag: 'notification',
      attrs: {
        from: group.jid,
        type: 'w:gp2',
        id: randomBytes(8).toString('hex').toUpperCase(),
        t: String(now()),
        participant: this.lidJid(by),
        participant_pn: `${by}@${PN_SERVER}`,
        notify: account.pushName,
        addressing_mode: 'lid'
      },
      content: [child]
    }
    for (const phone of recipients) for (const device of this.live.sockets(phone)) device.send(node)
  }

  private lidJid(phone: string): string {
    return `${this.accounts.get(phone).lid}@${LID_SERVER}`
  }

  private accountOf(jid: string | undefined): Account | undefined {
    const decoded = jid ? jidDecode(jid) : undefined
    return decoded ? this.accounts.byUser(decoded.user, decoded.server) : undefined
  }
}
