import { isLidUser, jidDecode, normalizeMessageContent, proto, type WAMessage } from '@whiskeysockets/baileys'
import type { InboundMedia, InboundMessage, Sender } from '../messaging/inbound-message.js'
import type { EngineMessageStatus } from '../sessions/whatsapp-port.js'
import { type ChatKind, chatKind } from '../messaging/chat-kind.js'

/** Receipt statuses Baileys reports (proto.WebMessageInfo.Status) in our terms. */
export const STATUS_BY_RECEIPT: Partial<Record<number, EngineMessageStatus>> = {
  [proto.WebMessageInfo.Status.SERVER_ACK]: 'sent',
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: 'delivered',
  [proto.WebMessageInfo.Status.READ]: 'read',
  [proto.WebMessageInfo.Status.PLAYED]: 'played',
}

const PN_SERVER = 's.whatsapp.net'

/** Strips the device part: 1555:7@s.whatsapp.net -> 1555@s.whatsapp.net. */
function userJid(jid: string): string {
  const decoded = jidDecode(jid)
  return decoded ? `${decoded.user}@${decoded.server}` : jid
}

/**
 * The sender with its phone number where WhatsApp gives one (rc14 addresses many chats by @lid). In
 * groups, status updates and broadcast lists the author is the participant; in a channel, the channel itself.
 */
function senderOf(message: WAMessage, kind: ChatKind): Sender {
  const key = message.key
  const primary = userJid((kind === 'group' || kind === 'status' || kind === 'broadcast' ? key.participant : key.remoteJid) ?? '')
  // rc14 gives the author's other address as participantAlt in groups, as remoteJidAlt everywhere else (status updates too).
  const alternative = (kind === 'group' ? key.participantAlt : key.remoteJidAlt) ?? undefined
  const pn = [primary, alternative].find((jid) => jid && jidDecode(jid)?.server === PN_SERVER)
  const lid = [primary, alternative].find((jid) => jid && isLidUser(jid))
  const pnJid = pn ? userJid(pn) : null
  return {
    jid: pnJid ?? primary,
    phoneNumber: pnJid ? jidDecode(pnJid)!.user : null,
    lid: lid ? userJid(lid) : null,
    pushName: message.pushName ?? null,
  }
}

function media(content: proto.Message.IImageMessage & proto.Message.IAudioMessage & proto.Message.IDocumentMessage): InboundMedia {
  const length = content.fileLength
  return {
    mimetype: content.mimetype ?? null,
    fileName: content.fileName ?? null,
    size: length === null || length === undefined ? null : Number(length),
    seconds: content.seconds ?? null,
    voice: content.ptt ?? false,
  }
}

const NOISE_FIELDS = new Set(['protocolMessage', 'senderKeyDistributionMessage', 'messageContextInfo'])

const EMPTY = { text: null, media: null, location: null, contacts: null, target: null, poll: null } as const

/** The type-specific part of an inbound message. */
function body(content: proto.IMessage): Pick<InboundMessage, 'type' | 'text' | 'media' | 'location' | 'contacts' | 'target' | 'poll'> {
  if (content.conversation !== null && content.conversation !== undefined) return { ...EMPTY, type: 'text', text: content.conversation }
  if (content.extendedTextMessage) return { ...EMPTY, type: 'text', text: content.extendedTextMessage.text ?? '' }
  for (const kind of ['image', 'video', 'audio', 'document', 'sticker'] as const) {
    const found = content[`${kind}Message`] as Parameters<typeof media>[0] | null | undefined
    if (found) return { ...EMPTY, type: kind, text: found.caption ?? null, media: media(found) }
  }
  const documentWithCaption = content.documentWithCaptionMessage?.message?.documentMessage
  if (documentWithCaption) return { ...EMPTY, type: 'document', text: documentWithCaption.caption ?? null, media: media(documentWithCaption) }
  if (content.locationMessage) {
    const { degreesLatitude, degreesLongitude, name, address } = content.locationMessage
    return { ...EMPTY, type: 'location', location: { latitude: degreesLatitude ?? 0, longitude: degreesLongitude ?? 0, name: name ?? null, address: address ?? null } }
  }
  if (content.contactMessage) {
    return { ...EMPTY, type: 'contacts', contacts: [{ name: content.contactMessage.displayName ?? '', vcard: content.contactMessage.vcard ?? '' }] }
  }
  if (content.contactsArrayMessage) {
    const contacts = (content.contactsArrayMessage.contacts ?? []).map((c) => ({ name: c.displayName ?? '', vcard: c.vcard ?? '' }))
    return { ...EMPTY, type: 'contacts', contacts }
  }
  if (content.reactionMessage) {
    const { key, text } = content.reactionMessage
    return { ...EMPTY, type: 'reaction', target: { id: key?.id ?? '', emoji: text ?? '' } }
  }
  const protocol = content.protocolMessage
  if (protocol?.type === proto.Message.ProtocolMessage.Type.REVOKE) {
    return { ...EMPTY, type: 'revoke', target: { id: protocol.key?.id ?? '' } }
  }
  if (protocol?.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
    const edited = protocol.editedMessage
    const text = edited?.conversation ?? edited?.extendedTextMessage?.text ?? null
    return { ...EMPTY, type: 'edit', text, target: { id: protocol.key?.id ?? '' } }
  }
  const poll = content.pollCreationMessage ?? content.pollCreationMessageV2 ?? content.pollCreationMessageV3
  if (poll) {
    return {
      ...EMPTY,
      type: 'poll',
      poll: { name: poll.name ?? '', options: (poll.options ?? []).map((o) => o.optionName ?? ''), selectableCount: poll.selectableOptionsCount ?? 0 },
    }
  }
  return { ...EMPTY, type: 'unknown' }
}

function quotedOf(content: proto.IMessage): InboundMessage['quoted'] {
  const context = Object.values(content).find((part): part is { contextInfo: proto.IContextInfo } =>
    typeof part === 'object' && part !== null && 'contextInfo' in part && Boolean((part as { contextInfo?: unknown }).contextInfo))?.contextInfo
  if (!context?.stanzaId) return null
  const quoted = context.quotedMessage
  const text = quoted?.conversation ?? quoted?.extendedTextMessage?.text ?? null
  return { id: context.stanzaId, participant: context.participant ?? null, text }
}

/**
 * Baileys' message in our terms; undefined for what is not a user message (protocol noise, empty
 * stubs). A message the account sent from another device (fromMe) has `me` as its sender.
 */
export function toInboundMessage(message: WAMessage, me: Sender): InboundMessage | undefined {
  const content = normalizeMessageContent(message.message)
  if (!content || !message.key.id || !message.key.remoteJid) return undefined
  const parts = body(content)
  // Protocol messages other than edits and revokes (key shares, history sync, ...) and bare group key
  // distributions carry nothing for the user.
  const noise = Object.keys(content).every((field) => NOISE_FIELDS.has(field))
  if (parts.type === 'unknown' && noise) return undefined
  const chat = userJid(message.key.remoteJid)
  const kind = chatKind(chat)
  const isGroup = kind === 'group'
  const fromMe = Boolean(message.key.fromMe)
  // In a one-to-one chat this is the other person, whoever wrote.
  const peer = senderOf(message, kind)
  const seconds = Number(message.messageTimestamp ?? 0)
  return {
    id: message.key.id,
    chat: kind === 'person' ? peer.jid : chat,
    isGroup,
    isChannel: kind === 'channel',
    fromMe,
    sender: fromMe ? { ...me, pushName: message.pushName ?? me.pushName } : peer,
    timestamp: seconds > 0 ? seconds * 1000 : Date.now(),
    ...parts,
    quoted: quotedOf(content),
  }
}

/**
 * WhatsApp's own encoding of a received message, which media downloads (and forwards) need; none
 * for a message without media, which nothing reads it for (encoding it cost CPU per message).
 */
export function encodedIfMedia(translated: InboundMessage, message: WAMessage): Uint8Array | null {
  return translated.media ? proto.WebMessageInfo.encode(message).finish() : null
}
