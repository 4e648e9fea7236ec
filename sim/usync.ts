import { getAllBinaryNodeChildren, getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { PN_SERVER, type Account, type Accounts } from './accounts.js'
import type { ProfileDesk } from './profiles.js'

function contentText(node: BinaryNode | undefined): string {
  const content = node?.content
  if (typeof content === 'string') return content
  return content instanceof Uint8Array ? Buffer.from(content).toString('utf8') : ''
}

/** The jid a <user> asks about: its jid attribute, or a "+digits" phone in a <contact> child. */
function userJid(user: BinaryNode): string | undefined {
  if (user.attrs.jid) return user.attrs.jid
  const phone = contentText(getBinaryNodeChild(user, 'contact')).replace(/\D/g, '')
  return phone ? `${phone}@${PN_SERVER}` : undefined
}

/** Who asks and what they may see of others (status, the "about"). */
interface Asker {
  profiles: ProfileDesk
  phoneNumber: string
}

function protocolAnswer(protocol: string, account: Account, server: string, exists: boolean, asker: Asker): BinaryNode | undefined {
  if (!exists) return protocol === 'contact' ? { tag: 'contact', attrs: { type: 'out' } } : undefined
  switch (protocol) {
    case 'devices':
      // Every user, the requester included, shows only its phone (device 0), whose Signal identity
      // the sim owns. Listing the requester's phone matters: Baileys caches device lists, and an
      // empty own list would make it re-query usync and re-fetch keys on every send.
      return {
        tag: 'devices',
        attrs: {},
        content: [{ tag: 'device-list', attrs: {}, content: [{ tag: 'device', attrs: { id: '0' } }] }]
      }
    case 'lid':
      return server === PN_SERVER ? { tag: 'lid', attrs: { val: `${account.lid}@lid` } } : undefined
    case 'contact':
      return { tag: 'contact', attrs: { type: 'in' } }
    case 'status':
      return asker.profiles.statusFor(asker.phoneNumber, account)
    default:
      return undefined
  }
}

/**
 * Builds the <usync> answer: every phone number exists and has a LID (rc14 is LID-first), except
 * numbers listed as not on WhatsApp, which get only <contact type="out"/> as WhatsApp answers for non-users.
 */
export function answerUsync(iq: BinaryNode, accounts: Accounts, profiles: ProfileDesk, askerPhone: string): BinaryNode {
  const usync = getBinaryNodeChild(iq, 'usync')
  const protocols = getAllBinaryNodeChildren(getBinaryNodeChild(usync, 'query')!).map(p => p.tag)
  const users: BinaryNode[] = []
  for (const user of getBinaryNodeChildren(getBinaryNodeChild(usync, 'list'), 'user')) {
    const jid = userJid(user)
    const decoded = jid ? jidDecode(jid) : undefined
    const account = decoded ? accounts.byUser(decoded.user, decoded.server) : undefined
    if (!jid || !decoded || !account) continue
    const content = protocols
      .map(protocol => protocolAnswer(protocol, account, decoded.server, accounts.isOnWhatsApp(account), { profiles, phoneNumber: askerPhone }))
      .filter((node): node is BinaryNode => !!node)
    users.push({ tag: 'user', attrs: { jid: `${decoded.user}@${decoded.server}` }, content })
  }
  return {
    tag: 'usync',
    attrs: { sid: usync?.attrs.sid ?? '', index: '0', last: 'true' },
    content: [
      { tag: 'result', attrs: {} },
      { tag: 'list', attrs: {}, content: users }
    ]
  }
}
