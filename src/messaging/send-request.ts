import { invalidInput } from '../errors.js'
import { withMentions } from './mentions.js'
import type { LinkPreview } from './link-preview.js'
import type { MediaInput, MediaResolver } from './media-resolver.js'
import { type ForwardedMessage, MEDIA_KINDS, type MediaKind, type MessageRef, type OutgoingContent, type OutgoingMessage } from './outgoing-content.js'

/** A reference to an earlier message, as a caller writes it. */
export interface MessageRefInput {
  messageId: string
  fromMe?: boolean
  participant?: string
}

/** The content part of a send request, as validated by the HTTP schema: exactly one kind of content. */
export interface SendContentInput {
  message?: string
  linkPreview?: boolean
  image?: MediaInput & { caption?: string }
  video?: MediaInput & { caption?: string; gif?: boolean }
  audio?: MediaInput & { voice?: boolean }
  document?: MediaInput & { caption?: string }
  sticker?: MediaInput
  location?: { latitude: number; longitude: number; name?: string; address?: string }
  contacts?: Array<{ name: string; phoneNumber: string }>
  reaction?: MessageRefInput & { emoji: string }
  poll?: { name: string; options: string[]; selectableCount?: number }
  edit?: MessageRefInput & { text: string }
  delete?: MessageRefInput
  forward?: { messageId: string }
  replyTo?: string | MessageRefInput
  typingMs?: number
  mentions?: string[]
  mentionAll?: boolean
}

export const CONTENT_FIELDS = [
  'message', ...MEDIA_KINDS, 'location', 'contacts', 'reaction', 'poll', 'edit', 'delete', 'forward',
] as const satisfies ReadonlyArray<keyof SendContentInput>

/** Whether a message id was sent by this session; used when the caller does not say. */
export type SentBySession = (messageId: string) => Promise<boolean>

/** What building a message needs from outside: media bytes, link previews, who sent what, stored messages. */
export interface ContentResolvers {
  media: MediaResolver
  preview: (text: string) => Promise<LinkPreview | undefined>
  sentBySession: SentBySession
  /** A message this session stored (received, typed on the phone, or sent through the API), to forward; 404 otherwise. */
  forwardable: (messageId: string) => Promise<ForwardedMessage>
}

/** Builds the outgoing message from a request: checks it names one kind of content and resolves media. */
export async function buildOutgoingMessage(input: SendContentInput, resolvers: ContentResolvers): Promise<OutgoingMessage> {
  const present = CONTENT_FIELDS.filter((field) => input[field] !== undefined)
  if (present.length !== 1) {
    throw invalidInput(
      present.length === 0
        ? `Nothing to send: give one of ${CONTENT_FIELDS.join(', ')}`
        : `Give only one kind of content, not ${present.join(' and ')}`,
    )
  }
  const ref = async (value: MessageRefInput): Promise<MessageRef> => ({
    id: value.messageId,
    fromMe: value.fromMe ?? (await resolvers.sentBySession(value.messageId)),
    ...(value.participant ? { participant: value.participant } : {}),
  })
  const built = await buildContent(present[0]!, input, resolvers, ref)
  const mentioning = (input.mentions?.length ?? 0) > 0 || input.mentionAll === true
  const { content, mentions } = mentioning ? withMentions(built, input.mentions ?? []) : { content: built, mentions: [] }
  const replyTo = typeof input.replyTo === 'string' ? await ref({ messageId: input.replyTo }) : input.replyTo && (await ref(input.replyTo))
  return {
    content,
    ...(replyTo ? { replyTo } : {}),
    ...(input.typingMs ? { typingMs: input.typingMs } : {}),
    ...(mentions.length > 0 ? { mentions } : {}),
    ...(input.mentionAll ? { mentionAll: true } : {}),
  }
}

async function buildContent(
  field: (typeof CONTENT_FIELDS)[number],
  input: SendContentInput,
  resolvers: ContentResolvers,
  ref: (value: MessageRefInput) => Promise<MessageRef>,
): Promise<OutgoingContent> {
  switch (field) {
    case 'message': {
      const text = input.message!
      if (text.trim().length === 0) throw invalidInput('message must not be empty')
      const preview = input.linkPreview ? await resolvers.preview(text) : undefined
      return preview ? { type: 'text', text, preview } : { type: 'text', text }
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return buildMedia(field, input, resolvers.media)
    case 'location':
      return { type: 'location', ...input.location! }
    case 'contacts':
      if (input.contacts!.length === 0) throw invalidInput('contacts must list at least one contact')
      return { type: 'contacts', contacts: input.contacts! }
    case 'reaction':
      return { type: 'reaction', target: await ref(input.reaction!), emoji: input.reaction!.emoji }
    case 'poll': {
      const { name, options, selectableCount = 1 } = input.poll!
      if (new Set(options).size !== options.length) throw invalidInput('poll.options must be different from each other')
      if (selectableCount > options.length) throw invalidInput('poll.selectableCount cannot exceed the number of options')
      return { type: 'poll', name, options, selectableCount }
    }
    case 'edit':
      return { type: 'edit', target: await ref(input.edit!), text: input.edit!.text }
    case 'delete':
      return { type: 'delete', target: await ref(input.delete!) }
    case 'forward':
      return { type: 'forward', original: await resolvers.forwardable(input.forward!.messageId) }
  }
}

async function buildMedia(kind: MediaKind, input: SendContentInput, media: MediaResolver): Promise<OutgoingContent> {
  switch (kind) {
    case 'image':
      return { type: 'image', media: await media.resolve(kind, input.image!), caption: input.image!.caption }
    case 'video':
      return { type: 'video', media: await media.resolve(kind, input.video!), caption: input.video!.caption, gif: input.video!.gif }
    case 'audio':
      return { type: 'audio', media: await media.resolve(kind, input.audio!), voice: input.audio!.voice }
    case 'document':
      return { type: 'document', media: await media.resolve(kind, input.document!), caption: input.document!.caption }
    case 'sticker':
      return { type: 'sticker', media: await media.resolve(kind, input.sticker!) }
  }
}
