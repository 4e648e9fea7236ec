import { randomBytes } from 'node:crypto'
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER, type Account, type Accounts } from './accounts.js'
import type { Connection } from './connection.js'
import type { LiveConnections } from './live-connections.js'
import type { MediaHost } from './media-host.js'

/** Who may see a setting: WhatsApp's privacy values (the sim has no address books: contacts means everyone). */
export const PRIVACY_DEFAULTS: Readonly<Record<string, string>> = {
  readreceipts: 'all',
  last: 'all',
  online: 'all',
  profile: 'all',
  status: 'all',
  groupadd: 'all',
  calladd: 'all',
  messages: 'all'
}

export interface BusinessProfile {
  description: string
  email?: string
  website?: string
  category?: string
}

/** What an account shows of itself: its "about", picture, privacy settings, blocklist, business profile. */
export interface Profile {
  about: { text: string; setAt: number } | null
  picture: { id: string; jpeg: Buffer; url: string; directPath: string } | null
  privacy: Record<string, string>
  /** LID JID -> phone-number JID of each blocked user */
  blocked: Map<string, string>
  business: BusinessProfile | null
}

const hiddenBy = (value: string | undefined): boolean => value === 'none'

function text(node: BinaryNode | undefined): string {
  const content = node?.content
  if (typeof content === 'string') return content
  return content instanceof Uint8Array ? Buffer.from(content).toString('utf8') : ''
}

/**
 * Profiles as WhatsApp's server keeps them: "about" texts (usync status), pictures
 * (w:profile:picture), privacy settings, blocklists and business profiles, each answered to the
 * account's devices and to everyone else as the owner's privacy allows.
 */
export class ProfileDesk {
  private readonly profiles = new Map<string, Profile>()

  constructor(
    private readonly accounts: Accounts,
    private readonly media: MediaHost,
    private readonly live: LiveConnections<Connection>
  ) {}

  of(phoneNumber: string): Profile {
    let profile = this.profiles.get(phoneNumber)
    if (!profile) {
      profile = { about: null, picture: null, privacy: { ...PRIVACY_DEFAULTS }, blocked: new Map(), business: null }
      this.profiles.set(phoneNumber, profile)
    }
    return profile
  }

  setPicture(phoneNumber: string, jpeg: Buffer | null): void {
    const profile = this.of(phoneNumber)
    if (!jpeg) {
      profile.picture = null
      return
    }
    const { directPath, url } = this.media.put(jpeg)
    profile.picture = { id: String(Math.floor(Date.now() / 1000)) + randomBytes(2).readUInt16BE(), jpeg, url, directPath }
  }

  /** The account behind a user JID of either form. */
  private accountOf(jid: string | undefined): Account | undefined {
    const decoded = jid ? jidDecode(jid) : undefined
    return decoded ? this.accounts.byUser(decoded.user, decoded.server) : undefined
  }

  /** usync `status` for `target` as `viewer` may see it: the text and when it was set, 401 when hidden. */
  statusFor(viewer: string, target: Account): BinaryNode {
    const profile = this.of(target.phoneNumber)
    if (viewer !== target.phoneNumber && hiddenBy(profile.privacy.status)) return { tag: 'status', attrs: { code: '401', t: '0' } }
    if (!profile.about) return { tag: 'status', attrs: { t: '0' } }
    return { tag: 'status', attrs: { t: String(Math.floor(profile.about.setAt / 1000)) }, content: Buffer.from(profile.about.text) }
  }

  /** `<iq xmlns=w:profile:picture>`: get a picture's url (404 none, 401 hidden), set or remove the account's own. */
  answerPicture(conn: Connection, iq: BinaryNode): void {
    const own = conn.account!
    if (iq.attrs.type === 'set') {
      const target = iq.attrs.target ? this.accountOf(iq.attrs.target) : own
      if (target !== own) return conn.replyError(iq, 403, 'forbidden')
      const picture = getBinaryNodeChild(iq, 'picture')
      const jpeg = picture?.content instanceof Uint8Array ? Buffer.from(picture.content) : null
      if (jpeg && !(jpeg[0] === 0xff && jpeg[1] === 0xd8)) return conn.replyError(iq, 400, 'bad-request')
      this.setPicture(own.phoneNumber, jpeg)
      const id = this.of(own.phoneNumber).picture?.id
      return conn.reply(iq, id ? [{ tag: 'picture', attrs: { id } }] : undefined)
    }
    const target = this.accountOf(iq.attrs.target)
    if (!target) return conn.replyError(iq, 404, 'item-not-found')
    if (target !== own && hiddenBy(this.of(target.phoneNumber).privacy.profile)) return conn.replyError(iq, 401, 'not-authorized')
    this.answerPictureOf(conn, iq, target.phoneNumber)
  }

  /** The picture kept under `key` (an account's phone number or a group's JID): its url, 404 when there is none. */
  answerPictureOf(conn: Connection, iq: BinaryNode, key: string): void {
    const picture = this.of(key).picture
    if (!picture) return conn.replyError(iq, 404, 'item-not-found')
    const type = getBinaryNodeChild(iq, 'picture')?.attrs.type ?? 'preview'
    conn.reply(iq, [{ tag: 'picture', attrs: { id: picture.id, type, url: picture.url, direct_path: picture.directPath } }])
  }

  /** `<iq xmlns=status type=set>`: the account's new "about". */
  setAbout(conn: Connection, iq: BinaryNode): void {
    this.of(conn.account!.phoneNumber).about = { text: text(getBinaryNodeChild(iq, 'status')), setAt: Date.now() }
    conn.reply(iq)
  }

  /**
   * `<iq xmlns=blocklist>`: the list (LID JIDs, as WhatsApp keys it now), or a block / unblock, which
   * the account's other devices hear of (account_sync).
   */
  answerBlocklist(conn: Connection, iq: BinaryNode): void {
    const own = conn.account!
    const profile = this.of(own.phoneNumber)
    const item = getBinaryNodeChild(iq, 'item')
    if (iq.attrs.type === 'set' && item) {
      const { action, jid } = item.attrs
      if (!jid || (action !== 'block' && action !== 'unblock') || jidDecode(jid)?.server !== LID_SERVER) return conn.replyError(iq, 400, 'bad-request')
      if (action === 'block') {
        const target = this.accountOf(jid)
        profile.blocked.set(jid, item.attrs.pn_jid ?? (target ? `${target.phoneNumber}@${PN_SERVER}` : ''))
      } else {
        profile.blocked.delete(jid)
      }
      for (const other of this.live.sockets(own.phoneNumber)) {
        if (other !== conn) other.send(blocklistNotice(action, jid))
      }
    }
    conn.reply(iq, [{ tag: 'list', attrs: {}, content: [...profile.blocked.keys()].map(jid => ({ tag: 'item', attrs: { jid } })) }])
  }

  /** `<iq xmlns=privacy>` (settings, not trusted-contact tokens): the settings, or one changed. */
  answerPrivacy(conn: Connection, iq: BinaryNode): void {
    const profile = this.of(conn.account!.phoneNumber)
    if (iq.attrs.type === 'set') {
      for (const category of getBinaryNodeChildren(getBinaryNodeChild(iq, 'privacy'), 'category')) {
        const { name, value } = category.attrs
        if (!name || !value || !(name in PRIVACY_DEFAULTS)) return conn.replyError(iq, 400, 'bad-request')
        profile.privacy[name] = value
      }
      return conn.reply(iq)
    }
    conn.reply(iq, [
      { tag: 'privacy', attrs: {}, content: Object.entries(profile.privacy).map(([name, value]) => ({ tag: 'category', attrs: { name, value } })) }
    ])
  }

  /** `<iq xmlns=w:biz>`: a business account's profile; a personal account's answer holds none. */
  answerBusiness(conn: Connection, iq: BinaryNode): void {
    const asked = getBinaryNodeChild(getBinaryNodeChild(iq, 'business_profile'), 'profile')?.attrs.jid
    const target = this.accountOf(asked)
    const business = target && this.of(target.phoneNumber).business
    const profile: BinaryNode[] = business
      ? [{
          tag: 'profile',
          attrs: { jid: `${target.phoneNumber}@${PN_SERVER}` },
          content: [
            { tag: 'description', attrs: {}, content: Buffer.from(business.description) },
            ...(business.email ? [{ tag: 'email', attrs: {}, content: Buffer.from(business.email) }] : []),
            ...(business.website ? [{ tag: 'website', attrs: {}, content: Buffer.from(business.website) }] : []),
            ...(business.category
              ? [{ tag: 'categories', attrs: {}, content: [{ tag: 'category', attrs: { id: '1' }, content: Buffer.from(business.category) }] }]
              : [])
          ]
        }]
      : []
    conn.reply(iq, [{ tag: 'business_profile', attrs: { v: '244' }, content: profile }])
  }
}

function blocklistNotice(action: string, jid: string): BinaryNode {
  return {
    tag: 'notification',
    attrs: { from: PN_SERVER, type: 'account_sync', id: randomBytes(8).toString('hex'), t: String(Math.floor(Date.now() / 1000)) },
    content: [{ tag: 'blocklist', attrs: {}, content: [{ tag: 'item', attrs: { action, jid } }] }]
  }
}
