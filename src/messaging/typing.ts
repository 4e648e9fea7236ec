import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { WhatsAppConnection } from '../sessions/whatsapp-port.js'
import { chatKind } from './chat-kind.js'
import type { OutgoingMessage } from './outgoing-content.js'

/** The longest typing a send may ask for. */
export const MAX_TYPING_MS = 20_000

/**
 * Shows typing (recording, before a voice note) in the chat for the time the message asks, then
 * returns so it goes out. Typing that cannot be shown does not hold the message back.
 */
export async function showTypingBefore(connection: WhatsAppConnection, jid: string, message: OutgoingMessage, logger: Logger): Promise<void> {
  // Nobody watches a channel or a status being typed.
  if (!message.typingMs || chatKind(jid) === 'channel' || chatKind(jid) === 'status') return
  const state = message.content.type === 'audio' && message.content.voice ? 'recording' : 'typing'
  try {
    await connection.conversations.setChatPresence(jid, state)
  } catch (error) {
    logger.warn({ err: error }, 'could not show typing before a message')
    return
  }
  await sleep(Math.min(message.typingMs, MAX_TYPING_MS))
}
