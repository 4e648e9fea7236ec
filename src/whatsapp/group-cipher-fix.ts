import { GroupCipher, type SenderKeyName, type SenderKeyRecord, SenderKeyMessage } from '@whiskeysockets/baileys/lib/Signal/Group/index.js'

/** GroupCipher's private members the replacement uses, as rc14 has them. */
interface GroupCipherInternals {
  senderKeyStore: { loadSenderKey(name: SenderKeyName): Promise<SenderKeyRecord | undefined>; storeSenderKey(name: SenderKeyName, record: SenderKeyRecord): Promise<void> }
  senderKeyName: SenderKeyName
  getCipherText(iv: Uint8Array, key: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>
}

const INSTALLED = Symbol.for('whatsapp-api.group-cipher-fix')

/**
 * Encrypts a group message with the sender key's current message key, then moves the chain on.
 *
 * rc14's own encrypt asks for the key one past the current one, so each send skips an iteration and
 * keeps the skipped key in the sender's own record (up to 2,000 of them, about 160 bytes each). That
 * record is read and written on every send: after a few hundred messages to a group, parsing it
 * alone took 5 ms a send, and it kept growing to some 300 KB. Keys kept for skipped iterations are
 * only ever needed to decrypt what arrives out of order, which the sender's own state never does,
 * so any left from before are dropped. Receivers accept any iteration that moves forward.
 */
export async function encryptWithCurrentKey(this: GroupCipherInternals, paddedPlaintext: Uint8Array): Promise<Uint8Array> {
  const record = await this.senderKeyStore.loadSenderKey(this.senderKeyName)
  if (!record) throw new Error('No SenderKeyRecord found for encryption')
  const state = record.getSenderKeyState()
  if (!state) throw new Error('No session to encrypt message')
  const chainKey = state.getSenderChainKey()
  const messageKey = chainKey.getSenderMessageKey()
  state.setSenderChainKey(chainKey.getNext())
  state.getStructure().senderMessageKeys.length = 0
  const ciphertext = await this.getCipherText(messageKey.getIv(), messageKey.getCipherKey(), paddedPlaintext)
  const message = new SenderKeyMessage(state.getKeyId(), messageKey.getIteration(), ciphertext, state.getSigningKeyPrivate())
  await this.senderKeyStore.storeSenderKey(this.senderKeyName, record)
  return message.serialize()
}

/** Replaces GroupCipher.encrypt in the module Baileys uses; once per process. */
export function installGroupCipherFix(): void {
  const prototype = GroupCipher.prototype as unknown as Record<string | symbol, unknown>
  if (prototype[INSTALLED]) return
  prototype.encrypt = encryptWithCurrentKey
  prototype[INSTALLED] = true
}
