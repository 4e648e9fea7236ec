import { invalidInput } from '../errors.js'
import type { OutgoingContent } from './outgoing-content.js'
import { parsePerson } from './recipient.js'

/** Most people one message can @mention by name (WhatsApp's apps cap a group at 1,024 members). */
export const MAX_MENTIONS = 1024

/** Contents that carry text a mention can be written into. */
type Mentionable = Extract<OutgoingContent, { type: 'text' | 'image' | 'video' | 'document' }>

function isMentionable(content: OutgoingContent): content is Mentionable {
  return content.type === 'text' || content.type === 'image' || content.type === 'video' || content.type === 'document'
}

/**
 * @mentions as WhatsApp renders them: each person's JID in the message's mention list and
 * "@<number>" in its text. Numbers listed but not written in the text are appended to it, so every
 * mention shows. Answers the content with its text completed and the mentioned JIDs.
 */
export function withMentions(content: OutgoingContent, inputs: string[]): { content: OutgoingContent; mentions: string[] } {
  if (!isMentionable(content)) throw invalidInput('mentions and mentionAll go with a text message or a captioned image, video or document')
  if (inputs.length > MAX_MENTIONS) throw invalidInput(`mentions may list at most ${MAX_MENTIONS} people`)
  const mentions = [...new Set(inputs.map((input) => parsePerson(input, `${input} is a group; mentions name people`)))]
  const text = content.type === 'text' ? content.text : (content.caption ?? '')
  const missing = mentions.map((jid) => `@${jid.split('@')[0]}`).filter((tag) => !new RegExp(`${tag}(?!\\d)`).test(text))
  if (missing.length === 0) return { content, mentions }
  const completed = [text, ...missing].filter((part) => part.length > 0).join(' ')
  return {
    content: content.type === 'text' ? { ...content, text: completed } : { ...content, caption: completed },
    mentions,
  }
}
