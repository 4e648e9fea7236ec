import { proto, type BinaryNode } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER } from './accounts.js'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { newMessageId } from './inbound-delivery.js'

/**
 * The account's own phone (device 0) writes to one of its linked devices, Signal-encrypted like any
 * message between one's own devices; its messages carry the account's profile name (notify).
 * Baileys accepts history syncs and copies of sent messages only from its own account.
 */
export async function sendFromOwnPhone(
  conn: Connection,
  ctx: SimContext,
  message: proto.IMessage,
  extraAttrs: Record<string, string> = {},
  id = newMessageId()
): Promise<void> {
  const keys = conn.linked?.keys
  const account = conn.account
  if (!keys || !account) return
  const { type, ciphertext } = await ctx.peers.get(account.phoneNumber).encrypt(conn.lidJid, keys, message)
  const stanza: BinaryNode = {
    tag: 'message',
    attrs: {
      from: `${account.phoneNumber}@${PN_SERVER}`,
      sender_lid: `${account.lid}@${LID_SERVER}`,
      id,
      t: String(Math.floor(Date.now() / 1000)),
      type: 'text',
      category: 'peer',
      notify: account.pushName,
      ...extraAttrs
    },
    content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }]
  }
  conn.send(stanza)
}

/**
 * The user typed a message on the phone to a contact: every live linked device of the account gets
 * a copy, wrapped in deviceSentMessage and addressed to the contact (recipient). Returns its id.
 */
export async function copySentMessageToDevices(ctx: SimContext, phoneNumber: string, toPhone: string, message: proto.IMessage): Promise<string> {
  const id = newMessageId()
  const destinationJid = `${toPhone}@${PN_SERVER}`
  ctx.phoneSent.set(id, { from: phoneNumber, to: destinationJid })
  for (const conn of ctx.live.sockets(phoneNumber)) {
    await sendFromOwnPhone(conn, ctx, { deviceSentMessage: { destinationJid, message } }, { recipient: destinationJid }, id)
  }
  return id
}
