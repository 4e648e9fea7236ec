import { proto } from '@whiskeysockets/baileys'
import { conflict, DomainError, invalidInput } from '../errors.js'
import { chatKind, STATUS_JID } from '../messaging/chat-kind.js'
import type { MediaInput } from '../messaging/media-resolver.js'
import type { MessageService, SendMode, SendOutcome } from '../messaging/message-service.js'
import type { OutgoingMessage, StatusDelivery } from '../messaging/outgoing-content.js'
import { parseRecipient } from '../messaging/recipient.js'
import type { ContactRepository, MessageRepository } from '../store/ports.js'

/** Each viewer's devices get the status key in the same stanza: a few thousand is what WhatsApp's own apps reach. */
export const MAX_STATUS_AUDIENCE = 5_000
/** WhatsApp's text-status typefaces (ExtendedTextMessage.FontType). */
export const STATUS_FONTS = Object.values(proto.Message.ExtendedTextMessage.FontType).filter((value): value is number => typeof value === 'number')
const CONTACT_PAGE = 1_000
const STATUS_KINDS = ['message', 'image', 'video', 'voice'] as const

export interface StatusPost extends SendMode {
  /** Phone numbers or user JIDs, or "contacts": everyone in the session's stored contacts. */
  audience: string[] | 'contacts'
  message?: string
  /** A text status's background, #RRGGBB. */
  backgroundColor?: string
  font?: number
  image?: MediaInput & { caption?: string }
  video?: MediaInput & { caption?: string }
  voice?: MediaInput
}

export interface PostedStatus {
  outcome: SendOutcome
  /** How many people may see it. */
  audience: number
}

function audienceMember(input: string): string {
  let jid: string
  try {
    jid = parseRecipient(input)
  } catch {
    throw invalidInput(`audience must be "contacts" or a list of phone numbers or user JIDs; ${input} is neither`)
  }
  if (chatKind(jid) !== 'person') throw invalidInput(`audience lists people; ${input} is a group or a channel`)
  return jid
}

/**
 * Status updates (stories): a message to status@broadcast, encrypted once under the account's
 * status sender key and handed to each viewer's devices. They go through the outbox like any send
 * (durable, paced, once per idempotency key), carrying their audience so a deletion reaches the same people.
 */
export class StatusService {
  constructor(
    private readonly messages: MessageService,
    private readonly contacts: ContactRepository,
    private readonly sent: MessageRepository,
  ) {}

  async post(deviceId: string, post: StatusPost): Promise<PostedStatus> {
    const kinds = STATUS_KINDS.filter((kind) => post[kind] !== undefined)
    if (kinds.length !== 1) throw invalidInput(`Give exactly one of ${STATUS_KINDS.join(', ')}${kinds.length > 1 ? `, not ${kinds.join(' and ')}` : ''}`)
    if (kinds[0] !== 'message' && (post.backgroundColor !== undefined || post.font !== undefined)) throw invalidInput('backgroundColor and font are for text statuses (message)')
    const audience = await this.audienceOf(deviceId, post.audience)
    const delivery: StatusDelivery = {
      audience,
      ...(post.backgroundColor !== undefined ? { backgroundColor: post.backgroundColor } : {}),
      ...(post.font !== undefined ? { font: post.font } : {}),
    }
    const content = {
      message: post.message,
      image: post.image,
      video: post.video,
      audio: post.voice && { ...post.voice, voice: true },
    }
    const outcome = await this.messages.sendTo(deviceId, STATUS_JID, content, post, delivery)
    return { outcome, audience: audience.length }
  }

  /** Deletes a status this session posted, for everyone it was shown to. */
  async remove(deviceId: string, messageId: string, mode: SendMode): Promise<SendOutcome> {
    const record = await this.sent.get(messageId)
    if (!record || record.deviceId !== deviceId || record.recipient !== STATUS_JID) {
      throw new DomainError('not_found', `Session "${deviceId}" posted no status "${messageId}"`)
    }
    const original = JSON.parse(record.content) as OutgoingMessage
    if (original.content.type === 'delete') throw invalidInput(`"${messageId}" is itself the deletion of a status`)
    return this.messages.sendTo(deviceId, STATUS_JID, { delete: { messageId, fromMe: true } }, mode, { audience: original.status?.audience ?? [] })
  }

  private async audienceOf(deviceId: string, audience: StatusPost['audience']): Promise<string[]> {
    const jids = audience === 'contacts'
      ? await this.contactJids(deviceId)
      : [...new Set(audience.map(audienceMember))]
    if (jids.length === 0) {
      throw audience === 'contacts'
        ? conflict('This session has no contacts stored yet (they come with the phone\'s history after linking); list the audience\'s numbers instead')
        : invalidInput('audience must list at least one number')
    }
    if (jids.length > MAX_STATUS_AUDIENCE) {
      throw audience === 'contacts'
        ? conflict(`This session has more than ${MAX_STATUS_AUDIENCE} contacts and a status reaches at most ${MAX_STATUS_AUDIENCE} people; list the audience's numbers instead`)
        : invalidInput(`A status reaches at most ${MAX_STATUS_AUDIENCE} people`)
    }
    return jids
  }

  /** The phone-number JIDs of the session's stored contacts. */
  private async contactJids(deviceId: string): Promise<string[]> {
    const jids = new Set<string>()
    for (let offset = 0; jids.size <= MAX_STATUS_AUDIENCE; offset += CONTACT_PAGE) {
      const page = await this.contacts.list(deviceId, CONTACT_PAGE, offset)
      for (const contact of page) {
        if (contact.jid.endsWith('@s.whatsapp.net')) jids.add(contact.jid)
        else if (contact.phoneNumber) jids.add(`${contact.phoneNumber}@s.whatsapp.net`)
      }
      if (page.length < CONTACT_PAGE) break
    }
    return [...jids]
  }
}
