import { askingWhatsApp, DomainError, invalidInput } from '../errors.js'
import { parsePerson, parseRecipient } from '../messaging/recipient.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { People } from '../sessions/people-port.js'
import type { ContactRecord, ContactRepository } from '../store/ports.js'

/** Everything known about one person, as GET .../contacts/:contact answers it. */
export interface ContactDetails {
  jid: string
  phoneNumber: string | null
  lid: string | null
  exists: boolean
  name: string | null
  pushName: string | null
  about: string | null
  pictureUrl: string | null
  isBusiness: boolean
  blocked: boolean
}

/** A blocked person: the LID WhatsApp lists, and the phone number where known. */
export interface BlockedPerson {
  jid: string
  phoneNumber: string | null
  lid: string | null
}

const phoneOf = (jid: string | null): string | null => (jid?.endsWith('@s.whatsapp.net') ? jid.slice(0, jid.indexOf('@')) : null)

const NOT_A_GROUP = 'contact must be a person (a phone number, or a JID ending in @s.whatsapp.net or @lid), not a group'

/**
 * Who the session's contacts are: stored names (history sync) joined with what WhatsApp says now
 * (on WhatsApp or not, LID, "about", picture, business, blocked); LIDs resolved to phone numbers
 * where WhatsApp revealed them; blocking. What is learned about a person's LID is kept.
 */
export class ContactDirectory {
  constructor(
    private readonly manager: SessionManager,
    private readonly contacts: ContactRepository,
  ) {}

  list(deviceId: string, limit: number, offset: number): Promise<ContactRecord[]> {
    this.manager.get(deviceId)
    return this.contacts.list(deviceId, limit, offset)
  }

  async details(deviceId: string, input: string): Promise<ContactDetails> {
    const jid = parsePerson(input, NOT_A_GROUP)
    const people = this.people(deviceId)
    const found = await people.lookup(jid)
    const primary = found.phoneJid ?? jid
    const [about, pictureUrl, isBusiness, blocklist, stored] = await Promise.all([
      found.exists ? people.about(primary) : null,
      found.exists ? people.pictureUrl(primary) : null,
      found.exists ? people.isBusiness(primary) : false,
      people.blocklist(),
      this.stored(deviceId, primary, found.lid),
    ])
    await this.remember(deviceId, primary, found.lid)
    return {
      jid: primary,
      phoneNumber: phoneOf(found.phoneJid),
      lid: found.lid,
      exists: found.exists,
      name: stored?.name ?? null,
      pushName: stored?.pushName ?? null,
      about,
      pictureUrl,
      isBusiness,
      blocked: [jid, found.lid, found.phoneJid].some((candidate) => candidate !== null && blocklist.includes(candidate)),
    }
  }

  /** The phone number behind a LID, where WhatsApp revealed it to this session; a 404 saying so otherwise. */
  async resolveLid(deviceId: string, input: string): Promise<{ lid: string; phoneNumber: string; jid: string }> {
    const lid = parseRecipient(/^\d+$/.test(input.trim()) ? `${input.trim()}@lid` : input)
    if (!lid.endsWith('@lid')) throw invalidInput('lid must be a LID: digits, optionally followed by @lid')
    const phoneJid = (await this.people(deviceId).phoneJidOf(lid)) ?? (await this.storedByLid(deviceId, lid))
    if (!phoneJid) {
      throw new DomainError('not_found', `WhatsApp has not revealed the phone number behind ${lid} to this session: it does when the person writes to it, shares their number, or is in a group that shows numbers`)
    }
    await this.remember(deviceId, phoneJid, lid)
    return { lid, phoneNumber: phoneOf(phoneJid)!, jid: phoneJid }
  }

  async blocklist(deviceId: string): Promise<BlockedPerson[]> {
    const people = this.people(deviceId)
    return Promise.all((await people.blocklist()).map(async (jid) => {
      const phoneJid = jid.endsWith('@lid') ? await people.phoneJidOf(jid) : jid
      return { jid: phoneJid ?? jid, phoneNumber: phoneOf(phoneJid), lid: jid.endsWith('@lid') ? jid : null }
    }))
  }

  /** Blocks or unblocks; returns the JID acted on. */
  async setBlocked(deviceId: string, input: string, blocked: boolean): Promise<string> {
    const jid = parsePerson(input, NOT_A_GROUP)
    const people = this.people(deviceId)
    await (blocked ? people.block(jid) : people.unblock(jid))
    return jid
  }

  private people(deviceId: string): People {
    return askingWhatsApp(this.manager.requireConnection(deviceId).people)
  }

  private async stored(deviceId: string, jid: string, lid: string | null): Promise<ContactRecord | undefined> {
    return (await this.contacts.get(deviceId, jid)) ?? (lid ? await this.contacts.findByLid(deviceId, lid) : undefined)
  }

  /** A phone number stored with this LID (from history sync or an earlier look-up). */
  private async storedByLid(deviceId: string, lid: string): Promise<string | null> {
    const phoneNumber = (await this.contacts.findByLid(deviceId, lid))?.phoneNumber
    return phoneNumber ? `${phoneNumber}@s.whatsapp.net` : null
  }

  /** Keeps a person's phone number and LID together, so the LID resolves later too. */
  private async remember(deviceId: string, phoneJid: string, lid: string | null): Promise<void> {
    const phoneNumber = phoneOf(phoneJid)
    if (!phoneNumber || !lid) return
    await this.contacts.upsert(deviceId, [{ jid: phoneJid, name: null, pushName: null, phoneNumber, lid }])
  }
}
