import { createHash, createPublicKey, verify as verifyEd25519, type KeyObject } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { LRUCache } from 'lru-cache'
import { patchOnce, requireAsLibsignal } from './libsignal-patch.js'

/** The part of curve25519-js (the CommonJS exports object libsignal calls through) that this module replaces. */
export interface XEdDSA {
  sign(secretKey: Uint8Array, message: Uint8Array, random?: Uint8Array): Uint8Array
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
}

const INSTALLED = Symbol.for('whatsapp-api.fast-xeddsa')
const { Point } = ed25519
const { Fp, Fn } = Point
/** Converted public keys kept per process: the signers that repeat are WhatsApp's certificates and group members' sender keys. */
const CACHED_KEYS = 512

const isBytes = (value: unknown): value is Uint8Array => Object.prototype.toString.call(value) === '[object Uint8Array]'
const littleEndian = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`)
const toLittleEndian32 = (value: bigint): Buffer => Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse()
const sha512 = (...parts: Uint8Array[]): Buffer => parts.reduce((hash, part) => hash.update(part), createHash('sha512')).digest()

/** curve25519-js, the very instance libsignal loads (and through it Baileys' `Curve.sign`/`Curve.verify`). */
export const loadXEdDSA = (): XEdDSA => requireAsLibsignal('curve25519-js') as XEdDSA

/**
 * Signal's XEdDSA signatures (curve25519-js, as libsignal uses it) without pure JavaScript's cost:
 * about 8 ms per signature or check, paid for every group message sent or received (sender-key
 * signatures), every session built from a pre-key bundle and every pairing. Checks run on
 * OpenSSL's Ed25519 (0.05 ms) after the same Montgomery-to-Edwards conversion; a signature it
 * rejects is asked of the original, so every answer is the original's (OpenSSL is the stricter of
 * the two: it also refuses a non-canonical s). Signing does curve25519-js's deterministic
 * construction with @noble/curves' precomputed base-point multiplication and yields the same
 * bytes. Anything outside the well-formed shapes, or a signing with caller-supplied randomness,
 * goes to the original with its checks and errors. (Like any BigInt arithmetic, signing is not
 * constant-time, where curve25519-js's limb arithmetic mostly is: a timing channel to code in this
 * process only.)
 */
export function createFastXEdDSA(original: XEdDSA): XEdDSA {
  const edwardsKeys = new LRUCache<string, KeyObject>({ max: CACHED_KEYS })

  /** The Ed25519 key a Montgomery public key stands for, with the sign bit the signature carries. */
  const edwardsKey = (montgomery: Uint8Array, signBit: number): KeyObject | undefined => {
    const cacheKey = `${signBit}${Buffer.from(montgomery).toString('base64')}`
    let key = edwardsKeys.get(cacheKey)
    if (!key) {
      const u = Fp.create(littleEndian(montgomery) & ((1n << 255n) - 1n))
      const denominator = Fp.add(u, Fp.ONE)
      if (Fp.is0(denominator)) return undefined
      const encoded = toLittleEndian32(Fp.mul(Fp.sub(u, Fp.ONE), Fp.inv(denominator)))
      encoded[31]! |= signBit
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: encoded.toString('base64url') }, format: 'jwk' })
      edwardsKeys.set(cacheKey, key)
    }
    return key
  }

  return {
    sign(secretKey, message, random) {
      if (random !== undefined || !isBytes(secretKey) || secretKey.length !== 32 || !isBytes(message)) return original.sign(secretKey, message, random)
      const clamped = Uint8Array.from(secretKey)
      clamped[0]! &= 248
      clamped[31]! &= 127
      clamped[31]! |= 64
      const scalar = Fn.create(littleEndian(clamped))
      const nonce = Fn.create(littleEndian(sha512(clamped, message)))
      if (Fn.is0(scalar) || Fn.is0(nonce)) return original.sign(secretKey, message)
      const publicKey = Point.BASE.multiply(scalar).toBytes()
      const commitment = Point.BASE.multiply(nonce).toBytes()
      const challenge = Fn.create(littleEndian(sha512(commitment, publicKey, message)))
      const signature = new Uint8Array(64)
      signature.set(commitment)
      signature.set(toLittleEndian32(Fn.add(nonce, Fn.mul(challenge, scalar))), 32)
      signature[63]! |= publicKey[31]! & 128
      return signature
    },
    verify(publicKey, message, signature) {
      const wellFormed = isBytes(publicKey) && publicKey.length === 32 && isBytes(message) && isBytes(signature) && signature.length === 64
      if (!wellFormed) return original.verify(publicKey, message, signature)
      try {
        const key = edwardsKey(publicKey, signature[63]! & 128)
        const unsigned = Buffer.from(signature)
        unsigned[63]! &= 127
        if (key && verifyEd25519(null, message, key, unsigned)) return true
      } catch {
        // a key OpenSSL cannot import or decode: the original decides
      }
      return original.verify(publicKey, message, signature)
    },
  }
}

/** Puts the fast functions on curve25519-js's exports object, once per process: libsignal calls them through it. */
export function installFastXEdDSA(target: XEdDSA = loadXEdDSA()): void {
  patchOnce(target, INSTALLED, createFastXEdDSA)
}
