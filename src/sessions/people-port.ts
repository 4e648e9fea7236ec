/** People and the account's own profile, as the WhatsApp engine offers them (see whatsapp-port.ts). */

/** Who may see or do something, as WhatsApp words it. */
export type PrivacyValue = 'all' | 'contacts' | 'contact_blacklist' | 'none' | 'match_last_seen' | 'known'

/** The account's privacy settings, in our names. */
export const PRIVACY_SETTINGS = ['lastSeen', 'online', 'profilePicture', 'about', 'readReceipts', 'groupsAdd', 'calls', 'messages'] as const
export type PrivacySetting = (typeof PRIVACY_SETTINGS)[number]

/** What WhatsApp says about one number or LID. */
export interface PersonLookup {
  exists: boolean
  /** The phone-number JID, where known. */
  phoneJid: string | null
  /** The LID JID, where WhatsApp gave it. */
  lid: string | null
}

export interface OwnProfile {
  name: string | null
  about: string | null
  pictureUrl: string | null
  phoneNumber: string | null
  lid: string | null
}

/** Contacts, blocking, and the account's own profile and privacy through one connection. */
export interface People {
  /** Whether a phone-number or LID JID is on WhatsApp, and its other form where known. */
  lookup(jid: string): Promise<PersonLookup>
  /** The person's "about" text; null when unset or hidden from this account. */
  about(jid: string): Promise<string | null>
  /** A URL of the person's (or group's) picture; null when there is none or it is hidden. */
  pictureUrl(jid: string): Promise<string | null>
  isBusiness(jid: string): Promise<boolean>
  /** The phone-number JID behind a LID, where WhatsApp has revealed it to this session; no query. */
  phoneJidOf(lid: string): Promise<string | null>
  /** The blocked people's JIDs as WhatsApp lists them (LIDs, mostly). */
  blocklist(): Promise<string[]>
  block(jid: string): Promise<void>
  unblock(jid: string): Promise<void>
  ownProfile(): Promise<OwnProfile>
  /** Sets the account's profile name; the connection then reports it through onRenamed, as a name set on the phone. */
  setName(name: string): Promise<void>
  setAbout(text: string): Promise<void>
  /** Any common image format; WhatsApp gets a square JPEG made from it. */
  setPicture(image: Buffer): Promise<void>
  removePicture(): Promise<void>
  privacy(): Promise<Partial<Record<PrivacySetting, PrivacyValue>>>
  setPrivacy(setting: PrivacySetting, value: PrivacyValue): Promise<void>
}
