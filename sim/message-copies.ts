import { getBinaryNodeChild, getBinaryNodeChildren, type BinaryNode } from '@whiskeysockets/baileys'

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
