import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, type BinaryNode } from '@whiskeysockets/baileys'
import type { Account, Accounts } from './accounts.js'

/** Each (recipient jid, <enc>) pair in a message: fanned out in <participants>, or a single <enc>. */
export function encryptedCopies(message: BinaryNode): Array<{ jid: string; enc: BinaryNode }> {
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

/** The account whose phone (device 0) a copy is addressed to, if the sim knows it; copies for other devices are not the phone's to read. */
export function phoneOfCopy(jid: string, accounts: Accounts): Account | undefined {
  const decoded = jidDecode(jid)
  return decoded && (decoded.device ?? 0) === 0 ? accounts.byUser(decoded.user, decoded.server) : undefined
}
