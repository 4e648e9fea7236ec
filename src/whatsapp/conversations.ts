import { type PresenceData, type WASocket, jidNormalizedUser } from '@whiskeysockets/baileys'
import { conflict } from '../errors.js'
import type { Conversations, PresenceState, PresenceUpdate } from '../sessions/whatsapp-port.js'

/** Our typing states in Baileys' words ('recording' is Baileys' too). */
const CHAT_PRESENCE = { typing: 'composing', recording: 'recording', paused: 'paused' } as const

/** Baileys' presence words in ours; Baileys reports a typing that stopped as available, so online. */
function presenceState(data: PresenceData): PresenceState {
  switch (data.lastKnownPresence) {
    case 'composing':
      return 'typing'
    case 'recording':
      return 'recording'
    case 'unavailable':
      return 'offline'
    default:
      return 'online'
  }
}

/** Read receipts, typing and presence through one Baileys socket. */
export function baileysConversations(socket: WASocket): Conversations {
  return {
    markRead: (chat, messages) =>
      socket.readMessages(messages.map(({ id, sender }) => ({ remoteJid: chat, id, fromMe: false, ...(sender ? { participant: sender } : {}) }))),
    setChatPresence: (chat, state) => socket.sendPresenceUpdate(CHAT_PRESENCE[state], chat),
    setPresence: async (state) => {
      // Baileys drops an online/offline update silently while it does not know the account's
      // profile name (it learns it from the phone soon after linking).
      if (!socket.authState.creds.me?.name) {
        throw conflict('WhatsApp has not told this session its profile name yet, which presence updates carry; try again shortly')
      }
      await socket.sendPresenceUpdate(state === 'online' ? 'available' : 'unavailable')
    },
    subscribePresence: (jid) => socket.presenceSubscribe(jid),
  }
}

/** Turns Baileys' presence updates (a contact online, last seen, typing in a chat) into ours. */
export function forwardPresence(socket: WASocket, onPresence: (update: PresenceUpdate) => void): void {
  socket.ev.on('presence.update', ({ id, presences }) => {
    for (const [participant, data] of Object.entries(presences)) {
      onPresence({
        chat: id,
        participant: jidNormalizedUser(participant),
        state: presenceState(data),
        lastSeen: typeof data.lastSeen === 'number' ? data.lastSeen * 1000 : null,
      })
    }
  })
}
