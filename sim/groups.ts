import { randomInt } from 'node:crypto'
import { getBinaryNodeChild, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER, isPhoneNumber, type Accounts } from './accounts.js'

export const GROUP_SERVER = 'g.us'

export interface Group {
  /** e.g. 120363012345678901@g.us */
  jid: string
  subject: string
  description?: string
  /** phone number of the creator, also the group's super admin */
  owner: string
  /** phone numbers, the owner included */
  participants: string[]
  /** unix seconds */
  creation: number
}

export interface NewGroup {
  subject: string
  participants: string[]
  owner?: string
  description?: string
}

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
    const group: Group = {
      jid,
      subject: spec.subject,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      owner,
      participants,
      creation: Math.floor(Date.now() / 1000)
    }
    this.byJid.set(jid, group)
    return group
  }

  get(jid: string): Group | undefined {
    return this.byJid.get(jid)
  }

  ofMember(phoneNumber: string): Group[] {
    return [...this.byJid.values()].filter(g => g.participants.includes(phoneNumber))
  }
}

/** A <group> node as w:g2 answers carry it: LID addressing, each participant with its phone number. */
export function groupNode(group: Group, accounts: Accounts): BinaryNode {
  const lidOf = (phone: string) => `${accounts.get(phone).lid}@${LID_SERVER}`
  const participants: BinaryNode[] = group.participants.map(phone => ({
    tag: 'participant',
    attrs: {
      jid: lidOf(phone),
      phone_number: `${phone}@${PN_SERVER}`,
      ...(phone === group.owner ? { type: 'superadmin' } : {})
    }
  }))
  const description: BinaryNode[] =
    group.description === undefined
      ? []
      : [
          {
            tag: 'description',
            attrs: { id: `${group.creation}`, participant: lidOf(group.owner), t: String(group.creation) },
            content: [{ tag: 'body', attrs: {}, content: Buffer.from(group.description) }]
          }
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
    content: [...participants, ...description]
  }
}

export type GroupIqAnswer = { content: BinaryNode[] } | { error: { code: number; text: string } }

/** Answers `xmlns=w:g2` gets: the participating list and one group's metadata; others get an empty result. */
export function answerGroupIq(iq: BinaryNode, phoneNumber: string, groups: Groups, accounts: Accounts): GroupIqAnswer {
  if (iq.attrs.type !== 'get') return { content: [] }
  if (getBinaryNodeChild(iq, 'participating')) {
    const nodes = groups.ofMember(phoneNumber).map(g => groupNode(g, accounts))
    return { content: [{ tag: 'groups', attrs: {}, content: nodes }] }
  }
  if (getBinaryNodeChild(iq, 'query')) {
    const group = groups.get(iq.attrs.to ?? '')
    if (!group) return { error: { code: 404, text: 'item-not-found' } }
    if (!group.participants.includes(phoneNumber)) return { error: { code: 403, text: 'forbidden' } }
    return { content: [groupNode(group, accounts)] }
  }
  return { content: [] }
}
