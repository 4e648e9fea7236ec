import { getBinaryNodeChildren, type BinaryNode, type proto } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { encryptedCopies, phoneOfCopy } from './message-copies.js'

export interface DecryptedGroupMessage {
  /** unset when no participant's phone could decrypt it */
  message?: proto.IMessage
  /** phone numbers of the participants whose phones decrypted the skmsg */
  decryptedBy: string[]
  /** phone numbers of the participants whose phones could not (no or a stale sender key): each asks for a retry */
  failedBy: string[]
}

export const STATUS_JID = 'status@broadcast'

/**
 * Who reads a sender-key message: a group's other participants, or for a status update the
 * audience the client chose (statusJidList), which is exactly who got a copy of the sender key.
 */
function readersOf(conn: Connection, message: BinaryNode, ctx: SimContext): Set<string> | undefined {
  const to = message.attrs.to ?? ''
  if (to === STATUS_JID) {
    const viewers = encryptedCopies(message).map(({ jid }) => phoneOfCopy(jid, ctx.accounts)?.phoneNumber)
    return new Set(viewers.filter((phone): phone is string => phone !== undefined && phone !== conn.phoneNumber))
  }
  const group = ctx.groups.get(to)
  return group && new Set(group.participants.filter(phone => phone !== conn.phoneNumber))
}

/**
 * A client wrote to a group or posted a status: its skmsg is encrypted once under the sender's
 * sender key, and readers that lack that key get it in a pkmsg/msg copy (a
 * senderKeyDistributionMessage). Each reader's phone takes the key from its copy, then decrypts the
 * skmsg with a real group cipher, as the phones of a real group (or a status audience) would.
 */
export async function decryptGroupMessage(conn: Connection, message: BinaryNode, ctx: SimContext): Promise<DecryptedGroupMessage | undefined> {
  const groupJid = message.attrs.to ?? ''
  const members = readersOf(conn, message, ctx)
  const skmsg = getBinaryNodeChildren(message, 'enc').find(enc => enc.attrs.type === 'skmsg')
  if (!members || !(skmsg?.content instanceof Uint8Array)) return undefined

  for (const { jid, enc } of encryptedCopies(message)) {
    const type = enc.attrs.type
    const recipient = phoneOfCopy(jid, ctx.accounts)?.phoneNumber
    if (!recipient || !members.has(recipient) || (type !== 'pkmsg' && type !== 'msg')) continue
    if (!(enc.content instanceof Uint8Array)) continue
    const peer = ctx.peers.get(recipient)
    try {
      const copy = await peer.decrypt(conn.lidJid, type, enc.content)
      const skdm = copy.senderKeyDistributionMessage
      if (skdm) await peer.acceptSenderKey(conn.lidJid, skdm)
    } catch (err) {
      ctx.logger.info({ err, id: message.attrs.id, jid }, 'could not read sender key copy')
    }
  }

  let decrypted: proto.IMessage | undefined
  const decryptedBy: string[] = []
  const failedBy: string[] = []
  for (const phone of members) {
    try {
      decrypted = await ctx.peers.get(phone).decryptGroup(groupJid, conn.lidJid, skmsg.content)
      decryptedBy.push(phone)
    } catch (err) {
      ctx.logger.info({ err, id: message.attrs.id, phone }, 'participant could not decrypt group message')
      failedBy.push(phone)
    }
  }
  return { ...(decrypted ? { message: decrypted } : {}), decryptedBy, failedBy }
}
