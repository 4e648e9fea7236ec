import { invalidInput } from '../errors.js'

/** Separators people type inside phone numbers; removed before validation. */
const SEPARATORS = /[\s().\-/]/g
/** E.164 allows at most 15 digits; anything under 6 is no phone number. */
const PHONE_DIGITS = /^\d{6,15}$/
const USER_JID = /^(\d{6,15})(?::\d{1,3})?@s\.whatsapp\.net$/
const GROUP_JID = /^\d{5,25}(?:-\d{5,15})?@g\.us$/
const LID_JID = /^\d{5,25}(?::\d{1,3})?@lid$/
const CHANNEL_JID = /^\d{5,25}@newsletter$/

/**
 * Turns what a caller typed into a WhatsApp JID: digits with an optional leading + and common
 * separators, or a full user, group or LID JID. Throws a clear invalid-input error otherwise.
 */
export function parseRecipient(input: string): string {
  const value = input.trim()
  if (value.includes('@')) {
    const user = USER_JID.exec(value)
    if (user) return `${user[1]}@s.whatsapp.net`
    if (GROUP_JID.test(value) || LID_JID.test(value) || CHANNEL_JID.test(value)) return value
    throw invalidInput(
      'number must be a phone number or a JID ending in @s.whatsapp.net, @g.us, @lid or @newsletter',
    )
  }
  const digits = value.replace(/^\+/, '').replace(SEPARATORS, '')
  if (!PHONE_DIGITS.test(digits)) {
    throw invalidInput(
      'number must be a phone number with country code: 6 to 15 digits, optionally with a leading + and spaces, dashes, dots or parentheses',
    )
  }
  return `${digits}@s.whatsapp.net`
}

/** A person: a phone number or a user JID. A group (or a channel) is refused in the caller's own words. */
export function parsePerson(input: string, groupRefusal: string): string {
  const jid = parseRecipient(input)
  if (GROUP_JID.test(jid) || CHANNEL_JID.test(jid)) throw invalidInput(groupRefusal)
  return jid
}

/** A person's or a group's chat: what read receipts, typing and chat settings act on (not a channel). */
export function parseChat(input: string): string {
  const jid = parseRecipient(input)
  if (CHANNEL_JID.test(jid)) {
    throw invalidInput(`${input} is a channel: read receipts, typing and chat settings are for people and groups (see /channels/:channel/mute)`)
  }
  return jid
}

/** A channel's JID as given, or a clear invalid-input error. */
export function parseChannelJid(input: string): string {
  if (!CHANNEL_JID.test(input)) throw invalidInput('channel must be a channel JID such as 120363012345678901@newsletter')
  return input
}

/** A group's JID as given, or a clear invalid-input error. */
export function parseGroupJid(input: string): string {
  if (!GROUP_JID.test(input)) throw invalidInput('group must be a group JID such as 120363012345678901@g.us')
  return input
}
