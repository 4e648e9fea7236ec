import { getBinaryNodeChildren, jidDecode, type BinaryNode, type proto } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { encryptedCopies } from './message-copies.js'

export interface DecryptedGroupMessage {
  /** unset when no participant's phone could decrypt it */
  message?: proto.IMessage
  /** phone numbers of the participants whose phones decrypted the skmsg */
  decryptedBy: string[]
  /** phone numbers of the participants whose phones could not (no or a stale sender key): each asks for a retry */
  failedBy: string[]
}

/**
 * A client wrote to a group: its skmsg is encrypted once under the sender's sender key, and
 * participants that lack that key get it in a pkmsg/msg copy (a senderKeyDistributionMessage).
 * Each participant's phone takes the key from its copy, then decrypts the skmsg with a real
 * group cipher, as the phones of a real group would.
 */
export async function decryptGroupMessage(conn: Connection, message: BinaryNode, ctx: SimContext): Promise<DecryptedGroupMessage | undefined> {
  const groupJid = message.attrs.to ?? ''
  const group = ctx.groups.get(groupJid)
  const skmsg = getBinaryNodeChildren(message, 'enc').find(enc => enc.attrs.type === 'skmsg')
  if (!group || !(skmsg?.content instanceof Uint8Array)) return undefined
  const members = new Set(group.participants.filter(phone => phone !== conn.phoneNumber))

  for (const { jid, enc } of encryptedCopies(message)) {
    const decoded = jidDecode(jid)
    const type = enc.attrs.type
    const recipient = decoded && (decoded.device ?? 0) === 0 ? ctx.accounts.byUser(decoded.user, decoded.server) : undefined
    if (!recipient || !members.has(recipient.phoneNumber) || (type !== 'pkmsg' && type !== 'msg')) continue
    if (!(enc.content instanceof Uint8Array)) continue
    const peer = ctx.peers.get(recipient.phoneNumber)
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
