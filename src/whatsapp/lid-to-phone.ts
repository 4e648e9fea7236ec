import { isLidUser, jidDecode, jidNormalizedUser } from '@whiskeysockets/baileys'
import type { InboundMessage, Sender } from '../messaging/inbound-message.js'
import type { ChatEvent, HistoryBatch } from '../sessions/whatsapp-port.js'

/** The phone-number JID behind a LID, where WhatsApp revealed it (Baileys' LID mapping store). */
export type LidResolver = (lid: string) => Promise<string | null>

/**
 * Looks up each distinct LID once; answers a function giving the phone-number JID for a LID that
 * resolved, and the JID itself otherwise. A failed look-up leaves the LID as it is.
 */
export async function phoneJidsOf(jids: Iterable<string>, resolve: LidResolver): Promise<(jid: string) => string> {
  const found = new Map<string, string>()
  for (const lid of new Set([...jids].filter((jid) => isLidUser(jid)))) {
    const phoneJid = await resolve(lid).catch(() => null)
    if (phoneJid) found.set(lid, jidNormalizedUser(phoneJid))
  }
  return (jid) => found.get(jid) ?? jid
}

function senderAs(sender: Sender, phoneJid: (jid: string) => string): Sender {
  const jid = phoneJid(sender.jid)
  if (jid === sender.jid) return sender
  return { ...sender, jid, phoneNumber: jidDecode(jid)?.user ?? null, lid: sender.lid ?? sender.jid }
}

function messageAs(message: InboundMessage, phoneJid: (jid: string) => string): InboundMessage {
  return { ...message, chat: phoneJid(message.chat), sender: senderAs(message.sender, phoneJid) }
}

/**
 * History names many people by LID while live messages carry their phone number: chats and
 * senders are turned into phone-number JIDs where WhatsApp revealed them, so a person is one chat.
 */
export async function historyByPhone(batch: HistoryBatch, resolve: LidResolver): Promise<HistoryBatch> {
  const phoneJid = await phoneJidsOf([...batch.chats.map((chat) => chat.jid), ...batch.messages.flatMap(({ message }) => [message.chat, message.sender.jid])], resolve)
  return {
    ...batch,
    chats: batch.chats.map((chat) => ({ ...chat, jid: phoneJid(chat.jid) })),
    messages: batch.messages.map((entry) => ({ ...entry, message: messageAs(entry.message, phoneJid) })),
  }
}

/** The same for chat changes made on another device. */
export async function chatEventsByPhone(events: ChatEvent[], resolve: LidResolver): Promise<ChatEvent[]> {
  const phoneJid = await phoneJidsOf(events.map((event) => event.jid), resolve)
  return events.map((event) => ({ ...event, jid: phoneJid(event.jid) }))
}

/**
 * Runs each step after the previous one, so what a socket reports keeps its order; steps report
 * their own failures. idle() resolves once every step queued so far has run. A class, not closures:
 * every socket has four of these.
 */
export class InOrder {
  private last: Promise<void> | undefined

  run(step: () => Promise<void>): void {
    this.last = (this.last ?? Promise.resolve()).then(step).catch(() => undefined)
  }

  idle(): Promise<void> {
    return this.last ?? Promise.resolve()
  }
}
