import { type GroupMetadata, jidNormalizedUser, proto, type WASocket } from '@whiskeysockets/baileys'
import type { OutgoingMessage } from '../messaging/outgoing-content.js'
import { ConnectionClosedError, type WrittenMessage } from '../sessions/whatsapp-port.js'
import { messageKey, toBaileysContent, withMentionList } from './baileys-content.js'
import { mentionEveryone } from './groups.js'

export interface SendingDeps {
  /** A message this session sent, as encoded on the wire (a reply to it quotes it whole). */
  sentMessage(messageId: string): Promise<Uint8Array | undefined>
  /** A group's members (cached), for mention-all. */
  groupMetadata(jid: string): Promise<GroupMetadata | undefined>
}

/** Baileys signals a closed socket with Boom 428 "Connection Closed". */
function isConnectionClosed(error: unknown): boolean {
  const failure = error as { message?: string; output?: { statusCode?: number } } | undefined
  return failure?.output?.statusCode === 428 || failure?.message === 'Connection Closed'
}

/** Writes one outgoing message through Baileys under the given id: replies, mentions and status audiences included. */
export function baileysSend(socket: WASocket, deps: SendingDeps): (jid: string, message: OutgoingMessage, messageId: string) => Promise<WrittenMessage> {
  // The account's own devices get its statuses too, as WhatsApp's apps send them: the phone shows them under "My status".
  const withOwnAccount = (audience: string[]): string[] => {
    const own = socket.user?.id ? jidNormalizedUser(socket.user.id) : undefined
    return own && !audience.includes(own) ? [...audience, own] : audience
  }
  return async (jid, { content, replyTo, mentions, mentionAll, status }, messageId) => {
    const quotedBytes = replyTo?.fromMe ? await deps.sentMessage(replyTo.id) : undefined
    try {
      const mentioned = mentionAll ? mentionEveryone(await deps.groupMetadata(jid), mentions) : mentions
      const sent = await socket.sendMessage(jid, withMentionList(toBaileysContent(jid, content), mentioned), {
        messageId,
        ...(status ? { statusJidList: withOwnAccount(status.audience), backgroundColor: status.backgroundColor, font: status.font } : {}),
        ...(replyTo
          ? {
              quoted: {
                key: messageKey(jid, replyTo),
                message: quotedBytes ? proto.Message.decode(quotedBytes) : { conversation: '' },
              },
            }
          : {}),
      })
      return { encoded: proto.Message.encode(sent?.message ?? {}).finish() }
    } catch (error) {
      if (isConnectionClosed(error)) throw new ConnectionClosedError()
      throw error
    }
  }
}
