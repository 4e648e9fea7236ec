import { randomBytes, randomInt } from 'node:crypto'
import { jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER, isPhoneNumber, type Accounts } from './accounts.js'

export const GROUP_SERVER = 'g.us'

export interface Group {
  /** e.g. 120363012345678901@g.us */
  jid: string
  subject: string
  description?: string
  /** id of the current description, which a change names as `prev` */
  descriptionId?: string
  /** phone number of the creator, also the group's super admin */
  owner: string
  /** phone numbers, the owner included */
  participants: string[]
  /** phone numbers of the admins besides the owner */
  admins: Set<string>
  /** unix seconds */
  creation: number
  /** only admins may write */
  announce: boolean
  /** only admins may edit the group's info */
  locked: boolean
  /** disappearing messages after this many seconds; 0 off */
  ephemeral: number
  /** joining by link needs an admin's approval */
  joinApproval: boolean
  inviteCode: string
  /** phone number -> unix seconds of asking to join */
  requests: Map<string, number>
}

export interface NewGroup {
  subject: string
  participants: string[]
  owner?: string
  description?: string
  admins?: string[]
  joinApproval?: boolean
}

export const newInviteCode = (): string => randomBytes(16).toString('base64url').slice(0, 22)

/** Groups the simulated server knows; members are accounts by phone number. */
export class Groups {
  private readonly byJid = new Map<string, Group>()

  constructor(private readonly accounts: Accounts) {}

  create(spec: NewGroup): Group {
    const owner = spec.owner ?? spec.participants[0]
    if (!owner) throw new Error('a group needs an owner or at least one participant')
    const participants = [...new Set([owner, ...spec.participants])]
    for (const phone of participants) {
      if (!isPhoneNumber(phone)) throw new Error(`not a phone number: ${phone}`)
      // registers the LID mapping usync and key fetches resolve participants through
      this.accounts.get(phone)
    }
    let jid: string
    do jid = `120363${randomInt(1e11, 1e12)}@${GROUP_SERVER}`
    while (this.byJid.has(jid))
    const creation = Math.floor(Date.now() / 1000)
    const group: Group = {
      jid,
      subject: spec.subject,
      ...(spec.description !== undefined ? { description: spec.description, descriptionId: `${creation}` } : {}),
      owner,
      participants,
      admins: new Set((spec.admins ?? []).filter(phone => participants.includes(phone))),
      creation,
      announce: false,
      locked: false,
      ephemeral: 0,
      joinApproval: spec.joinApproval ?? false,
      inviteCode: newInviteCode(),
      requests: new Map()
    }
    this.byJid.set(jid, group)
    return group
  }

  get(jid: string): Group | undefined {
    return this.byJid.get(jid)
  }

  byInviteCode(code: string): Group | undefined {
    return [...this.byJid.values()].find(g => g.inviteCode === code)
  }

  ofMember(phoneNumber: string): Group[] {
    return [...this.byJid.values()].filter(g => g.participants.includes(phoneNumber))
  }
}

export const isAdmin = (group: Group, phone: string): boolean => phone === group.owner || group.admins.has(phone)

/** A participant as WhatsApp names one in LID-addressed groups: its LID, with its phone number beside. */
export function participantNode(phone: string, accounts: Accounts, attrs: Record<string, string> = {}): BinaryNode {
  return { tag: 'participant', attrs: { jid: `${accounts.get(phone).lid}@${LID_SERVER}`, phone_number: `${phone}@${PN_SERVER}`, ...attrs } }
}

/**
 * A <group> node as w:g2 answers and create notifications carry it: LID addressing, each
 * participant with its phone number and admin type; withParticipants false for invite previews.
 */
export function groupNode(group: Group, accounts: Accounts, withParticipants = true): BinaryNode {
  const lidOf = (phone: string) => `${accounts.get(phone).lid}@${LID_SERVER}`
  const participants: BinaryNode[] = withParticipants
    ? group.participants.map(phone =>
        participantNode(phone, accounts, phone === group.owner ? { type: 'superadmin' } : group.admins.has(phone) ? { type: 'admin' } : {})
      )
    : []
  const description: BinaryNode[] =
    group.description === undefined
      ? []
      : [
          {
            tag: 'description',
            attrs: { id: group.descriptionId ?? `${group.creation}`, participant: lidOf(group.owner), t: String(group.creation) },
            content: [{ tag: 'body', attrs: {}, content: Buffer.from(group.description) }]
          }
        ]
  const settings: BinaryNode[] = [
    ...(group.announce ? [{ tag: 'announcement', attrs: {} }] : []),
    ...(group.locked ? [{ tag: 'locked', attrs: {} }] : []),
    ...(group.ephemeral > 0 ? [{ tag: 'ephemeral', attrs: { expiration: String(group.ephemeral) } }] : []),
    ...(group.joinApproval
      ? [{ tag: 'membership_approval_mode', attrs: {}, content: [{ tag: 'group_join', attrs: { state: 'on' } }] }]
      : [])
  ]
  return {
    tag: 'group',
    attrs: {
      id: jidDecode(group.jid)!.user,
      subject: group.subject,
      s_t: String(group.creation),
      s_o: lidOf(group.owner),
      creation: String(group.creation),
      creator: lidOf(group.owner),
      creator_pn: `${group.owner}@${PN_SERVER}`,
      addressing_mode: 'lid',
      size: String(group.participants.length)
    },
    content: [...participants, ...description, ...settings]
  }
}
