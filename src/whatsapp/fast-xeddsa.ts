import { calculateSignature, verifySignature } from 'whatsapp-rust-bridge'
import { asBuffer, patchOnce, requireAsLibsignal } from './libsignal-patch.js'

/** The part of curve25519-js (the CommonJS exports object libsignal calls through) that this module replaces. */
export interface XEdDSA {
  sign(secretKey: Uint8Array, message: Uint8Array, random?: Uint8Array): Uint8Array
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
}

const INSTALLED = Symbol.for('whatsapp-api.fast-xeddsa')
/** The type byte libsignal puts before a Curve25519 public key (curve25519-js takes the bare 32 bytes). */
const DJB_KEY_TYPE = Uint8Array.of(5)

const isBytes = (value: unknown): value is Uint8Array => Object.prototype.toString.call(value) === '[object Uint8Array]'
/** Good signatures remembered, the least recently used forgotten first; a few certificates and pre-keys are what repeats. */
const REMEMBERED_SIGNATURES = 256

/**
 * Signatures lately checked good, each with its key and message. Some checks repeat exactly:
 * WhatsApp's certificate chain is the same two checks at every login (a quarter of a millisecond
 * each, 6% of a restore's CPU), and a contact's signed pre-key is checked for every session built
 * with it. A check is answered from here only for the same key, message and signature, byte for
 * byte; the answer is a pure function of those, so it is the one a new check would give.
 */
export class VerifiedSignatures {
  private readonly entries = new Map<string, { publicKey: Buffer; message: Buffer }>()

  constructor(private readonly capacity: number) {}

  has(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = asBuffer(signature).toString('latin1')
    const entry = this.entries.get(key)
    if (entry === undefined || !entry.publicKey.equals(publicKey) || !entry.message.equals(message)) return false
    // the ones that repeat stay, however many others pass through
    this.entries.delete(key)
    this.entries.set(key, entry)
    return true
  }

  add(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): void {
    const key = asBuffer(signature).toString('latin1')
    if (!this.entries.has(key) && this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!)
    // copies: the caller may reuse its buffers
    this.entries.set(key, { publicKey: Buffer.from(publicKey), message: Buffer.from(message) })
  }
}

/** curve25519-js, the very instance libsignal loads (and through it Baileys' `Curve.sign`/`Curve.verify`). */
export const loadXEdDSA = (): XEdDSA => requireAsLibsignal('curve25519-js') as XEdDSA

/**
 * Signal's XEdDSA signatures (curve25519-js, as libsignal uses it) without pure JavaScript's cost:
 * about 8 ms per signature or check, paid for every group message sent or received (sender-key
 * signatures), every session built from a pre-key bundle, every connection (WhatsApp's
 * certificates) and every pairing. Both run in whatsapp-rust-bridge's WebAssembly (libsignal's own
 * Rust, which Baileys already loads): 0.06 ms a signature, 0.1 ms a check, and no native key
 * object for the garbage collector to free. Signatures are XEdDSA's randomised ones, as libsignal's
 * other implementations make them (curve25519-js's are deterministic); curve25519-js accepts them.
 * A check the WebAssembly rejects is asked of the original, so every answer is the original's;
 * good ones are remembered (VerifiedSignatures).
 * Anything outside the well-formed shapes, or a signing with caller-supplied randomness, goes to
 * the original with its checks and errors.
 */
export function createFastXEdDSA(original: XEdDSA): XEdDSA {
  const verified = new VerifiedSignatures(REMEMBERED_SIGNATURES)
  return {
    sign(secretKey, message, random) {
      if (random !== undefined || !isBytes(secretKey) || secretKey.length !== 32 || !isBytes(message)) return original.sign(secretKey, message, random)
      return calculateSignature(secretKey, message)
    },
    verify(publicKey, message, signature) {
      const wellFormed = isBytes(publicKey) && publicKey.length === 32 && isBytes(message) && isBytes(signature) && signature.length === 64
      if (!wellFormed) return original.verify(publicKey, message, signature)
      if (verified.has(publicKey, message, signature)) return true
      if (verifySignature(Buffer.concat([DJB_KEY_TYPE, publicKey]), message, signature) || original.verify(publicKey, message, signature)) {
        verified.add(publicKey, message, signature)
        return true
      }
      return false
    },
  }
}

/** Puts the fast functions on curve25519-js's exports object, once per process: libsignal calls them through it. */
export function installFastXEdDSA(target: XEdDSA = loadXEdDSA()): void {
  patchOnce(target, INSTALLED, createFastXEdDSA)
}
