import { MUTED_FOREVER } from '../store/ports.js'

/** What a chat.updated event tells: the chat, where the change was made, and what changed. */
export interface ChatUpdate {
  chat: string
  /** Through this API, or on another device of the account (the phone). */
  origin: 'api' | 'device'
  archived?: boolean
  pinned?: boolean
  /** ISO time, "forever", or null when unmuted. */
  mutedUntil?: string | null
  markedUnread?: boolean
  /** The chat was deleted: its earlier messages are gone. */
  deleted?: boolean
  /** A message of the chat was starred, unstarred or deleted for this account. */
  message?: { id: string; starred?: boolean; deletedForMe?: boolean }
}

/** A stored mute time as the API shows it. */
export function mutedUntilView(mutedUntil: number): string | null {
  if (mutedUntil === MUTED_FOREVER) return 'forever'
  return mutedUntil > 0 ? new Date(mutedUntil).toISOString() : null
}
