import { createHash } from 'node:crypto'
import { Curve } from '@whiskeysockets/baileys'
import { LRUCache } from 'lru-cache'

const MEMOIZED = Symbol.for('whatsapp-api.curve-verify-memoized')

type Verify = (pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

/**
 * Baileys checks WhatsApp's certificate chain in every Noise handshake with libsignal's pure-JS
 * curve25519, about 10 ms of blocked event loop per signature. The server presents the same
 * certificates to every socket, so remembering recent answers (verification is a pure function
 * of key, message and signature) turns a restore of many sessions from thousands of signature
 * checks into a few. Installed once, on Baileys' exported Curve object, which its handshake reads;
 * it answers exactly what the original answers. (In rc14 that is true for any well-formed
 * signature: libsignal returns the check's result where Baileys expects a throw, so the chain is
 * not actually enforced; TLS to WhatsApp's host is what authenticates the server.)
 */
export function memoizeCurveVerify(max = 256): void {
  const curve = Curve as typeof Curve & { [MEMOIZED]?: true }
  if (curve[MEMOIZED]) return
  curve.verify = memoizedVerify(curve.verify, max)
  curve[MEMOIZED] = true
}

/** `verify` with its recent answers remembered, keyed by a digest of all three inputs. */
export function memoizedVerify(verify: Verify, max: number): Verify {
  const answers = new LRUCache<string, boolean>({ max })
  return (pubKey, message, signature) => {
    const key = createHash('sha256').update(pubKey).update('\u0000').update(message).update('\u0000').update(signature).digest('base64')
    let valid = answers.get(key)
    if (valid === undefined) {
      valid = verify(pubKey, message, signature)
      answers.set(key, valid)
    }
    return valid
  }
}
