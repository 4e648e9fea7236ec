import {
  Curve,
  DEFAULT_CONNECTION_CONFIG,
  encodeBigEndian,
  encodeWAMessage,
  generateSignalPubKey,
  KEY_BUNDLE_TYPE,
  proto,
  unpadRandomMax16,
  xmppPreKey,
  xmppSignedPreKey,
  type AuthenticationCreds,
  type BinaryNode
} from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import type { DeviceKeys } from './accounts.js'
import { makeMemoryKeyStore } from './memory-keys.js'

/**
 * A device the simulator owns (a contact's phone, device 0): real Signal identity and pre-keys,
 * so clients build genuine sessions to it and the sim decrypts what they send.
 */
export class SignalPeer {
  private readonly keys = makeMemoryKeyStore()
  private readonly repository
  private nextPreKeyId = 1

  constructor(
    logger: Logger,
    private readonly creds: AuthenticationCreds
  ) {
    this.repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: this.creds, keys: this.keys }, logger)
  }

  get registrationId(): number {
    return this.creds.registrationId
  }

  /** One-time pre-keys handed out (key fetches and retry receipts): each starts a new session with this phone. */
  get preKeysGiven(): number {
    return this.nextPreKeyId - 1
  }

  /** Children of a <user> in an `xmlns=encrypt` key-fetch answer; mints a fresh one-time pre-key. */
  async bundle(): Promise<BinaryNode[]> {
    return [{ tag: 'registration', attrs: {}, content: encodeBigEndian(this.creds.registrationId) }, ...(await this.retryKeys())]
  }

  /**
   * Children of the <keys> in a retry receipt: identity, signed pre-key and a fresh one-time
   * pre-key this peer stores, so the pkmsg the sender re-sends on a new session decrypts.
   */
  async retryKeys(): Promise<BinaryNode[]> {
    const id = this.nextPreKeyId++
    const preKey = Curve.generateKeyPair()
    await this.keys.set({ 'pre-key': { [id]: preKey } })
    return [
      { tag: 'type', attrs: {}, content: KEY_BUNDLE_TYPE },
      { tag: 'identity', attrs: {}, content: this.creds.signedIdentityKey.public },
      xmppPreKey(preKey, id),
      xmppSignedPreKey(this.creds.signedPreKey)
    ]
  }

  /** Decrypts a pkmsg/msg that `senderJid` (a client device) encrypted for this peer. */
  async decrypt(senderJid: string, type: 'pkmsg' | 'msg', ciphertext: Uint8Array): Promise<proto.IMessage> {
    const plaintext = await this.repository.decryptMessage({ jid: senderJid, type, ciphertext })
    return proto.Message.decode(unpadRandomMax16(plaintext))
  }

  /** Takes the sender key a client device distributed for a group, so its skmsg can be read. */
  async acceptSenderKey(authorJid: string, item: proto.Message.ISenderKeyDistributionMessage): Promise<void> {
    await this.repository.processSenderKeyDistributionMessage({ authorJid, item })
  }

  /** Decrypts a group skmsg from `authorJid`, whose sender key this peer must already hold. */
  async decryptGroup(group: string, authorJid: string, ciphertext: Uint8Array): Promise<proto.IMessage> {
    const plaintext = await this.repository.decryptGroupMessage({ group, authorJid, msg: ciphertext })
    return proto.Message.decode(unpadRandomMax16(plaintext))
  }

  /** Encrypts for a group under this peer's sender key (`meId` names it), with the key's distribution message. */
  async encryptGroup(group: string, meId: string, message: proto.IMessage): Promise<{ ciphertext: Uint8Array; skdm: Uint8Array }> {
    const { ciphertext, senderKeyDistributionMessage } = await this.repository.encryptGroupMessage({
      group,
      meId,
      data: encodeWAMessage(message)
    })
    return { ciphertext, skdm: senderKeyDistributionMessage }
  }

  /**
   * Encrypts for a client device, building a session from its uploaded keys when none exists, or
   * from keys it sent in a retry receipt (`newSession`: the one this peer has is no use to it).
   */
  async encrypt(
    recipientJid: string,
    recipientKeys: DeviceKeys,
    message: proto.IMessage,
    { newSession = false }: { newSession?: boolean } = {}
  ): Promise<{ type: 'pkmsg' | 'msg'; ciphertext: Uint8Array }> {
    const { exists } = await this.repository.validateSession(recipientJid)
    if (newSession || !exists) {
      const preKey = recipientKeys.preKeys.take()
      await this.repository.injectE2ESession({
        jid: recipientJid,
        session: {
          registrationId: recipientKeys.registrationId,
          identityKey: generateSignalPubKey(recipientKeys.identityKey),
          signedPreKey: {
            keyId: recipientKeys.signedPreKey.keyId,
            publicKey: generateSignalPubKey(recipientKeys.signedPreKey.publicKey),
            signature: recipientKeys.signedPreKey.signature
          },
          preKey: preKey && { keyId: preKey.id, publicKey: generateSignalPubKey(preKey.publicKey) }
        }
      })
    }
    return this.repository.encryptMessage({ jid: recipientJid, data: encodeWAMessage(message) })
  }
}
