import { isLidUser, jidDecode, jidNormalizedUser, type WAPrivacyValue, type WASocket } from '@whiskeysockets/baileys'
import { DomainError } from '../errors.js'
import type { People, PrivacySetting, PrivacyValue } from '../sessions/people-port.js'
import { appStateWrite } from './app-state-write.js'

/** Our privacy names in WhatsApp's (the <category name> of the privacy iq). */
const PRIVACY_NAMES: Record<PrivacySetting, string> = {
  lastSeen: 'last',
  online: 'online',
  profilePicture: 'profile',
  about: 'status',
  readReceipts: 'readreceipts',
  groupsAdd: 'groupadd',
  calls: 'calladd',
  messages: 'messages',
}

/** Baileys throws WhatsApp's error code as Boom data: 404 no picture, 401 hidden by privacy. */
function errorCode(error: unknown): number | undefined {
  const data = (error as { data?: unknown }).data
  return typeof data === 'number' ? data : undefined
}

/** Baileys' words when it cannot turn a number into a LID or back, which blocking needs. */
function unresolved(error: unknown, jid: string): never {
  if (/unable to resolve/i.test((error as Error).message)) {
    throw new DomainError('not_found', `WhatsApp has not revealed ${isLidUser(jid) ? 'the phone number behind' : 'the LID of'} ${jid} to this session, which blocking needs`)
  }
  throw error
}

/** A user JID without its device part, e.g. 1555:0@s.whatsapp.net -> 1555@s.whatsapp.net. */
const userOf = (jid: string | null | undefined): string | null => (jid ? jidNormalizedUser(jid) : null)

/** Contacts, blocking, and the account's own profile and privacy through one Baileys socket. */
export function baileysPeople(socket: WASocket): People {
  const lids = socket.signalRepository.lidMapping
  const ownJid = (): string => jidNormalizedUser(socket.authState.creds.me?.id ?? '')

  const about = async (jid: string): Promise<string | null> => {
    const [found] = (await socket.fetchStatus(jid)) ?? []
    const status = (found as { status?: { status?: string | null } } | undefined)?.status?.status
    return status ? status : null
  }
  const pictureUrl = async (jid: string): Promise<string | null> => {
    try {
      return (await socket.profilePictureUrl(jid, 'image')) ?? null
    } catch (error) {
      if (errorCode(error) === 404 || errorCode(error) === 401) return null
      throw error
    }
  }
  const setPrivacy: Record<PrivacySetting, (value: PrivacyValue) => Promise<void>> = {
    lastSeen: (value) => socket.updateLastSeenPrivacy(value as WAPrivacyValue),
    online: (value) => socket.updateOnlinePrivacy(value as 'all' | 'match_last_seen'),
    profilePicture: (value) => socket.updateProfilePicturePrivacy(value as WAPrivacyValue),
    about: (value) => socket.updateStatusPrivacy(value as WAPrivacyValue),
    readReceipts: (value) => socket.updateReadReceiptsPrivacy(value as 'all' | 'none'),
    groupsAdd: (value) => socket.updateGroupsAddPrivacy(value as 'all' | 'contacts' | 'contact_blacklist'),
    calls: (value) => socket.updateCallPrivacy(value as 'all' | 'known'),
    messages: (value) => socket.updateMessagesPrivacy(value as 'all' | 'contacts'),
  }

  return {
    lookup: async (jid) => {
      if (isLidUser(jid)) return { exists: true, lid: jid, phoneJid: userOf(await lids.getPNForLID(jid)) }
      const [found] = (await socket.onWhatsApp(jid)) ?? []
      if (!found?.exists) return { exists: false, lid: null, phoneJid: jid }
      return { exists: true, lid: userOf(await lids.getLIDForPN(jid)), phoneJid: jid }
    },
    about,
    pictureUrl,
    isBusiness: async (jid) => Boolean(await socket.getBusinessProfile(jid)),
    phoneJidOf: async (lid) => userOf(await lids.getPNForLID(lid)),
    blocklist: async () => (await socket.fetchBlocklist()).filter((jid): jid is string => typeof jid === 'string').map(jidNormalizedUser),
    block: (jid) => socket.updateBlockStatus(jid, 'block').catch((error: unknown) => unresolved(error, jid)),
    unblock: (jid) => socket.updateBlockStatus(jid, 'unblock').catch((error: unknown) => unresolved(error, jid)),
    ownProfile: async () => {
      const me = socket.authState.creds.me
      const jid = ownJid()
      const [text, picture] = await Promise.all([about(jid), pictureUrl(jid)])
      return { name: me?.name ?? null, about: text, pictureUrl: picture, phoneNumber: jidDecode(jid)?.user ?? null, lid: userOf(me?.lid) }
    },
    setName: async (name) => {
      await appStateWrite('profile changes', socket.updateProfileName(name))
      // Baileys learns its own name from its own patch only with emitOwnEvents, which is off here.
      const me = socket.authState.creds.me
      if (me) socket.ev.emit('creds.update', { me: { ...me, name } })
    },
    setAbout: (text) => socket.updateProfileStatus(text),
    setPicture: (image) => socket.updateProfilePicture(ownJid(), image),
    removePicture: () => socket.removeProfilePicture(ownJid()),
    privacy: async () => {
      const settings = await socket.fetchPrivacySettings(true)
      const ours: Partial<Record<PrivacySetting, PrivacyValue>> = {}
      for (const [setting, name] of Object.entries(PRIVACY_NAMES) as Array<[PrivacySetting, string]>) {
        if (settings[name] !== undefined) ours[setting] = settings[name] as PrivacyValue
      }
      return ours
    },
    setPrivacy: (setting, value) => setPrivacy[setting](value),
  }
}
