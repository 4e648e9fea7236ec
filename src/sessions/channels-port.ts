/** WhatsApp channels (newsletters), as the WhatsApp engine offers them (see whatsapp-port.ts). */

export type ChannelRole = 'owner' | 'admin' | 'subscriber' | 'guest'

export interface ChannelInfo {
  /** e.g. 120363012345678901@newsletter */
  jid: string
  name: string
  description: string | null
  /** The code of its https://whatsapp.com/channel/<code> link. */
  inviteCode: string | null
  subscribers: number | null
  verified: boolean
  /** Where WhatsApp serves its picture, if it has one. */
  pictureUrl: string | null
  /** Epoch ms. */
  createdAt: number | null
  /** What this account is to the channel. */
  role: ChannelRole | null
  /** Whether this account muted it. */
  muted: boolean
}

/** Channels through one connection: look-ups, the account's own and followed ones, following and muting. */
export interface Channels {
  /** The channels this account follows or runs. */
  followed(): Promise<ChannelInfo[]>
  /** null when WhatsApp knows no such channel. */
  lookup(by: { jid: string } | { inviteCode: string }): Promise<ChannelInfo | null>
  create(name: string, description: string | null): Promise<ChannelInfo>
  follow(jid: string): Promise<void>
  unfollow(jid: string): Promise<void>
  mute(jid: string): Promise<void>
  unmute(jid: string): Promise<void>
}
