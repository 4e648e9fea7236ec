import type { IgnoredKinds } from '../store/ports.js'

/** What a chat JID is, as far as a session's ignore settings go. */
export type ChatKind = 'person' | 'group' | 'status' | 'channel' | 'broadcast'

/** Where status updates (stories) are posted and come from. */
export const STATUS_JID = 'status@broadcast'

export function chatKind(jid: string): ChatKind {
  if (jid.endsWith('@g.us')) return 'group'
  if (jid === STATUS_JID) return 'status'
  if (jid.endsWith('@newsletter')) return 'channel'
  if (jid.endsWith('@broadcast')) return 'broadcast'
  return 'person'
}

const SETTING_OF: Record<Exclude<ChatKind, 'person'>, keyof IgnoredKinds> = {
  group: 'groups', status: 'status', channel: 'channels', broadcast: 'broadcast',
}

/** Whether messages of this chat are dropped (neither stored nor evented) under these settings. */
export function isIgnoredChat(jid: string, ignore: IgnoredKinds): boolean {
  const kind = chatKind(jid)
  return kind !== 'person' && ignore[SETTING_OF[kind]]
}
