import { randomBytes } from 'node:crypto'
import {
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  Curve,
  derivePairingCodeKey,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  hkdf,
  type BinaryNode,
  type KeyPair
} from '@whiskeysockets/baileys'

// Pairing by code (Baileys requestPairingCode): both sides wrap an ephemeral public key with
// AES-CTR under PBKDF2(code); the companion then sends its identity key in a bundle sealed with
// their ECDH secret, and both derive the adv secret that the pair-success HMAC is keyed with.

const SALT_BYTES = 32
const IV_BYTES = 16
const GCM_IV_BYTES = 12

/** What the companion sent in its `companion_hello`. */
export interface CompanionHello {
  /** the phone number the client asked to pair with */
  phoneNumber: string
  wrappedEphemeral: Buffer
}

export function readCompanionHello(reg: BinaryNode): CompanionHello | undefined {
  const wrapped = getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub')
  const phoneNumber = (reg.attrs.jid ?? '').split('@')[0] ?? ''
  return wrapped && phoneNumber ? { phoneNumber, wrappedEphemeral: Buffer.from(wrapped) } : undefined
}

/** The phone's half of one code pairing. */
export class PhoneLinkCode {
  private readonly ephemeral: KeyPair = Curve.generateKeyPair()
  private readonly identity: KeyPair = Curve.generateKeyPair()
  private companionEphemeral: Buffer = Buffer.alloc(0)

  constructor(
    private readonly code: string,
    private readonly ref: string
  ) {}

  /** The `link_code_companion_reg` notification the phone sends once the user typed the code. */
  async notification(hello: CompanionHello): Promise<BinaryNode> {
    const key = await derivePairingCodeKey(this.code, hello.wrappedEphemeral.subarray(0, SALT_BYTES))
    const iv = hello.wrappedEphemeral.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES)
    this.companionEphemeral = aesDecryptCTR(hello.wrappedEphemeral.subarray(SALT_BYTES + IV_BYTES), key, iv)
    const salt = randomBytes(SALT_BYTES)
    const ownIv = randomBytes(IV_BYTES)
    const wrapped = aesEncryptCTR(this.ephemeral.public, await derivePairingCodeKey(this.code, salt), ownIv)
    return {
      tag: 'notification',
      attrs: { from: 's.whatsapp.net', type: 'link_code_companion_reg', id: randomBytes(8).toString('hex'), t: String(Math.floor(Date.now() / 1000)) },
      content: [
        {
          tag: 'link_code_companion_reg',
          attrs: { stage: 'primary_hello' },
          content: [
            { tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(this.ref) },
            { tag: 'primary_identity_pub', attrs: {}, content: this.identity.public },
            { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: Buffer.concat([salt, ownIv, wrapped]) }
          ]
        }
      ]
    }
  }

  /**
   * Opens the companion's `companion_finish` bundle. A wrong code leaves the two sides with
   * different ECDH secrets, so the GCM tag check throws here.
   */
  finish(reg: BinaryNode): { identityKey: Buffer; advSecret: Buffer } {
    const bundle = getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_key_bundle')
    if (!bundle) throw new Error('companion_finish without a key bundle')
    const sealed = Buffer.from(bundle)
    const companionShared = Curve.sharedKey(this.ephemeral.private, this.companionEphemeral)
    const key = hkdf(companionShared, 32, { salt: sealed.subarray(0, SALT_BYTES), info: 'link_code_pairing_key_bundle_encryption_key' })
    const iv = sealed.subarray(SALT_BYTES, SALT_BYTES + GCM_IV_BYTES)
    let payload: Buffer
    try {
      payload = aesDecryptGCM(sealed.subarray(SALT_BYTES + GCM_IV_BYTES), key, iv, Buffer.alloc(0))
    } catch {
      throw new Error('wrong pairing code')
    }
    const identityKey = payload.subarray(0, 32)
    const random = payload.subarray(64, 96)
    const identityShared = Curve.sharedKey(this.identity.private, identityKey)
    const advSecret = hkdf(Buffer.concat([companionShared, identityShared, random]), 32, { info: 'adv_secret' })
    return { identityKey, advSecret: Buffer.from(advSecret) }
  }
}

export function isLinkCodeReg(node: BinaryNode): BinaryNode | undefined {
  return node.tag === 'iq' && node.attrs.xmlns === 'md' ? getBinaryNodeChild(node, 'link_code_companion_reg') : undefined
}
