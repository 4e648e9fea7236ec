/** What can be sent, independent of the WhatsApp library. The adapter turns it into Baileys content. */
import type { InboundType } from './inbound-message.js'
import type { LinkPreview } from './link-preview.js'

export interface MediaPayload {
  data: Buffer
  mimetype: string
  fileName?: string
}

export const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const
export type MediaKind = (typeof MEDIA_KINDS)[number]

/** A message this session sent or received, as the target of a reply, reaction, edit or delete. */
export interface MessageRef {
  id: string
  /** Sent by this session (true) or by the chat partner (false). */
  fromMe: boolean
  /** In groups: who sent it. */
  participant?: string
}

/**
 * A stored message to forward: the engine's own encoding where one was kept (a received or
 * device-sent message, or what this API wrote on the wire), else its text.
 */
export interface ForwardedMessage {
  messageId: string
  /** What it is and says, for listings. */
  kind: InboundType
  text: string | null
  encoded: { format: 'web-message' | 'message'; data: Buffer } | null
}

export type OutgoingContent =
  | { type: 'text'; text: string; preview?: LinkPreview }
  | { type: 'image'; media: MediaPayload; caption?: string }
  | { type: 'video'; media: MediaPayload; caption?: string; gif?: boolean }
  | { type: 'audio'; media: MediaPayload; voice?: boolean }
  | { type: 'document'; media: MediaPayload; caption?: string }
  | { type: 'sticker'; media: MediaPayload }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'contacts'; contacts: Array<{ name: string; phoneNumber: string }> }
  | { type: 'reaction'; target: MessageRef; emoji: string }
  | { type: 'poll'; name: string; options: string[]; selectableCount: number }
  | { type: 'edit'; target: MessageRef; text: string }
  | { type: 'delete'; target: MessageRef }
  | { type: 'forward'; original: ForwardedMessage }

export type MessageType = OutgoingContent['type']

/** How a status update (a message to status@broadcast) goes out: to whom, and how a text one looks. */
export interface StatusDelivery {
  /** The people (phone-number JIDs) who may see it. */
  audience: string[]
  /** A text status's background, #RRGGBB. */
  backgroundColor?: string
  /** A text status's typeface (WhatsApp's ExtendedTextMessage.FontType). */
  font?: number
}

export interface OutgoingMessage {
  content: OutgoingContent
  /** Set on status updates (and on their deletion). */
  status?: StatusDelivery
  /** Quote this message (a reply). */
  replyTo?: MessageRef
  /** Show typing (recording, for a voice note) in the chat this long before the message goes out. */
  typingMs?: number
  /** People @mentioned (JIDs); their "@number" is in the text. */
  mentions?: string[]
  /** Mention every member of the group (read from its metadata when sent), without naming them in the text. */
  mentionAll?: boolean
}
