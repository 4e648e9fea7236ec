import { isJidGroup, jidDecode, type BinaryNode, type proto } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { decryptGroupMessage } from './group-messages.js'
import { textOf, type ReceivedMessage } from './inbox.js'
import { openMedia } from './media-messages.js'
import { encryptedCopies } from './message-copies.js'

type ReceiptType = 'delivered' | 'read' | 'played'

export function receiptNode(from: string, id: string, type: ReceiptType): BinaryNode {
  const attrs: Record<string, string> = { from, id, t: String(Math.floor(Date.now() / 1000)) }
  if (type !== 'delivered') attrs.type = type
  return { tag: 'receipt', attrs }
}

function ackNode(message: BinaryNode, errorCode?: number): BinaryNode {
  const attrs: Record<string, string> = {
    class: 'message',
    id: message.attrs.id ?? '',
    from: message.attrs.to ?? '',
    t: String(Math.floor(Date.now() / 1000))
  }
  if (errorCode !== undefined) attrs.error = String(errorCode)
  return { tag: 'ack', attrs }
}

/**
 * Decrypts the copy meant for the recipient's phone (device 0) with that phone's Signal identity.
 * The sender's own phone also gets a copy (a deviceSentMessage); the sim skips it.
 */
async function decryptForRecipient(conn: Connection, message: BinaryNode, ctx: SimContext): Promise<proto.IMessage | undefined> {
  for (const { jid, enc } of encryptedCopies(message)) {
    const decoded = jidDecode(jid)
    const type = enc.attrs.type
    if (!decoded || (decoded.device ?? 0) !== 0 || (type !== 'pkmsg' && type !== 'msg')) continue
    const recipient = ctx.accounts.byUser(decoded.user, decoded.server)
    if (!recipient || recipient === conn.account || !(enc.content instanceof Uint8Array)) continue
    try {
      const decrypted = await ctx.peers.get(recipient.phoneNumber).decrypt(conn.lidJid, type, enc.content)
      return decrypted.deviceSentMessage?.message ?? decrypted
    } catch (err) {
      ctx.logger.warn({ err, id: message.attrs.id, jid }, 'could not decrypt client message')
    }
  }
  return undefined
}

async function readMessage(conn: Connection, message: BinaryNode, ctx: SimContext): Promise<ReceivedMessage | undefined> {
  const to = message.attrs.to ?? ''
  const group = isJidGroup(to) ? await decryptGroupMessage(conn, message, ctx) : undefined
  const decrypted = isJidGroup(to) ? group?.message : await decryptForRecipient(conn, message, ctx)
  if (!decrypted) return undefined
  const text = textOf(decrypted)
  const media = await openMedia(decrypted, ctx.media).catch(err => ctx.logger.warn({ err }, 'could not open media'))
  return {
    id: message.attrs.id ?? '',
    from: conn.phoneNumber!,
    to,
    message: decrypted,
    ...(text !== undefined ? { text } : {}),
    ...(group ? { group: to, decryptedBy: group.decryptedBy } : {}),
    ...(media ? { media } : {}),
    at: Date.now()
  }
}

/** A client sent a <message>: decrypt and record it, ack it, and send the automatic receipts. */
export async function handleClientMessage(conn: Connection, message: BinaryNode, ctx: SimContext): Promise<void> {
  const id = message.attrs.id ?? ''
  const to = message.attrs.to ?? ''
  const errorCode = ctx.faults.takeSendFailure(conn.phoneNumber!)
  if (errorCode !== undefined) return conn.send(ackNode(message, errorCode))

  if (!ctx.options.ackOnly) {
    const received = await readMessage(conn, message, ctx)
    if (received) ctx.inbox.record(received)
  }
  conn.send(ackNode(message))
  if (ctx.autoReceipts === 'none' || isJidGroup(to)) return
  conn.send(receiptNode(to, id, 'delivered'))
  if (ctx.autoReceipts === 'read') conn.send(receiptNode(to, id, 'read'))
}
