import { getBinaryNodeChild, getBinaryNodeChildren, isJidGroup, jidDecode, type BinaryNode, type proto } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { textOf } from './inbox.js'

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

/** Each (recipient jid, <enc>) pair in a message: fanned out in <participants>, or a single <enc>. */
function encryptedCopies(message: BinaryNode): Array<{ jid: string; enc: BinaryNode }> {
  const participants = getBinaryNodeChild(message, 'participants')
  if (participants) {
    return getBinaryNodeChildren(participants, 'to').flatMap(to => {
      const enc = getBinaryNodeChild(to, 'enc')
      return enc && to.attrs.jid ? [{ jid: to.attrs.jid, enc }] : []
    })
  }
  const enc = getBinaryNodeChild(message, 'enc')
  return enc && message.attrs.to ? [{ jid: message.attrs.to, enc }] : []
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

/** A client sent a <message>: decrypt and record it, ack it, and send the automatic receipts. */
export async function handleClientMessage(conn: Connection, message: BinaryNode, ctx: SimContext): Promise<void> {
  const id = message.attrs.id ?? ''
  const to = message.attrs.to ?? ''
  const errorCode = ctx.faults.takeSendFailure(conn.phoneNumber!)
  if (errorCode !== undefined) return conn.send(ackNode(message, errorCode))

  if (!ctx.options.ackOnly) {
    const decrypted = await decryptForRecipient(conn, message, ctx)
    if (decrypted) {
      const text = textOf(decrypted)
      ctx.inbox.record({ id, from: conn.phoneNumber!, to, message: decrypted, ...(text !== undefined ? { text } : {}), at: Date.now() })
    }
  }
  conn.send(ackNode(message))
  if (ctx.autoReceipts === 'none' || isJidGroup(to)) return
  conn.send(receiptNode(to, id, 'delivered'))
  if (ctx.autoReceipts === 'read') conn.send(receiptNode(to, id, 'read'))
}
