import { askWhatsAppQuery, DomainError, invalidInput, type QueryErrors } from '../errors.js'
import { parseChannelJid } from '../messaging/recipient.js'
import { checkedText } from '../text.js'
import type { ChannelInfo, Channels } from '../sessions/channels-port.js'
import type { SessionManager } from '../sessions/session-manager.js'

/** WhatsApp's limits for a channel, as its apps enforce them. */
export const MAX_CHANNEL_NAME_LENGTH = 100
export const MAX_CHANNEL_DESCRIPTION_LENGTH = 2048
/** Where a channel's invite code leads. */
export const CHANNEL_LINK = 'https://whatsapp.com/channel/'
/** The link as people paste it: http or https, with or without www. */
const PASTED_LINK = /^https?:\/\/(?:www\.)?whatsapp\.com\/channel\//i
const INVITE_CODE = /^[A-Za-z0-9_-]{10,64}$/

export type ChannelAction = 'follow' | 'unfollow' | 'mute' | 'unmute'

/** What WhatsApp's error codes on a channel query mean to a caller. */
const QUERY_ERRORS: QueryErrors = {
  401: ['forbidden', 'This account may not do that to the channel'],
  403: ['forbidden', 'This account may not do that to the channel (muting needs following it first)'],
  404: ['not_found', 'No such channel'],
}

/** A channel named by its JID, its https://whatsapp.com/channel/... link, or that link's code. */
export function parseChannel(input: string): { jid: string } | { inviteCode: string } {
  const value = input.trim()
  if (value.includes('@')) return { jid: parseChannelJid(value) }
  const code = value.replace(PASTED_LINK, '').split(/[/?#]/)[0] ?? ''
  if (!INVITE_CODE.test(code)) throw invalidInput('channel must be a channel JID (…@newsletter), a https://whatsapp.com/channel/... link or its code')
  return { inviteCode: code }
}

/**
 * Channels (newsletters): WhatsApp keeps them and answers queries about them, so nothing here is
 * cached; each call asks through the session's socket. Posts to a channel the account owns go
 * through the outbox like any message; posts of followed channels arrive as message.received.
 */
export class ChannelService {
  constructor(private readonly manager: SessionManager) {}

  followed(deviceId: string): Promise<ChannelInfo[]> {
    return this.ask(deviceId, (channels) => channels.followed())
  }

  async get(deviceId: string, channelInput: string): Promise<ChannelInfo> {
    const by = parseChannel(channelInput)
    const found = await this.ask(deviceId, (channels) => channels.lookup(by))
    if (!found) throw new DomainError('not_found', `No channel "${channelInput}"`)
    return found
  }

  create(deviceId: string, input: { name: string; description?: string }): Promise<ChannelInfo> {
    const name = checkedText(input.name, 'name', MAX_CHANNEL_NAME_LENGTH)
    const description = input.description === undefined ? null : checkedText(input.description, 'description', MAX_CHANNEL_DESCRIPTION_LENGTH, { multiline: true })
    return this.ask(deviceId, (channels) => channels.create(name, description))
  }

  /** Follows, unfollows, mutes or unmutes a channel (named by JID or link); answers its JID. */
  async act(deviceId: string, channelInput: string, action: ChannelAction): Promise<string> {
    const by = parseChannel(channelInput)
    const jid = 'jid' in by ? by.jid : (await this.get(deviceId, channelInput)).jid
    await this.ask(deviceId, (channels) => channels[action](jid))
    return jid
  }

  private async ask<T>(deviceId: string, query: (channels: Channels) => Promise<T>): Promise<T> {
    return askWhatsAppQuery(query(this.manager.requireConnection(deviceId).channels), QUERY_ERRORS)
  }
}
