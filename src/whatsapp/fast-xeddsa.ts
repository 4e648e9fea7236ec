import { calculateSignature, verifySignature } from 'whatsapp-rust-bridge'
import { patchOnce, requireAsLibsignal } from './libsignal-patch.js'

/** The part of curve25519-js (the CommonJS exports object libsignal calls through) that this module replaces. */
export interface XEdDSA {
  sign(secretKey: Uint8Array, message: Uint8Array, random?: Uint8Array): Uint8Array
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
}

const INSTALLED = Symbol.for('whatsapp-api.fast-xeddsa')
/** The type byte libsignal puts before a Curve25519 public key (curve25519-js takes the bare 32 bytes). */
const DJB_KEY_TYPE = Uint8Array.of(5)

const isBytes = (value: unknown): value is Uint8Array => Object.prototype.toString.call(value) === '[object Uint8Array]'

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
 * A check the WebAssembly rejects is asked of the original, so every answer is the original's.
 * Anything outside the well-formed shapes, or a signing with caller-supplied randomness, goes to
 * the original with its checks and errors.
 */
export function createFastXEdDSA(original: XEdDSA): XEdDSA {
  return {
    sign(secretKey, message, random) {
      if (random !== undefined || !isBytes(secretKey) || secretKey.length !== 32 || !isBytes(message)) return original.sign(secretKey, message, random)
      return calculateSignature(secretKey, message)
    },
    verify(publicKey, message, signature) {
      const wellFormed = isBytes(publicKey) && publicKey.length === 32 && isBytes(message) && isBytes(signature) && signature.length === 64
      if (wellFormed && verifySignature(Buffer.concat([DJB_KEY_TYPE, publicKey]), message, signature)) return true
      return original.verify(publicKey, message, signature)
    },
  }
}

/** Puts the fast functions on curve25519-js's exports object, once per process: libsignal calls them through it. */
export function installFastXEdDSA(target: XEdDSA = loadXEdDSA()): void {
  patchOnce(target, INSTALLED, createFastXEdDSA)
}
