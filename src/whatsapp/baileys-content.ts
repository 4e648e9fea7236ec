import { type AnyMessageContent, proto, type WAMessageKey } from '@whiskeysockets/baileys'
import type { ForwardedMessage, MessageRef, OutgoingContent } from '../messaging/outgoing-content.js'

/** The key WhatsApp uses to point at an earlier message of a chat. */
export function messageKey(chat: string, ref: MessageRef): WAMessageKey {
  return { remoteJid: chat, fromMe: ref.fromMe, id: ref.id, ...(ref.participant ? { participant: ref.participant } : {}) }
}

/** vCard 3.0 text values: backslash, comma and semicolon escaped, line breaks removed. */
function vcardText(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').replace(/([\\,;])/g, '\\$1')
}

export function contactCard(name: string, phoneNumber: string): proto.Message.IContactMessage {
  const digits = phoneNumber.replace(/\D/g, '')
  return {
    displayName: name,
    vcard: ['BEGIN:VCARD', 'VERSION:3.0', `FN:${vcardText(name)}`, `TEL;type=CELL;waid=${digits}:+${digits}`, 'END:VCARD'].join('\n'),
  }
}

/** The content with its mention list (WhatsApp's contextInfo.mentionedJid), where there is one. */
export function withMentionList(content: AnyMessageContent, mentions: string[] | undefined): AnyMessageContent {
  return mentions && mentions.length > 0 ? ({ ...content, mentions } as AnyMessageContent) : content
}

/** Our content model in Baileys' terms. */
export function toBaileysContent(chat: string, content: OutgoingContent): AnyMessageContent {
  switch (content.type) {
    case 'text':
      // null skips Baileys' own link-preview fetch: previews are built by us, only when asked for.
      return {
        text: content.text,
        linkPreview: content.preview
          ? {
              'canonical-url': content.preview.url,
              'matched-text': content.preview.matchedText,
              title: content.preview.title,
              description: content.preview.description,
            }
          : null,
      }
    case 'image':
      return { image: content.media.data, mimetype: content.media.mimetype, caption: content.caption }
    case 'video':
      return { video: content.media.data, mimetype: content.media.mimetype, caption: content.caption, gifPlayback: content.gif }
    case 'audio':
      return { audio: content.media.data, mimetype: content.media.mimetype, ptt: content.voice }
    case 'document':
      return {
        document: content.media.data,
        mimetype: content.media.mimetype,
        fileName: content.media.fileName ?? 'document',
        caption: content.caption,
      }
    case 'sticker':
      return { sticker: content.media.data, mimetype: content.media.mimetype }
    case 'location':
      return {
        location: {
          degreesLatitude: content.latitude,
          degreesLongitude: content.longitude,
          name: content.name,
          address: content.address,
        },
      }
    case 'contacts':
      return {
        contacts: {
          displayName: content.contacts.length === 1 ? content.contacts[0]!.name : `${content.contacts.length} contacts`,
          contacts: content.contacts.map(({ name, phoneNumber }) => contactCard(name, phoneNumber)),
        },
      }
    case 'reaction':
      return { react: { text: content.emoji, key: messageKey(chat, content.target) } }
    case 'poll':
      return { poll: { name: content.name, values: content.options, selectableCount: content.selectableCount } }
    case 'edit':
      return { text: content.text, edit: messageKey(chat, content.target) }
    case 'delete':
      return { delete: messageKey(chat, content.target) }
    case 'forward':
      // Baileys marks it forwarded (contextInfo.isForwarded, forwardingScore); media keep their WhatsApp upload.
      return { forward: { key: { remoteJid: chat, id: content.original.messageId, fromMe: false }, message: forwardedContent(content.original) } }
  }
}

/**
 * The content to forward, without what belonged to the original delivery: a group's sender-key
 * distribution would also come first, where Baileys puts the forwarded mark.
 */
function forwardedContent({ encoded, text }: ForwardedMessage): proto.IMessage {
  const message = encoded?.format === 'web-message'
    ? proto.WebMessageInfo.decode(encoded.data).message
    : encoded?.format === 'message' ? proto.Message.decode(encoded.data) : null
  if (!message) return { conversation: text ?? '' }
  const content: proto.IMessage = { ...message }
  delete content.senderKeyDistributionMessage
  delete content.messageContextInfo
  return content
}
