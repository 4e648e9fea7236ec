import { Curve, generateSignalPubKey, KEY_BUNDLE_TYPE } from '@whiskeysockets/baileys'
import { calculateAgreement as wasmAgreement, generateKeyPair as wasmKeyPair } from 'whatsapp-rust-bridge'
import { asBuffer, patchOnce, requireAsLibsignal } from './libsignal-patch.js'

/** The part of libsignal's curve module (a CommonJS exports object) that this module replaces. */
export interface SignalCurve {
  calculateAgreement(pubKey: Buffer, privKey: Buffer): Buffer
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer }
}

const INSTALLED = Symbol.for('whatsapp-api.fast-x25519')

/** libsignal's curve module, the very instance Baileys loads. */
export const loadSignalCurve = (): SignalCurve => requireAsLibsignal('./curve.js') as SignalCurve

/**
 * X25519 as libsignal and Baileys do it, without their cost. libsignal builds two Node key objects
 * from DER for every agreement (about 0.45 ms, most of it OpenSSL 3's PKCS#8 decoder, where the
 * agreement itself takes 0.035 ms). Key objects are native: each is freed by a garbage-collector
 * callback (about 1.3 µs, OpenSSL locks included), and any kept long enough to be reused reaches
 * the old generation, where a restart of thousands of sessions frees tens of thousands of them
 * inside one full collection's pause. Here agreement and generation run in
 * whatsapp-rust-bridge's WebAssembly (libsignal's own Rust, which Baileys already loads): 0.09 ms
 * an agreement, 0.04 ms a pair, no native object and nothing to cache. Results are the same bytes;
 * any input outside the well-formed shapes, and a shared secret of zeros (which OpenSSL refuses),
 * goes to libsignal's own function, with its checks, warnings and errors.
 */
export function createFastX25519(original: SignalCurve): SignalCurve & { generateRawKeyPair(): { publicKey: Buffer; privateKey: Buffer } } {
  /** A pair in libsignal's shape: the public key behind its type byte. */
  const generateKeyPair = (): { pubKey: Buffer; privKey: Buffer } => {
    const { pubKey, privKey } = wasmKeyPair()
    return { pubKey: asBuffer(pubKey), privKey: asBuffer(privKey) }
  }
  return {
    calculateAgreement(pubKey, privKey) {
      const wellFormed =
        Buffer.isBuffer(pubKey) && pubKey.byteLength === 33 && pubKey[0] === KEY_BUNDLE_TYPE[0] && Buffer.isBuffer(privKey) && privKey.byteLength === 32
      if (!wellFormed) return original.calculateAgreement(pubKey, privKey)
      const shared = wasmAgreement(pubKey, privKey)
      return shared.some((byte) => byte !== 0) ? asBuffer(shared) : original.calculateAgreement(pubKey, privKey)
    },
    generateRawKeyPair() {
      const { pubKey, privKey } = generateKeyPair()
      return { publicKey: pubKey.subarray(1), privateKey: privKey }
    },
    generateKeyPair,
  }
}

/**
 * Puts the fast agreement and key generation under libsignal (its session builder and cipher call
 * them through the module object) and under Baileys' exported Curve (the Noise handshake), once
 * per process. Baileys' own ES-module import of libsignal's functions is a snapshot, hence both.
 */
export function installFastX25519(curve: SignalCurve = loadSignalCurve()): void {
  const fast = patchOnce(curve, INSTALLED, createFastX25519)
  if (!fast) return
  Curve.sharedKey = (privateKey, publicKey) =>
    Buffer.from(fast.calculateAgreement(generateSignalPubKey(publicKey) as Buffer, privateKey as Buffer))
  Curve.generateKeyPair = () => {
    const { publicKey, privateKey } = fast.generateRawKeyPair()
    return { private: privateKey, public: publicKey }
  }
}
