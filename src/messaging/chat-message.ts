import type { InboundRecord, MessageRecord } from '../store/ports.js'
import { chatKind } from './chat-kind.js'
import type { InboundMessage, InboundType, Sender } from './inbound-message.js'
import type { MediaPayload, OutgoingMessage } from './outgoing-content.js'

/** Who sent a message of a chat: the other side (null), the account's phone or another device, or this API. */
export type SentBy = 'device' | 'api' | null

/** One message of a chat, whichever side wrote it, as GET .../chats/:chat/messages lists them. */
export type ChatMessage = InboundMessage & {
  sentBy: SentBy
  /** For what the account sent: sent, delivered, read, played (API sends also queued, sending, failed). */
  status: string | null
  /** For received messages: when the session marked it read (epoch ms). */
  readAt: number | null
  /** Starred by the account (here or on another device). */
  starred?: boolean
}

export function receivedOrDeviceSent(record: InboundRecord): ChatMessage {
  const message = JSON.parse(record.payload) as InboundMessage
  // Stored before fromMe (or isChannel) existed: received (and a channel post if its chat says so).
  const fromMe = message.fromMe ?? false
  const isChannel = message.isChannel ?? chatKind(record.chat) === 'channel'
  return { ...message, fromMe, isChannel, sentBy: fromMe ? 'device' : null, status: record.status, readAt: record.readAt }
}

const EMPTY = { text: null, media: null, location: null, contacts: null, target: null, poll: null, quoted: null } as const

/** A message the API sent, in the shape of a received one, from its stored outgoing content. */
export function sentThroughApi(record: MessageRecord, account: Sender): ChatMessage {
  const { content, replyTo } = JSON.parse(record.content) as OutgoingMessage
  const common = {
    id: record.id,
    chat: record.recipient,
    isGroup: chatKind(record.recipient) === 'group',
    isChannel: chatKind(record.recipient) === 'channel',
    fromMe: true,
    sender: account,
    timestamp: record.createdAt,
    sentBy: 'api' as const,
    status: record.status,
    readAt: null,
    ...EMPTY,
    quoted: replyTo ? { id: replyTo.id, participant: replyTo.participant ?? null, text: null } : null,
  }
  const as = (type: InboundType, fields: Partial<ChatMessage> = {}): ChatMessage => ({ ...common, type, ...fields })
  switch (content.type) {
    case 'text':
      return as('text', { text: content.text })
    case 'image':
    case 'video':
    case 'document':
      return as(content.type, { text: content.caption ?? null, media: mediaOf(content.media, false) })
    case 'audio':
      return as('audio', { media: mediaOf(content.media, content.voice ?? false) })
    case 'sticker':
      return as('sticker', { media: mediaOf(content.media, false) })
    case 'location':
      return as('location', { location: { latitude: content.latitude, longitude: content.longitude, name: content.name ?? null, address: content.address ?? null } })
    case 'contacts':
      return as('contacts', { contacts: content.contacts.map((contact) => ({ name: contact.name, vcard: '' })) })
    case 'reaction':
      return as('reaction', { target: { id: content.target.id, emoji: content.emoji } })
    case 'poll':
      return as('poll', { poll: { name: content.name, options: content.options, selectableCount: content.selectableCount } })
    case 'edit':
      return as('edit', { text: content.text, target: { id: content.target.id } })
    case 'delete':
      return as('revoke', { target: { id: content.target.id } })
    case 'forward':
      return as(content.original.kind, { text: content.original.text })
  }
}

/** Stored outgoing media keep their description; the bytes are gone once sent. */
function mediaOf(media: Omit<MediaPayload, 'data'>, voice: boolean): ChatMessage['media'] {
  return { mimetype: media.mimetype, fileName: media.fileName ?? null, size: null, seconds: null, voice }
}
