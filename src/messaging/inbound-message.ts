/** A message someone sent to a session, in engine-neutral terms. */

export const INBOUND_TYPES = [
  'text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts',
  'reaction', 'edit', 'revoke', 'poll', 'unknown',
] as const
export type InboundType = (typeof INBOUND_TYPES)[number]

export interface InboundMedia {
  mimetype: string | null
  fileName: string | null
  size: number | null
  /** Audio and video length. */
  seconds: number | null
  /** An audio sent as a voice note. */
  voice: boolean
  /**
   * Set where MEDIA_AUTO_DOWNLOAD keeps this kind: whether the file was kept, a link to it (presigned
   * for S3, else this server's media route) and its hex SHA-256. Not kept after retries: stored false, url null.
   */
  stored?: boolean
  url?: string | null
  sha256?: string | null
}

export interface Sender {
  /** Phone-number JID where WhatsApp revealed it, else the @lid JID. */
  jid: string
  phoneNumber: string | null
  lid: string | null
  pushName: string | null
}

export interface InboundMessage {
  id: string
  /** The chat: the other person's JID, the group's, the channel's, or status@broadcast for a status update. */
  chat: string
  isGroup: boolean
  /** A post in a channel (newsletter) this account follows or owns. */
  isChannel: boolean
  /** Sent by this account from another of its devices (the phone), not received. */
  fromMe: boolean
  sender: Sender
  /** When WhatsApp says it was sent, epoch ms. */
  timestamp: number
  type: InboundType
  text: string | null
  media: InboundMedia | null
  location: { latitude: number; longitude: number; name: string | null; address: string | null } | null
  contacts: Array<{ name: string; vcard: string }> | null
  /** For reactions, edits and revokes: the message they act on. */
  target: { id: string; emoji?: string } | null
  poll: { name: string; options: string[]; selectableCount: number } | null
  /** The message this one replies to. */
  quoted: { id: string; participant: string | null; text: string | null } | null
}
