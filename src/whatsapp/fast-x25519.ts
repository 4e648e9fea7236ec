import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto'
import { Curve, generateSignalPubKey, KEY_BUNDLE_TYPE } from '@whiskeysockets/baileys'
import { LRUCache } from 'lru-cache'
import { patchOnce, requireAsLibsignal } from './libsignal-patch.js'

/** The part of libsignal's curve module (a CommonJS exports object) that this module replaces. */
export interface SignalCurve {
  calculateAgreement(pubKey: Buffer, privKey: Buffer): Buffer
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer }
}

const INSTALLED = Symbol.for('whatsapp-api.fast-x25519')
const PRIVATE_KEY_DER_PREFIX = Buffer.from([48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 110, 4, 34, 4, 32])
/**
 * Key objects kept per process (about 2 KB of native memory each). The keys that repeat are the
 * ones just generated (a new ratchet or base key is used right away, up to three times) and the
 * peers' public keys shared by many sessions; a few hundred of each cover them.
 */
const CACHED_KEYS = 512

/** Node supports JWK output from key generation; @types/node only declares PEM and DER. */
const generateJwkPair = generateKeyPairSync as unknown as (
  type: 'x25519',
  options: { publicKeyEncoding: { format: 'jwk' }; privateKeyEncoding: { format: 'jwk' } },
) => { publicKey: JsonWebKey; privateKey: JsonWebKey }

/**
 * Whether this Node builds an X25519 private key from a JWK's `d` alone. Node 20 derives the public
 * half itself and ignores `x` (its DER decoder costs 0.5 ms a key where JWK costs 0.07); later
 * versions refuse an `x` that does not match `d`, and decode DER as fast. Probed once with a pair
 * whose `x` is deliberately another key's: the key must come out with its own public half.
 */
const jwkDerivesPublicHalf = ((): boolean => {
  try {
    const ours = generateJwkPair('x25519', { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } })
    const theirs = generateJwkPair('x25519', { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } })
    const mismatched = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: ours.privateKey.d, x: theirs.publicKey.x }, format: 'jwk' })
    return createPublicKey(mismatched).export({ format: 'jwk' }).x === ours.publicKey.x
  } catch {
    return false
  }
})()

/** libsignal's curve module, the very instance Baileys loads. */
export const loadSignalCurve = (): SignalCurve => requireAsLibsignal('./curve.js') as SignalCurve

/**
 * X25519 as libsignal and Baileys do it, without their cost. libsignal builds both Node key
 * objects from DER on every agreement (about 0.45 ms, of which the OpenSSL 3 PKCS#8 decoder is
 * 0.35 ms: a quarter of a restart's CPU went there), where the agreement itself takes 0.035 ms.
 * Here keys come in as JWK (a raw import) where the public half is known or Node derives it, and key objects are
 * kept for the agreements that follow (a new base key serves three). Results are the same bytes;
 * any input outside the well-formed shapes goes to libsignal's own function, with its checks,
 * warnings and errors.
 */
export function createFastX25519(original: SignalCurve): SignalCurve & { generateRawKeyPair(): { publicKey: Buffer; privateKey: Buffer } } {
  const privateKeys = new LRUCache<string, KeyObject>({ max: CACHED_KEYS })
  const publicKeys = new LRUCache<string, KeyObject>({ max: CACHED_KEYS })
  /** Public keys of pairs generated here, by private key: JWK import needs both, and is ten times faster than DER. */
  const generatedPublicKeys = new LRUCache<string, string>({ max: 2 * CACHED_KEYS })

  const privateKeyObject = (privKey: Buffer): KeyObject => {
    const d = privKey.toString('base64url')
    let key = privateKeys.get(d)
    if (!key) {
      const x = generatedPublicKeys.get(d) ?? (jwkDerivesPublicHalf ? d : undefined)
      key = x
        ? createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x }, format: 'jwk' })
        : createPrivateKey({ key: Buffer.concat([PRIVATE_KEY_DER_PREFIX, privKey]), format: 'der', type: 'pkcs8' })
      privateKeys.set(d, key)
    }
    return key
  }
  const publicKeyObject = (raw: Buffer): KeyObject => {
    const x = raw.toString('base64url')
    let key = publicKeys.get(x)
    if (!key) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' })
      publicKeys.set(x, key)
    }
    return key
  }

  /**
   * A new pair as raw 32-byte keys. Its key object is made on first use only: most generated
   * pairs are pre-keys (812 per pairing) that this process never agrees with, and key objects hold
   * native memory the garbage collector does not see. The pair comes out of the generator as JWK:
   * on Node 20, exporting a key object that generateKeyPairSync returned deadlocks the process if
   * a garbage collection during the export frees the generation job (its destructor takes the
   * lock the export holds).
   */
  const generateRawKeyPair = (): { publicKey: Buffer; privateKey: Buffer } => {
    const { privateKey, publicKey } = generateJwkPair('x25519', { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } })
    generatedPublicKeys.set(privateKey.d!, publicKey.x!)
    return { publicKey: Buffer.from(publicKey.x!, 'base64url'), privateKey: Buffer.from(privateKey.d!, 'base64url') }
  }

  return {
    calculateAgreement(pubKey, privKey) {
      const wellFormed =
        Buffer.isBuffer(pubKey) && pubKey.byteLength === 33 && pubKey[0] === KEY_BUNDLE_TYPE[0] && Buffer.isBuffer(privKey) && privKey.byteLength === 32
      if (!wellFormed) return original.calculateAgreement(pubKey, privKey)
      return diffieHellman({ privateKey: privateKeyObject(privKey), publicKey: publicKeyObject(pubKey.subarray(1)) })
    },
    generateRawKeyPair,
    generateKeyPair() {
      const { publicKey, privateKey } = generateRawKeyPair()
      return { pubKey: Buffer.concat([KEY_BUNDLE_TYPE, publicKey]), privKey: privateKey }
    },
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
