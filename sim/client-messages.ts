import { isJidGroup, type BinaryNode, type proto } from '@whiskeysockets/baileys'
import { LID_SERVER } from './accounts.js'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { MAX_RETRY_RECEIPTS, retryReceiptNode } from './decrypt-retries.js'
import { CHANNEL_SERVER } from './channels.js'
import { decryptGroupMessage, STATUS_JID } from './group-messages.js'
import { textOf, type ReceivedMessage } from './inbox.js'
import { openMedia } from './media-messages.js'
import { encryptedCopies, phoneOfCopy } from './message-copies.js'

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

function withServerId(ack: BinaryNode, serverId: number): BinaryNode {
  return { ...ack, attrs: { ...ack.attrs, server_id: String(serverId) } }
}

/** Group messages and status updates are encrypted once under the sender's sender key. */
const readBySenderKey = (to: string): boolean => Boolean(isJidGroup(to)) || to === STATUS_JID

/** What the recipients' phones made of a client message. */
interface Reading {
  received?: ReceivedMessage
  /** phone numbers of the recipients whose phones decrypted it */
  readBy: string[]
  /** phone numbers of the recipients whose phones could not: each asks the sender for a retry */
  unreadBy: string[]
}

/**
 * Decrypts the copy meant for the recipient's phone (device 0) with that phone's Signal identity.
 * The sender's own phone also gets a copy (a deviceSentMessage); the sim skips it.
 */
async function decryptForRecipient(
  conn: Connection,
  message: BinaryNode,
  ctx: SimContext,
  garbled: boolean
): Promise<{ decrypted?: proto.IMessage; readBy: string[]; unreadBy: string[] }> {
  const unreadBy: string[] = []
  for (const { jid, enc } of encryptedCopies(message)) {
    const type = enc.attrs.type
    if (type !== 'pkmsg' && type !== 'msg') continue
    const recipient = phoneOfCopy(jid, ctx.accounts)
    if (!recipient || recipient === conn.account || !(enc.content instanceof Uint8Array)) continue
    if (garbled) {
      unreadBy.push(recipient.phoneNumber)
      continue
    }
    try {
      const decrypted = await ctx.peers.get(recipient.phoneNumber).decrypt(conn.lidJid, type, enc.content)
      return { decrypted: decrypted.deviceSentMessage?.message ?? decrypted, readBy: [recipient.phoneNumber], unreadBy: [] }
    } catch (err) {
      ctx.logger.info({ err, id: message.attrs.id, jid, type, sender: conn.lidJid }, 'could not decrypt client message')
      unreadBy.push(recipient.phoneNumber)
    }
  }
  return { readBy: [], unreadBy }
}

async function readMessage(conn: Connection, message: BinaryNode, ctx: SimContext, garbled: boolean): Promise<Reading> {
  const to = message.attrs.to ?? ''
  const isGroup = isJidGroup(to)
  const bySenderKey = readBySenderKey(to)
  const group = bySenderKey ? await decryptGroupMessage(conn, message, ctx) : undefined
  const { decrypted, readBy, unreadBy } = bySenderKey
    ? { decrypted: group?.message, readBy: group?.decryptedBy ?? [], unreadBy: group?.failedBy ?? [] }
    : await decryptForRecipient(conn, message, ctx, garbled)
  if (!decrypted) return { readBy, unreadBy }
  const text = textOf(decrypted)
  const media = await openMedia(decrypted, ctx.media).catch(err => ctx.logger.warn({ err }, 'could not open media'))
  const received: ReceivedMessage = {
    id: message.attrs.id ?? '',
    from: conn.phoneNumber!,
    to,
    message: decrypted,
    ...(text !== undefined ? { text } : {}),
    ...(group ? { ...(isGroup ? { group: to } : {}), decryptedBy: group.decryptedBy } : {}),
    ...(media ? { media } : {}),
    at: Date.now()
  }
  return { received, readBy, unreadBy }
}

/**
 * A receipt for the device that sent a message: to its live socket, which may by now be another
 * one than `conn` (the device reconnected), or kept for its next login.
 */
function sendReceipt(conn: Connection, receipt: BinaryNode, ctx: SimContext): void {
  ctx.receipts.send(conn.phoneNumber!, conn.linked!, receipt)
}

const retryKey = (sender: string, recipient: string, id: string) => `${sender}>${recipient}:${id}`

/**
 * `recipient`'s phone could not decrypt its copy: like a WhatsApp phone it answers with a retry
 * receipt carrying a fresh key bundle, so the sender re-sends on a new session (a pkmsg). It asks
 * at most MAX_RETRY_RECEIPTS times per message, then gives up. Returns whether it asked.
 */
async function askForRetry(conn: Connection, message: BinaryNode, recipient: string, ctx: SimContext): Promise<boolean> {
  const id = message.attrs.id ?? ''
  const to = message.attrs.to ?? ''
  const sender = conn.phoneNumber!
  const count = ctx.retries.next(retryKey(sender, recipient, id))
  if (count === undefined) {
    ctx.logger.warn({ id, from: sender, to: recipient, retries: MAX_RETRY_RECEIPTS }, 'phone gave up on a message it cannot decrypt')
    return false
  }
  const peer = ctx.peers.get(recipient)
  const keys = await peer.retryKeys()
  // 1:1 the receipt comes from the recipient as the client addressed it; in a (LID-addressed) group
  // it comes from the group, the asking participant named
  const from = isJidGroup(to) ? { from: to, participant: `${ctx.accounts.get(recipient).lid}@${LID_SERVER}` } : { from: to }
  sendReceipt(conn, retryReceiptNode({ ...from, id, count, registrationId: peer.registrationId, keys }), ctx)
  return true
}

/** A client sent a <message>: ack it, decrypt and record it, and send the automatic receipts. */
export async function handleClientMessage(conn: Connection, message: BinaryNode, ctx: SimContext): Promise<void> {
  const id = message.attrs.id ?? ''
  const to = message.attrs.to ?? ''
  const sender = conn.phoneNumber!
  const errorCode = ctx.faults.takeSendFailure(sender)
  if (errorCode !== undefined) return conn.send(ackNode(message, errorCode))

  if (to.endsWith(`@${CHANNEL_SERVER}`)) {
    // Channel posts are plaintext: the server itself takes them (from the owner only) and numbers them.
    const posted = ctx.channels.post(conn, message)
    if ('error' in posted) return conn.send(ackNode(message, posted.error))
    conn.send(withServerId(ackNode(message), posted.serverId))
    const text = textOf(posted.message)
    ctx.inbox.record({ id, from: sender, to, message: posted.message, ...(text !== undefined ? { text } : {}), at: Date.now() })
    return
  }
  // WhatsApp's server acks what it took at once: it cannot read the message, the recipients' phones do that after
  conn.send(ackNode(message))
  const bySenderKey = readBySenderKey(to)
  const garbled = !bySenderKey && ctx.faults.takeGarble(sender)
  const reading: Reading = ctx.options.ackOnly ? { readBy: [], unreadBy: [] } : await readMessage(conn, message, ctx, garbled)
  for (const phone of reading.readBy) ctx.retries.settle(retryKey(sender, phone, id))
  // a phone that already shows this message drops an unreadable copy of it (a resend) instead of asking again
  const unread = reading.unreadBy.filter(phone => !ctx.inbox.shows(sender, id, phone))
  if (reading.received) ctx.inbox.record(reading.received)
  else if (reading.unreadBy.length > 0 && unread.length === 0) ctx.inbox.countDuplicate()
  let retried = false
  for (const phone of unread) retried = (await askForRetry(conn, message, phone, ctx)) || retried
  // the retry receipt stands in for the delivery receipt until a copy decrypts (or the phone gives up)
  if (retried || ctx.autoReceipts === 'none' || bySenderKey) return
  sendReceipt(conn, receiptNode(to, id, 'delivered'), ctx)
  if (ctx.autoReceipts === 'read') sendReceipt(conn, receiptNode(to, id, 'read'), ctx)
}
